// Compatibility is a tested promise (README "Compatibility"): the operator client's everyday calls run
// against the pinned gateway AND the oldest protocol-4 release, and a protocol-3 release is refused with a
// message that says which side is behind, the gateway's version and the update command — once, without
// reconnecting in a loop. The older gateways are real `openclaw` releases from npm (test/peers/gateway-*),
// started here once each; the pinned one and the model server come from scripts/test.mjs.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import net from "node:net";
import { after, describe, test } from "node:test";
import { ChatSession, createDeviceIdentity, describeGatewayUpdate, GatewayIssueError, MemorySecretStore, messageText, OperatorClient, readGatewayUpdate, type GatewayUpdateState, type OperatorScope } from "../../src/gateway";
import { readSessionState, sessionSettingsSupport } from "../../src/gateway";
import { modelChoiceViews, sessionInfoView } from "../../src/extension/common/session-info";
import { LEGACY_CONFIG_OMIT, startGateway, type GatewayHandle } from "../fixtures/gateway";
import { modelUrl, realGateway, waitFor } from "../support/real-peers";

/** openclaw.mjs of an older release, installed by scripts/setup.mjs (see COMPAT_GATEWAYS in scripts/peers.mjs). */
function entryOf(version: string): string {
  const name = `KRABKRAB_OPENCLAW_ENTRY_${version.replace(/\W/g, "_")}`;
  const entry = process.env[name];
  if (!entry) throw new Error(`${name} is unset: run through scripts/test.mjs, which installs the older gateway peers (npm run setup) and exposes them.`);
  return entry;
}

const started: GatewayHandle[] = [];
const clients: OperatorClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await Promise.all(started.map((g) => g.stop()));
});

async function olderGateway(version: string): Promise<GatewayHandle> {
  const gw = await startGateway({ token: `compat-${randomUUID()}`, openclawEntry: entryOf(version), modelBaseUrl: modelUrl(), omitConfigKeys: LEGACY_CONFIG_OMIT, removeRootDirOnStop: true });
  started.push(gw);
  return gw;
}

function client(url: string, token: string, scopes?: OperatorScope[]): OperatorClient {
  const c = new OperatorClient({ url, token, identity: createDeviceIdentity(), secrets: new MemorySecretStore(), clientVersion: "0.0.0-test", scopes });
  clients.push(c);
  return c;
}

/** The operator client's everyday calls; every one must parse against `version`. */
function operatorSuite(version: string, gateway: () => Promise<GatewayHandle>, offlineUpdate: GatewayUpdateState) {
  describe(`operator client against gateway ${version}`, () => {
    let gw: GatewayHandle;
    let c: OperatorClient;
    let chatKey = "";
    test("handshake: hello-ok, protocol 4, the release's version, the methods we use", { timeout: 150_000 }, async () => {
      gw = await gateway();
      c = client(gw.url, gw.token);
      const hello = await c.connect();
      assert.equal(hello.protocol, 4);
      assert.equal(hello.serverVersion, version);
      for (const m of ["health", "status", "system-presence", "node.list", "sessions.list", "chat.send", "chat.history", "chat.abort"]) assert.ok(hello.methods.includes(m), `${version} offers ${m}`);
      assert.deepEqual([...hello.scopes].sort(), ["operator.approvals", "operator.questions", "operator.read", "operator.write"]);
    });
    test("health, status, system-presence, node.list and sessions.list parse", { timeout: 60_000 }, async () => {
      const health = await c.health();
      assert.equal(typeof health.ok, "boolean");
      assert.ok(Array.isArray(health.agents));
      assert.equal(typeof (await c.status()), "object");
      const presence = await c.presence();
      assert.ok(presence.length >= 1, "our own connection is present");
      assert.ok(Array.isArray(await c.nodeList()));
      assert.ok(Array.isArray((await c.sessionsList({ limit: 10 })).sessions));
    });
    test("a streamed chat turn reaches final with exactly the model's text", { timeout: 150_000 }, async () => {
      const key = `vsc-compat-${randomUUID().slice(0, 8)}`;
      chatKey = key;
      const chat = new ChatSession(c, key);
      await chat.open();
      let streamed = 0;
      chat.on("change", (s) => {
        if (s.items.some((i) => i.role === "assistant" && i.status === "streaming")) streamed++;
      });
      const issues: string[] = [];
      chat.on("issue", (i) => issues.push(`${i.kind}: ${i.message}`));
      // An event this release shapes differently is dropped by the schema check: that is a compatibility bug.
      const dropped = (p: { what: string; problem: string }) => issues.push(`dropped ${p.what} event: ${p.problem}`);
      c.on("invalidPayload", dropped);
      const words = "one two three four five six seven eight";
      chat.send(`Please repeat [[echo:${words}]]`);
      const reply = await waitFor("final reply", () => {
        if (issues.length > 0) throw new Error(`the chat turn failed on ${version}: ${issues.join("; ")}`);
        const failedSend = chat.snapshot().items.find((i) => i.role === "user" && i.status === "error");
        if (failedSend) throw new Error(`chat.send failed on ${version}: ${failedSend.error}`);
        return chat.snapshot().items.find((i) => i.role === "assistant" && (i.status === "final" || i.status === "error"));
      }, 120_000);
      assert.equal(reply.status, "final", `assistant item on ${version}: ${JSON.stringify(reply).slice(0, 400)}`);
      assert.equal(reply.text, words);
      assert.ok(streamed > 0, "the reply streamed (deltas before final)");
      const history = await c.chatHistory({ sessionKey: key, limit: 20 });
      assert.equal(messageText(history.messages.filter((m) => m.role === "assistant").at(-1)), words);
      c.off("invalidPayload", dropped);
      chat.dispose();
    });
    test("the model picker, context meter and today's usage read what this release offers", { timeout: 60_000 }, async () => {
      const methods = c.hello!.methods;
      const support = sessionSettingsSupport(methods);
      console.log(`[compat] ${version}: session settings ${JSON.stringify(support)} (describe: ${methods.includes("sessions.describe")}, usage: ${["sessions.usage", "usage.cost", "usage.status"].filter((m) => methods.includes(m)).join(",")})`);
      assert.ok(support.read, `${version} offers a session row (sessions.describe or sessions.list)`);
      const row = await readSessionState(c, chatKey);
      assert.ok(row, `the chat turn's session is read on ${version}`);
      const models = support.models ? modelChoiceViews((await c.modelsList()).models) : [];
      if (support.models) assert.ok(models.some((m) => m.ref === "krabkrab-demo/krabkrab-demo"), `models.list on ${version}: ${JSON.stringify(models.map((m) => m.ref))}`);
      const info = sessionInfoView(chatKey, row, models, support);
      assert.equal(info.model, "krabkrab-demo/krabkrab-demo");
      if (methods.includes("usage.cost")) assert.equal(typeof (await c.usageCost(1)).totals, "object", `usage.cost on ${version}`);
    });
    test("update.status: not asked without operator.admin; offline, with admin, what this release says", { timeout: 60_000 }, async () => {
      assert.deepEqual(await readGatewayUpdate(c), { kind: "not-allowed" });
      const admin = client(gw.url, gw.token, ["operator.read", "operator.admin"]);
      await admin.connect();
      const s = await readGatewayUpdate(admin);
      assert.deepEqual(s, offlineUpdate, `update state on ${version}: ${JSON.stringify(s)} (methods: ${admin.hello?.methods.filter((m) => m.startsWith("update.")).join(",")})`);
      assert.ok(describeGatewayUpdate(s).value.length > 5);
      await admin.disconnect();
    });
  });
}

// Offline neither release has checked for updates: update.status says none is known (not "up to date").
operatorSuite("2026.9.6", async () => realGateway(), { kind: "none-known", channel: "stable" });
operatorSuite("2026.5.12", () => olderGateway("2026.5.12"), { kind: "none-known" }); // no effectiveChannel before 2026.9

/** A TCP relay in front of a gateway that counts WebSocket upgrade attempts (and other HTTP requests). */
async function countingRelay(port: number): Promise<{ url: string; ws: () => number; http: () => number; close: () => Promise<void> }> {
  let ws = 0;
  let other = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    const outbound = net.connect(port, "127.0.0.1");
    sockets.add(outbound);
    inbound.once("data", (first) => (/^upgrade:\s*websocket/im.test(first.toString("latin1")) ? ws++ : other++));
    inbound.pipe(outbound).pipe(inbound);
    const done = () => (inbound.destroy(), outbound.destroy());
    inbound.on("error", done).on("close", done);
    outbound.on("error", done).on("close", done);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const p = (server.address() as net.AddressInfo).port;
  return { url: `ws://127.0.0.1:${p}`, ws: () => ws, http: () => other, close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) };
}

test("a protocol-3 gateway (2026.5.7): the message says the gateway is behind, its version and the update command; no retry loop", { timeout: 150_000 }, async () => {
  const gw = await olderGateway("2026.5.7");
  const relay = await countingRelay(gw.port);
  try {
    const c = client(relay.url, gw.token);
    const err = await c.connect().then(
      () => assert.fail("a protocol-3 gateway must not accept a protocol-4 client"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayIssueError, String(err));
    const i = err.issue;
    assert.equal(i.kind, "protocol-mismatch");
    assert.equal(i.expectedProtocol, 3);
    assert.equal(i.behind, "gateway");
    assert.equal(i.gatewayVersion, "2026.5.7");
    assert.equal(i.updateCommand, "krabkrab update");
    assert.equal(i.retrying, false);
    assert.match(i.message, /^The gateway \(version 2026\.5\.7\) speaks protocol 3; this extension speaks protocol 4, which needs gateway 2026\.5\.12 or newer\. The gateway is behind\.$/);
    assert.match(i.nextStep, /on the gateway host run `krabkrab update` \(`openclaw update` if that is the CLI installed there/);
    assert.equal(c.state.status, "paused");
    // The reference client alone would reconnect with backoff (1 s, 2 s, 4 s…): watch for 8 s.
    await new Promise((r) => setTimeout(r, 8000));
    assert.equal(relay.ws(), 1, `WebSocket connects to the protocol-3 gateway: ${relay.ws()} (expected exactly one)`);
    assert.equal(relay.http(), 1, "one HTTP request, for the gateway's version");
    assert.equal(c.state.status, "paused");
  } finally {
    await relay.close();
  }
});
