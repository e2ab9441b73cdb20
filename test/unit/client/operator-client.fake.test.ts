// Edge cases the real gateway cannot produce on demand, against a small in-process WebSocket server.
import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { ChatSession, createDeviceIdentity, GatewayIssueError, MemorySecretStore, OperatorClient, type ConnectionState, type OperatorClientOptions } from "../../../src/gateway";
import { FakeGateway, type FakeGatewayOptions } from "../../support/fake-gateway";
import { waitFor } from "../../support/wait";

const clients: OperatorClient[] = [];
const fakes: FakeGateway[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await Promise.all(fakes.map((f) => f.close()));
});

async function setup(fakeOpts: FakeGatewayOptions = {}, clientOpts: Partial<OperatorClientOptions> = {}) {
  const fake = await FakeGateway.start(fakeOpts);
  fakes.push(fake);
  const client = new OperatorClient({ url: fake.url, token: "shared-token-xyz", identity: createDeviceIdentity(), clientVersion: "0.0.0-test", ...clientOpts, clientOverrides: { tickWatchMinIntervalMs: 20, ...clientOpts.clientOverrides } });
  clients.push(client);
  const states: ConnectionState[] = [];
  client.on("state", (s) => states.push(s));
  return { fake, client, states };
}

test("connects, reports state, and times RPCs", async () => {
  const { client, states, fake } = await setup({ methods: { health: () => ({ ok: true, ts: 1 }) } });
  const hello = await client.connect();
  assert.equal(hello.serverVersion, "fake-1.0");
  assert.deepEqual(states.map((s) => s.status), ["connecting", "connected"]);
  const cp = fake.last.connectParams!;
  assert.deepEqual(cp.caps, ["tool-events", "exec-approvals"]);
  assert.deepEqual(cp.scopes, ["operator.read", "operator.write", "operator.approvals", "operator.questions"]);
  assert.equal((cp.client as Record<string, unknown>).id, "gateway-client");
  assert.equal((cp.client as Record<string, unknown>).mode, "ui");
  assert.equal(cp.role, "operator");
  assert.ok((cp.device as Record<string, unknown>).signature, "device proof sent");
  let rtt = -1;
  client.once("rtt", (r) => (rtt = r.ms));
  const h = await client.health();
  assert.equal(h.ok, true);
  assert.ok(rtt >= 0);
});

test("garbled, mistyped and unknown frames neither throw nor drop the connection", async () => {
  const { client, fake } = await setup({ methods: { health: () => ({ ok: true }) } });
  await client.connect();
  const invalid: string[] = [];
  client.on("invalidPayload", (p) => invalid.push(p.what));
  let chats = 0;
  client.on("chat", () => chats++);
  const junk = [
    "not json",
    "{",
    "[]",
    "null",
    "42",
    '{"type":"res","id":"nope","ok":true}',
    '{"type":"event"}',
    '{"type":"event","event":123,"payload":{}}',
    '{"type":"event","event":"chat","payload":{"runId":5}}',
    '{"type":"event","event":"agent","payload":"x"}',
    '{"type":"event","event":"totally.unknown","payload":{"a":1}}',
    JSON.stringify({ type: "event", event: "chat", payload: { runId: "r", sessionKey: "k", state: "delta", message: "x".repeat(2_000_000) } }),
    JSON.stringify({ type: "event", event: "presence", payload: JSON.parse("[".repeat(500) + "]".repeat(500)) }),
  ];
  for (const j of junk) fake.last.sendRaw(j);
  const h = await client.health();
  assert.equal(h.ok, true);
  assert.equal(client.state.status, "connected");
  assert.ok(invalid.includes("chat"), `invalid chat payload reported: ${invalid}`);
  assert.equal(chats, 1, "only the well-formed (huge) chat event got through");
});

test("silence longer than two tick intervals closes the socket and reconnects by itself", async () => {
  const { client, fake, states } = await setup({ tickIntervalMs: 150, methods: { health: () => ({ ok: true }) } });
  await client.connect();
  await waitFor("a second connection after tick silence", () => fake.connections.length >= 2, 10_000);
  await waitFor("connected again", () => client.state.status === "connected" && states.some((s) => s.status === "reconnecting"), 10_000);
  assert.equal((await client.health()).ok, true);
});

test("a wrong token pauses with a token-mismatch issue and connect() rejects with it", async () => {
  const { client, states } = await setup({
    onConnect: () => ({ error: { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch (provide gateway auth token)", details: { code: "AUTH_TOKEN_MISMATCH", canRetryWithDeviceToken: true } } }),
  });
  await assert.rejects(client.connect(), (err: unknown) => err instanceof GatewayIssueError && err.issue.kind === "token-mismatch");
  await waitFor("paused", () => client.state.status === "paused");
  const last = states.at(-1)!;
  assert.equal(last.status === "paused" && last.issue.kind, "token-mismatch");
  assert.ok(!JSON.stringify(states).includes("shared-token-xyz"), "the token never appears in a state");
});

test("a rejected stored device token falls back to the shared token", async () => {
  const secrets = new MemorySecretStore();
  const identity = createDeviceIdentity();
  let attempts = 0;
  const { client, fake } = await setup(
    {
      onConnect: (p) => {
        attempts++;
        const auth = p.auth as Record<string, unknown>;
        if (auth.token === "stale-device-token") return { error: { code: "INVALID_REQUEST", message: "unauthorized: device token mismatch", details: { code: "AUTH_DEVICE_TOKEN_MISMATCH" } } };
        if (auth.token === "shared-token-xyz") return { deviceToken: "fresh-device-token" };
        return { error: { code: "INVALID_REQUEST", message: "unauthorized", details: { code: "AUTH_TOKEN_MISSING" } } };
      },
    },
    { secrets, identity },
  );
  // A token this device was issued earlier, since revoked on the gateway.
  const { DeviceTokenStore } = await import("../../../src/gateway/device-tokens");
  const { gatewayCredentialScope } = await import("@openclaw/gateway-client");
  const pre = new DeviceTokenStore(secrets, gatewayCredentialScope(fake.url));
  pre.store(identity.deviceId, "operator", "stale-device-token", ["operator.read"]);
  await pre.flush();
  const hello = await client.connect();
  assert.equal(hello.authMode, "token");
  assert.ok(attempts >= 2);
  await client.disconnect();
  const stored = await new DeviceTokenStore(secrets, gatewayCredentialScope(fake.url)).preload(identity.deviceId, "operator");
  assert.equal(stored?.token, "fresh-device-token", "the new device token replaced the stale one");
});

test("params are validated before sending; calls while disconnected say so", async () => {
  const { client, fake } = await setup({ methods: { "chat.send": () => ({ runId: "x", status: "started" }) } });
  await assert.rejects(client.call("chat.send", { sessionKey: "main", message: "x", idempotencyKey: "k1" }), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "not-connected");
  await client.connect();
  await assert.rejects(client.call("chat.send", { sessionKey: "main", message: "hi" }), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "invalid-request" && /chat\.send/.test(e.issue.message));
  assert.equal(fake.requests.filter((r) => r.method === "chat.send").length, 0, "nothing was sent");
  await assert.rejects(client.call("unknown.method", {}), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "missing-scope" && e.issue.missingScope === "operator.admin");
});

test("a result with the wrong shape is a clear invalid-response error, not a blank", async () => {
  const { client } = await setup({ methods: { "node.list": () => ({ nodes: "nope" }) } });
  await client.connect();
  await assert.rejects(client.nodeList(), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "invalid-response" && /node\.list/.test(e.issue.message));
});

test("chat: deltas replace, duplicates and other sessions are ignored, tool cards attach", async () => {
  const { client, fake } = await setup({
    methods: {
      "chat.history": () => ({ sessionKey: "agent:main:main", messages: [], sessionInfo: { key: "agent:main:main" } }),
      "chat.send": (p) => ({ runId: String(p.idempotencyKey), status: "started" }),
    },
  });
  await client.connect();
  const chat = new ChatSession(client, "main");
  await chat.open();
  const sent = chat.send("hello");
  await waitFor("sent", () => chat.snapshot().items.find((i) => i.id === sent.id)?.status === "sent");
  const runId = sent.idempotencyKey!;
  const ev = (seq: number, state: string, extra: Record<string, unknown> = {}, sessionKey = "agent:main:main") => fake.last.event("chat", { runId, sessionKey, seq, state, ...extra });
  ev(1, "status", { phase: "starting_model" });
  ev(2, "delta", { deltaText: "Hel", message: { role: "assistant", content: [{ type: "text", text: "Hel" }] } });
  ev(3, "delta", { deltaText: "lo", message: { role: "assistant", content: [{ type: "text", text: "Hello" }] } });
  ev(3, "delta", { deltaText: "lo", message: { role: "assistant", content: [{ type: "text", text: "Hello" }] } }); // duplicate
  ev(2, "delta", { deltaText: "Hel", message: { role: "assistant", content: [{ type: "text", text: "Hel" }] } }); // late replay
  fake.last.event("chat", { runId: "other", sessionKey: "agent:main:other", seq: 1, state: "delta", message: { role: "assistant", content: "nope" } });
  fake.last.event("agent", { runId, seq: 1, stream: "tool", sessionKey: "agent:main:main", data: { phase: "start", name: "read", toolCallId: "t1", args: { path: "a" } } });
  fake.last.event("agent", { runId, seq: 2, stream: "tool", sessionKey: "agent:main:main", data: { phase: "result", name: "read", toolCallId: "t1", result: "contents", isError: false } });
  ev(3, "final", { message: { role: "assistant", content: [{ type: "text", text: "Hello world" }] }, stopReason: "stop" }); // the gateway reuses the last delta seq for the final
  const item = await waitFor("final", () => chat.snapshot().items.find((i) => i.runId === runId && i.role === "assistant" && i.status === "final"));
  assert.equal(item.text, "Hello world");
  assert.equal(item.tools?.length, 1);
  assert.equal(item.tools?.[0]?.result, "contents");
  const snap = chat.snapshot();
  assert.equal(snap.items.filter((i) => i.role === "assistant").length, 1, "one bubble, no duplicates, no foreign session");
  chat.dispose();
});

test("a message typed while disconnected is queued and sent once, with its key, after connecting", async () => {
  const sends: string[] = [];
  const { client, fake } = await setup({
    methods: {
      "chat.history": () => ({ sessionKey: "agent:main:main", messages: [] }),
      "chat.send": (p) => (sends.push(String(p.idempotencyKey)), { runId: String(p.idempotencyKey), status: "started" }),
    },
  });
  const chat = new ChatSession(client, "main");
  const item = chat.send("typed offline");
  assert.equal(chat.snapshot().items[0]?.status, "queued");
  await client.connect();
  await waitFor("sent after connect", () => chat.snapshot().items.find((i) => i.id === item.id)?.status === "sent");
  assert.deepEqual(sends, [item.idempotencyKey]);
  // The link drops and comes back: nothing is sent again.
  fake.dropAll();
  await waitFor("reconnected", () => fake.connections.length >= 2 && client.state.status === "connected", 10_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(sends, [item.idempotencyKey]);
  chat.dispose();
});
