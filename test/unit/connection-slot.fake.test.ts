// The connection slot's chat and client bookkeeping against the in-process fake gateway: a disconnect
// during the token preload, scope upgrades (granted and refused) that must not lose what was typed,
// sessions released with their last view, and attachment bytes that leave the transcript once sent.
import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { createDeviceIdentity, GatewayIssueError, MemorySecretStore, OperatorClient, type SecretStore } from "../../src/gateway";
import { ConnectionSlot, isCancelled, type SlotTarget } from "../../src/gateway/connection-slot";
import { FakeGateway, type FakeGatewayOptions } from "../support/fake-gateway";
import { waitFor } from "../support/wait";

const fakes: FakeGateway[] = [];
const slots: ConnectionSlot[] = [];
after(async () => {
  for (const s of slots) await s.disconnect();
  await Promise.all(fakes.map((f) => f.close()));
});

const chatMethods = (sends: { key: string; attachments?: unknown }[]): FakeGatewayOptions["methods"] => ({
  "chat.history": () => ({ sessionKey: "agent:main:main", messages: [] }),
  "chat.send": (p) => (sends.push({ key: String(p.idempotencyKey), attachments: p.attachments }), { runId: String(p.idempotencyKey), status: "started" }),
});

async function setup(fakeOpts: FakeGatewayOptions) {
  const fake = await FakeGateway.start(fakeOpts);
  fakes.push(fake);
  const identity = createDeviceIdentity();
  const secrets = new MemorySecretStore();
  const slot = new ConnectionSlot(async (t, req) => new OperatorClient({ url: t.url, token: t.token, identity, secrets, scopes: req.scopes, preferDeviceToken: req.preferDeviceToken, clientVersion: "0.0.0-test" }));
  slots.push(slot);
  const target: SlotTarget = { url: fake.url, token: "shared-token-xyz" };
  return { fake, slot, target };
}

test("a disconnect while the stored device token loads wins: connect() rejects as cancelled and no client ever starts", async () => {
  const fake = await FakeGateway.start({});
  fakes.push(fake);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let asked = false;
  const m = new MemorySecretStore();
  const secrets: SecretStore = { get: async (k) => ((asked = true), await gate, m.get(k)), store: (k, v) => m.store(k, v), delete: (k) => m.delete(k) };
  const client = new OperatorClient({ url: fake.url, token: "shared-token-xyz", identity: createDeviceIdentity(), secrets, clientVersion: "0.0.0-test" });
  let hellos = 0;
  client.on("hello", () => hellos++);
  const connecting = client.connect();
  await waitFor("preload started", () => asked);
  await client.disconnect();
  release();
  await assert.rejects(connecting, (e: unknown) => isCancelled(e));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(fake.connections.length, 0, "no zombie client reached the gateway");
  assert.equal(hellos, 0);
  assert.equal(client.state.status, "disconnected");
  assert.equal(OperatorClient.runningClients, 0);
});

test("a granted scope upgrade keeps the chat session: what was typed meanwhile is sent once, on the new connection", async () => {
  const sends: { key: string }[] = [];
  const { fake, slot, target } = await setup({ methods: chatMethods(sends) });
  await slot.connectTo(async () => target);
  const held = slot.retainChat("main")!;
  await held.session.open();
  const upgrading = slot.upgradeScopes(["operator.admin"]);
  const item = held.session.send("typed while the scopes upgrade"); // the controller keeps using its session
  const client = await upgrading;
  assert.ok(client.grantedScopes.includes("operator.admin"));
  assert.equal(slot.chat("main"), held.session, "the same session follows the new client");
  await waitFor("sent", () => held.session.snapshot().items.find((i) => i.id === item.id)?.status === "sent", 5_000);
  assert.deepEqual(sends.map((s) => s.key), [item.idempotencyKey], "sent exactly once");
  assert.deepEqual(fake.last.connectParams?.scopes, ["operator.read", "operator.write", "operator.approvals", "operator.questions", "operator.admin"]);
  held.release();
});

test("a refused scope upgrade returns to the working connection, and the message typed meanwhile still goes out", async () => {
  const sends: { key: string }[] = [];
  const { fake, slot, target } = await setup({
    methods: chatMethods(sends),
    onConnect: (p) => ((p.scopes as string[]).includes("operator.admin") ? { error: { code: "NOT_PAIRED", message: "pairing required: scope upgrade needs approval", details: { code: "PAIRING_REQUIRED", requestId: "req-upgrade-1" } } } : undefined),
  });
  await slot.connectTo(async () => target);
  const held = slot.retainChat("main")!;
  await held.session.open();
  const upgrading = slot.upgradeScopes(["operator.admin"]);
  const item = held.session.send("typed while the upgrade is refused");
  await assert.rejects(upgrading, (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "pairing-required");
  const back = await waitFor("back on the working connection", () => (slot.current?.state.status === "connected" ? slot.current : undefined), 10_000);
  assert.deepEqual(back.requestedScopes, ["operator.read", "operator.write", "operator.approvals", "operator.questions"]);
  await waitFor("sent", () => held.session.snapshot().items.find((i) => i.id === item.id)?.status === "sent", 5_000);
  assert.deepEqual(sends.map((s) => s.key), [item.idempotencyKey]);
  assert.ok(fake.connections.length >= 3, "first connection, the refused upgrade, the way back");
  held.release();
});

test("chat sessions are released with the last view that follows them (no listener build-up); a pending send keeps its session until it is out", async () => {
  const sends: { key: string }[] = [];
  let holdSends = true;
  const { slot, target } = await setup({
    methods: {
      ...chatMethods(sends),
      "chat.send": async (p) => {
        await waitFor("sends released", () => !holdSends, 10_000);
        sends.push({ key: String(p.idempotencyKey) });
        return { runId: String(p.idempotencyKey), status: "started" };
      },
    },
  });
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on("warning", onWarning);
  const client = await slot.connectTo(async () => target);
  const base = client.listenerCount("chat");
  for (let i = 0; i < 15; i++) {
    const held = slot.retainChat(`visited-${i}`)!;
    await held.session.open();
    held.release(); // the view switched to another session
  }
  assert.equal(client.listenerCount("chat"), base, "no session of a view that moved on still listens");
  assert.deepEqual(slot.chatKeys, []);
  // Two views on one session: it lives until both let go.
  const a = slot.retainChat("shared")!;
  const b = slot.retainChat("shared")!;
  assert.equal(a.session, b.session);
  a.release();
  assert.deepEqual(slot.chatKeys, ["shared"]);
  const item = b.session.send("still on its way out");
  b.release();
  assert.deepEqual(slot.chatKeys, ["shared"], "kept while its message is pending");
  holdSends = false;
  await waitFor("sent, then released", () => slot.chatKeys.length === 0, 5_000);
  assert.deepEqual(sends.map((s) => s.key), [item.idempotencyKey]);
  process.off("warning", onWarning);
  assert.deepEqual(warnings.filter((w) => w.name === "MaxListenersExceededWarning"), []);
});

test("attachment bytes never ride on transcript items, and are dropped once the gateway has them", async () => {
  const sends: { key: string; attachments?: unknown }[] = [];
  const { slot, target } = await setup({ methods: chatMethods(sends) });
  await slot.connectTo(async () => target);
  const held = slot.retainChat("main")!;
  await held.session.open();
  const bytes = Buffer.alloc(64 * 1024, 7).toString("base64");
  const item = held.session.send("look at this", { attachments: [{ type: "image", mimeType: "image/png", fileName: "a.png", content: bytes }] });
  assert.ok(!JSON.stringify(held.session.snapshot()).includes(bytes.slice(0, 200)), "the snapshot views get has no attachment bytes");
  assert.equal(held.session.snapshot().items.find((i) => i.id === item.id)?.images, 1, "the item still says it carries an image");
  await waitFor("sent", () => held.session.snapshot().items.find((i) => i.id === item.id)?.status === "sent", 5_000);
  assert.equal((sends[0]?.attachments as { content: string }[])[0]?.content, bytes, "the gateway got the bytes");
  assert.equal((held.session as unknown as { outgoing: Map<string, unknown> }).outgoing.size, 0, "the session no longer holds them");
  held.release();
});
