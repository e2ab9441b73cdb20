// The operator client against the REAL gateway (openclaw@2026.9.6 under Node 24) and the project's
// deterministic model server, both started once per run by scripts/test.mjs.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, test } from "node:test";
import { ChatSession, createDeviceIdentity, GatewayIssueError, MemorySecretStore, messageText, stripInboundEnvelope, type OperatorClient } from "../../../src/gateway";
import { operator, waitFor } from "../../support/real-peers";

const open: OperatorClient[] = [];
function client(...args: Parameters<typeof operator>) {
  const c = operator(...args);
  open.push(c);
  return c;
}
after(async () => {
  await Promise.all(open.map((c) => c.disconnect()));
});

test("handshake: hello-ok from the real gateway, protocol 4, scopes granted", { timeout: 60_000 }, async () => {
  const c = client();
  const hello = await c.connect();
  assert.equal(hello.protocol, 4);
  assert.equal(hello.serverVersion, "2026.9.6");
  assert.ok(hello.methods.length > 100, `methods: ${hello.methods.length}`);
  for (const m of ["health", "status", "system-presence", "node.list", "sessions.list", "chat.send", "chat.history", "chat.abort"]) assert.ok(hello.methods.includes(m), m);
  assert.deepEqual([...hello.scopes].sort(), ["operator.approvals", "operator.questions", "operator.read", "operator.write"]);
  assert.equal(c.state.status, "connected");
  assert.ok((hello.policy.tickIntervalMs ?? 0) > 0);
});

test("health, status, system-presence, node.list and sessions.list parse", { timeout: 60_000 }, async () => {
  const c = client();
  await c.connect();
  const health = await c.health();
  assert.equal(typeof health.ok, "boolean");
  assert.ok(Array.isArray(health.agents));
  const status = await c.status();
  assert.equal(typeof status, "object");
  const presence = await c.presence();
  assert.ok(Array.isArray(presence));
  assert.ok(presence.length >= 1, "our own connection is present");
  const nodes = await c.nodeList();
  assert.ok(Array.isArray(nodes));
  const sessions = await c.sessionsList({ limit: 10 });
  assert.ok(Array.isArray(sessions.sessions));
});

test("chat.send streams to final with exactly the model's text, and chat.history shows it", { timeout: 120_000 }, async () => {
  const c = client();
  await c.connect();
  const key = `vsc-stream-${randomUUID().slice(0, 8)}`;
  const chat = new ChatSession(c, key);
  await chat.open();
  const deltas: string[] = [];
  chat.on("change", (s) => {
    const a = s.items.find((i) => i.role === "assistant");
    if (a?.status === "streaming" && a.text) deltas.push(a.text);
  });
  const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
  const sent = chat.send(`Please repeat [[echo:${words}]]`);
  const reply = await waitFor("final reply", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.status === "final"), 90_000);
  assert.equal(reply.text, words);
  assert.equal(chat.snapshot().items.filter((i) => i.role === "assistant").length, 1, "one bubble");
  for (const d of deltas) assert.ok(words.startsWith(d), `delta "${d}" is a prefix of the final text (replace, not append)`);
  const history = await c.chatHistory({ sessionKey: key, limit: 20 });
  const users = history.messages.filter((m) => m.role === "user");
  const assistants = history.messages.filter((m) => m.role === "assistant");
  assert.equal(users.length, 1);
  assert.equal(stripInboundEnvelope(messageText(users[0])), `Please repeat [[echo:${words}]]`);
  assert.equal(messageText(assistants.at(-1)), words);
  assert.equal(chat.snapshot().items.find((i) => i.id === sent.id)?.status, "sent");
  chat.dispose();
});

test("chat.abort stops a slow reply mid-stream", { timeout: 120_000 }, async () => {
  const c = client();
  await c.connect();
  const key = `vsc-abort-${randomUUID().slice(0, 8)}`;
  const chat = new ChatSession(c, key);
  await chat.open();
  chat.send("tell me a long story [[slow]]");
  const streaming = await waitFor("some streamed text", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.status === "streaming" && i.text.length > 0), 90_000);
  await chat.abort();
  const ended = await waitFor("aborted", () => chat.snapshot().items.find((i) => i.runId === streaming.runId && i.status === "aborted"), 30_000);
  assert.ok(ended.text.length < 400, "stopped well before the end of the slow reply");
  chat.dispose();
});

test("a resend with the same idempotency key does not duplicate the user message", { timeout: 120_000 }, async () => {
  const c = client();
  await c.connect();
  const key = `vsc-idem-${randomUUID().slice(0, 8)}`;
  const idempotencyKey = randomUUID();
  const first = await c.chatSend({ sessionKey: key, message: "once only [[echo:ok]]", idempotencyKey });
  const again = await c.chatSend({ sessionKey: key, message: "once only [[echo:ok]]", idempotencyKey });
  assert.equal(first.runId, idempotencyKey);
  assert.equal(again.runId, idempotencyKey);
  const done = async () => {
    const h = await c.chatHistory({ sessionKey: key, limit: 20 });
    return h.messages.some((m) => m.role === "assistant") ? h : undefined;
  };
  let history = await done();
  for (let i = 0; !history && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 200));
    history = await done();
  }
  assert.ok(history, "the run finished");
  await c.chatSend({ sessionKey: key, message: "once only [[echo:ok]]", idempotencyKey }); // after completion: cached
  const final = await c.chatHistory({ sessionKey: key, limit: 20 });
  assert.equal(final.messages.filter((m) => m.role === "user").length, 1);
});

test("a wrong token is reported as token-mismatch and the client stops retrying", { timeout: 60_000 }, async () => {
  const c = client({ token: "definitely-not-the-token" });
  await assert.rejects(c.connect(), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "token-mismatch");
  await waitFor("paused", () => c.state.status === "paused");
  assert.equal(c.state.status === "paused" && c.state.issue.kind, "token-mismatch");
});

test("a read-only connection gets a missing-scope error naming operator.write", { timeout: 60_000 }, async () => {
  const c = client({ scopes: ["operator.read"] });
  const hello = await c.connect();
  assert.deepEqual(hello.scopes, ["operator.read"]);
  await assert.rejects(c.chatSend({ sessionKey: "main", message: "hi", idempotencyKey: randomUUID() }), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "missing-scope" && e.issue.missingScope === "operator.write");
  assert.equal((await c.health()).ok !== undefined, true, "reads still work");
});

test("the device token issued on the first connect is stored and reused on the next", { timeout: 60_000 }, async () => {
  const identity = createDeviceIdentity();
  const secrets = new MemorySecretStore();
  const a = client({ identity, secrets });
  const helloA = await a.connect();
  assert.equal(helloA.authMode, "token");
  await a.disconnect();
  const stored = [...secrets.data.keys()].filter((k) => k.startsWith("krabkrab.deviceToken|"));
  assert.equal(stored.length, 1, "one device token stored");
  // Second connect: no shared token at all — only the stored device token can get us in.
  const b = client({ identity, secrets, token: undefined });
  const helloB = await b.connect();
  assert.equal(helloB.authMode, "device-token");
  assert.equal((await b.health()).ok !== undefined, true);
});

test("a revoked stored device token falls back to the shared token", { timeout: 60_000 }, async () => {
  const identity = createDeviceIdentity();
  const secrets = new MemorySecretStore();
  const a = client({ identity, secrets });
  await a.connect();
  await a.disconnect();
  const key = [...secrets.data.keys()].find((k) => k.startsWith("krabkrab.deviceToken|"))!;
  await secrets.store(key, JSON.stringify({ token: "revoked-or-rotated-token", scopes: ["operator.read"] }));
  const b = client({ identity, secrets });
  const hello = await b.connect();
  assert.equal(hello.authMode, "token", "reconnected with the shared token");
  await b.disconnect();
  const now = JSON.parse(secrets.data.get(key) ?? "{}");
  assert.notEqual(now.token, "revoked-or-rotated-token", "the rejected token was replaced");
});

