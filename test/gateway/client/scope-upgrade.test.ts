// Least privilege against the REAL gateway (openclaw@2026.9.6): a connection asks for a scope it lacks with the
// gateway's own upgrade flow (device.scopes.requestUpgrade / waitUpgrade), keeps working while the owner decides,
// and reconnects with the token the approval issued; a rejection leaves it as it was. Driven through the
// ConnectionSlot the extension uses, with the owner played by a second operator that holds operator.pairing.
import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { createDeviceIdentity, GatewayIssueError, MemorySecretStore, OperatorClient, upgradeRoute, type PendingUpgrade } from "../../../src/gateway";
import { ConnectionSlot, type SlotTarget } from "../../../src/gateway/connection-slot";
import { operator, realGateway, waitFor } from "../../support/real-peers";

const slots: ConnectionSlot<SlotTarget>[] = [];
const clients: OperatorClient[] = [];
after(async () => {
  await Promise.all([...slots.map((s) => s.disconnect()), ...clients.map((c) => c.disconnect())]);
});

/** A slot whose clients all share one device identity and one secret store, as one VS Code window's do. */
async function connectedSlot() {
  const gw = realGateway();
  const identity = createDeviceIdentity();
  const secrets = new MemorySecretStore();
  const slot = new ConnectionSlot<SlotTarget>(async (t, req) =>
    new OperatorClient({ url: t.url, token: t.token, identity, secrets, scopes: req.scopes, preferDeviceToken: req.preferDeviceToken, clientVersion: "0.0.0-test" }),
  );
  slots.push(slot);
  const client = await slot.connectTo(async () => ({ url: gw.url, token: gw.token }), { scopes: ["operator.read", "operator.write"] });
  return { slot, client };
}

async function owner() {
  const c = operator({ scopes: ["operator.read", "operator.pairing", "operator.admin"] });
  clients.push(c);
  await c.connect();
  return c;
}

test("scope upgrade: requested on the live connection, approved by the owner, then the slot reconnects holding it", { timeout: 90_000 }, async () => {
  const { slot, client } = await connectedSlot();
  assert.ok(client.hello?.methods.includes("device.scopes.requestUpgrade"), "the pinned gateway offers the upgrade flow");
  // The suite's gateway is on loopback, where a wider reconnect is what the gateway intends (silent local
  // pairing); the request route is what a wss/tailnet connection takes, forced here.
  assert.equal(upgradeRoute(client), "reconnect");
  assert.equal(client.hasScopes("operator.pairing"), false, "the connection starts without operator.pairing");
  let pending: PendingUpgrade | undefined;
  const upgraded = slot.upgradeScopes(["operator.pairing"], { cli: "krabkrab", route: "request", onPending: (p) => (pending = p) });
  const p = await waitFor("the pending request", () => pending, 20_000);
  assert.deepEqual([...p.scopes].sort(), ["operator.pairing", "operator.read", "operator.write"]);
  assert.equal(p.approveCommand, `krabkrab devices approve ${p.requestId}`);
  // Meanwhile the working connection stays: no reconnect, RPCs answer.
  assert.equal(slot.current, client);
  assert.equal(typeof (await client.health()).ok, "boolean");
  const admin = await owner();
  const list = await admin.devicePairList();
  assert.ok(list.pending.some((r) => r.requestId === p.requestId && r.deviceId === client.deviceId), `the owner sees the request: ${JSON.stringify(list.pending.map((r) => r.requestId))}`);
  await admin.devicePairApprove(p.requestId);
  const next = await upgraded;
  assert.notEqual(next, client, "a new client, on the token the approval issued");
  assert.equal(next.hasScopes("operator.pairing"), true, `granted: ${next.grantedScopes.join(", ")}`);
  assert.equal(next.state.status, "connected");
  await next.devicePairList(); // a pairing-scoped method now answers
});

test("scope upgrade: a rejection says so and leaves the working connection as it was", { timeout: 90_000 }, async () => {
  const { slot, client } = await connectedSlot();
  let pending: PendingUpgrade | undefined;
  const upgraded = slot.upgradeScopes(["operator.admin"], { route: "request", onPending: (p) => (pending = p) });
  const p = await waitFor("the pending request", () => pending, 20_000);
  const admin = await owner();
  await admin.devicePairReject(p.requestId);
  const err = await upgraded.then(
    () => assert.fail("granted although rejected"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayIssueError, String(err));
  assert.equal(err.issue.kind, "missing-scope");
  assert.match(err.issue.message, /rejected/);
  assert.equal(slot.current, client, "still the same connection");
  assert.equal(client.state.status, "connected");
  assert.equal(client.hasScopes("operator.admin"), false);
});

test("scope upgrade: cancelling the wait keeps the connection and ends the request's waiter", { timeout: 60_000 }, async () => {
  const { slot, client } = await connectedSlot();
  const abort = new AbortController();
  let pending: PendingUpgrade | undefined;
  const upgraded = slot.upgradeScopes(["operator.pairing"], { route: "request", signal: abort.signal, onPending: (p) => (pending = p) });
  await waitFor("the pending request", () => pending, 20_000);
  abort.abort();
  await assert.rejects(upgraded);
  assert.equal(slot.current, client);
  assert.equal(typeof (await client.health()).ok, "boolean", "the connection still answers");
});

test("scope upgrade on loopback: the reconnect route, granted silently by the gateway's local-pairing policy", { timeout: 60_000 }, async () => {
  const { slot, client } = await connectedSlot();
  const next = await slot.upgradeScopes(["operator.pairing"]);
  assert.notEqual(next, client);
  assert.equal(next.hasScopes("operator.pairing"), true, `granted: ${next.grantedScopes.join(", ")}`);
});
