// Link faults against the run's REAL gateway (not killed here):
//   4  (after 5, same tunnel) sshd SIGKILLed and restarted while a message is typed → delivered once;
//   5  the SSH tunnel's TCP connection (to a real sshd) goes dark and is then reset in the middle of
//      requests → each pending request fails with a clear "connection dropped before it answered X" error;
//      nothing is retried by the client, except a chat message, which is idempotent (same key) and goes
//      out once more after the tunnel and client reconnect: chat.history holds it exactly once.
//   10 pairing required for a client that is not on loopback: a second address on the test's own network
//      namespace's lo (10.77.0.5) is the client's source address, so the gateway sees a non-loopback peer
//      → NOT_PAIRED with a requestId, shown with the approve command; an admin approves it over the
//      gateway's pairing API → the client connects.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ChatSession, GatewayIssueError, messageText, redactingLogger, stripInboundEnvelope, type OperatorClient } from "../../src/gateway";
import { SshTunnel, type SshPrompts } from "../../src/gateway/ssh";
import { sshKeygen, startSshd, type SshdHandle } from "../fixtures/sshd";
import { operator, realGateway, waitFor } from "../support/real-peers";

const work = mkdtempSync(path.join(process.env.KRABKRAB_TEST_WORKDIR || os.tmpdir(), "faults-link-"));
const clients: OperatorClient[] = [];
const closers: (() => Promise<unknown> | void)[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
  for (const c of closers.reverse()) await c();
});

function client(...args: Parameters<typeof operator>) {
  const c = operator(...args);
  clients.push(c);
  return c;
}

/** A TCP relay whose live connections can be made to swallow one direction, then be reset. */
async function relay(targetPort: number, localAddress?: string) {
  const pairs = new Set<{ a: net.Socket; b: net.Socket; darkDown: boolean }>();
  const server = net.createServer((a) => {
    const b = net.connect({ host: "127.0.0.1", port: targetPort, localAddress });
    const pair = { a, b, darkDown: false };
    pairs.add(pair);
    a.on("data", (d) => b.write(d));
    b.on("data", (d) => !pair.darkDown && a.write(d));
    const end = () => (a.destroy(), b.destroy(), pairs.delete(pair));
    for (const s of [a, b]) s.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  closers.push(() => new Promise<void>((r) => (pairs.forEach((p) => (p.a.destroy(), p.b.destroy())), server.close(() => r()))));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Answers stop coming back (requests still go out): they are left pending. */
    goDark: () => pairs.forEach((p) => (p.darkDown = true)),
    /** TCP RST on both sides of every live connection. */
    reset: () => pairs.forEach((p) => (p.a.resetAndDestroy(), p.b.resetAndDestroy())),
    count: () => pairs.size,
  };
}

test("5 + 4: tunnel TCP reset mid-request → pending requests fail clearly, only the idempotent chat send is resent, once; then sshd killed and restarted", { timeout: 180_000 }, async () => {
  const gw = realGateway();
  const sshd: SshdHandle = await startSshd({ rootDir: path.join(work, "sshd") });
  closers.push(() => sshd.stop());
  const key = sshKeygen(path.join(work, "keys", "id_ed25519"));
  sshd.addAuthorizedKey(readFileSync(key + ".pub", "utf8"));
  const link = await relay(sshd.port); // the "network" between us and the SSH server
  const home = path.join(work, "home");
  mkdirSync(path.join(home, ".ssh"), { recursive: true, mode: 0o700 });
  const knownHosts = path.join(home, ".ssh", "known_hosts");
  writeFileSync(knownHosts, `[127.0.0.1]:${link.port} ${sshd.hostPublicKey}\n`, { mode: 0o600 });
  const prompts: SshPrompts = {
    confirmHostKey: async (i) => assert.fail(`unexpected host key prompt ${i.knownHostsName}`),
    passphrase: async () => undefined,
    password: async () => undefined,
  };
  const tunnel = await SshTunnel.open({ target: `root@127.0.0.1:${link.port}`, remotePort: gw.port, home, knownHostsPath: knownHosts, identityFile: key, agent: null, globalKnownHostsPaths: [], prompts });
  closers.push(() => tunnel.close());
  const c = client({ url: tunnel.url });
  await c.connect();
  const sessionKey = `vsc-fault-reset-${randomUUID().slice(0, 8)}`;
  const chat = new ChatSession(c, sessionKey);
  closers.push(() => chat.dispose());
  await chat.open();
  let reconnected = 0;
  c.on("reconnected", () => reconnected++);

  link.goDark();
  const health = c.health().then(
    () => assert.fail("health answered through a dark link"),
    (e: unknown) => e,
  );
  const history = c.chatHistory({ sessionKey, limit: 5 }).then(
    () => assert.fail("chat.history answered through a dark link"),
    (e: unknown) => e,
  );
  const sent = chat.send("sent just before the reset [[echo:exactly once]]");
  await waitFor("the send on the wire", () => chat.snapshot().items.find((i) => i.id === sent.id)?.status === "sending", 10_000);
  await new Promise((r) => setTimeout(r, 1500)); // the request reaches the gateway; its answer is swallowed
  link.reset();

  for (const [what, p] of [["health", health], ["chat.history", history]] as const) {
    const err = await p;
    assert.ok(err instanceof GatewayIssueError, `${what}: ${String(err)}`);
    assert.equal(err.issue.kind, "connection-lost", `${what}: ${err.issue.kind}: ${err.issue.message}`);
    assert.match(err.issue.message, new RegExp(`dropped before it answered ${what.replace(".", "\\.")}.*not retried`));
  }
  await waitFor("the send back in the queue", () => chat.snapshot().items.find((i) => i.id === sent.id)?.status !== "sending", 10_000);
  await waitFor("tunnel re-established", () => tunnel.state.status === "open" && link.count() > 0, 60_000);
  await waitFor("client reconnected", () => c.state.status === "connected" && reconnected > 0, 60_000);
  await waitFor("the reply, once", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.text === "exactly once" && i.status === "final"), 90_000);
  const h = await c.chatHistory({ sessionKey, limit: 20 });
  const users = h.messages.filter((m) => m.role === "user").map((m) => stripInboundEnvelope(messageText(m)));
  assert.deepEqual(users, ["sent just before the reset [[echo:exactly once]]"], "the gateway holds the message exactly once");
  assert.equal(h.messages.filter((m) => m.role === "assistant").length, 1, "one run");
  const snap = chat.snapshot();
  const mine = snap.items.filter((i) => i.role === "user");
  assert.equal(mine.length, 1, "one bubble for the message");
  // Either our own item (acknowledged) or the gateway's history row for it (recorded before the drop).
  assert.equal(mine[0]!.status, "sent");
  assert.ok(mine[0]!.id === sent.id || mine[0]!.runId === sent.idempotencyKey || mine[0]!.idempotencyKey === sent.idempotencyKey, `the user item is neither our send nor its history row: ${JSON.stringify(mine[0])}`);

  // 4 (extends ssh/tunnel.test.ts's sshd restart): sshd SIGKILLed and restarted while the user types →
  // tunnel and client come back by themselves, and the message typed meanwhile is delivered once.
  const before = reconnected;
  sshd.kill("SIGKILL");
  await waitFor("the client notices the tunnel is down", () => c.state.status !== "connected", 30_000);
  const typed = chat.send("typed while sshd was down [[echo:after sshd]]");
  assert.equal(chat.snapshot().items.find((i) => i.id === typed.id)?.status, "queued");
  await sshd.restart();
  await waitFor("tunnel and client back", () => tunnel.state.status === "open" && c.state.status === "connected" && reconnected > before, 60_000);
  await waitFor("its reply", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.text === "after sshd" && i.status === "final"), 90_000);
  const h2 = await c.chatHistory({ sessionKey, limit: 20 });
  const users2 = h2.messages.filter((m) => m.role === "user").map((m) => stripInboundEnvelope(messageText(m)));
  assert.deepEqual(users2, ["sent just before the reset [[echo:exactly once]]", "typed while sshd was down [[echo:after sshd]]"], "each message exactly once");
});

test("10: a client that is not on loopback must be paired: requestId shown; approved → it connects", { timeout: 120_000 }, async () => {
  if (process.env.KRABKRAB_IN_NETNS !== "1" || process.getuid?.() !== 0) {
    throw new Error("This test adds an address to lo and must run as root inside the suite's own network namespace (scripts/test.mjs does that; --no-netns cannot run it).");
  }
  const addr = "10.77.0.5";
  try {
    execFileSync("ip", ["addr", "add", `${addr}/32`, "dev", "lo"], { stdio: "pipe" });
  } catch (err) {
    if (!/File exists/.test(String((err as { stderr?: Buffer }).stderr ?? err))) throw err;
  }
  const gw = realGateway();
  const fromElsewhere = await relay(gw.port, addr); // the gateway sees 10.77.0.5 as the peer address
  const logs: string[] = [];
  const logger = redactingLogger({ trace: () => {}, debug: (m) => logs.push(`D ${m}`), info: (m) => logs.push(`I ${m}`), warn: (m) => logs.push(`W ${m}`), error: (m) => logs.push(`E ${m}`) });
  const c = client({ url: `ws://127.0.0.1:${fromElsewhere.port}`, cli: "krabkrab", logger });
  c.on("state", (s) => logs.push(`S ${JSON.stringify(s)}`));
  const err = await c.connect().then(
    () => assert.fail("connected without pairing"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayIssueError, String(err));
  assert.equal(err.issue.kind, "pairing-required", err.issue.message);
  const requestId = err.issue.requestId;
  assert.ok(requestId, `a request id is shown: ${err.issue.message}`);
  assert.match(err.issue.message, new RegExp(`request ${requestId}`));
  assert.equal(err.issue.approveCommand, `krabkrab devices approve ${requestId}`);
  // The gateway says to wait for approval: the client stops retrying, and its state keeps the request.
  const paused = await waitFor("paused", () => (c.state.status === "paused" ? c.state : undefined), 10_000);
  assert.equal(paused.issue.kind, "pairing-required");
  assert.equal(paused.issue.requestId, requestId, "the paused state still names the request");
  assert.match(paused.issue.nextStep, new RegExp(`krabkrab devices approve ${requestId}`));

  const admin = client({ scopes: ["operator.read", "operator.pairing", "operator.admin"] });
  await admin.connect();
  const pending = await admin.devicePairList();
  const ids = pending.pending.filter((p) => p.deviceId === c.deviceId).map((p) => p.requestId);
  assert.ok(ids.includes(requestId), `the request is pending on the gateway: ${JSON.stringify(ids)} / ${requestId}`);
  assert.equal(pending.pending.find((p) => ids.includes(p.requestId))?.remoteIp?.replace(/^::ffff:/, ""), addr, "the gateway saw the non-loopback address");
  await admin.devicePairApprove(ids.at(-1)!);
  // "Reconnect" after approval (the user's action on the paused state).
  await c.connect().catch((err: Error) => {
    console.log(logs.slice(-40).join("\n"));
    throw err;
  });
  assert.equal(c.hello?.protocol, 4);
  assert.equal((await c.health()).ok !== undefined, true);
});
