// Fault 9 at the edges the real gateway cannot produce on demand inside one connection's lifetime: the
// shared token is rotated on the gateway while we are connected. On the reconnect the old shared token is
// refused; the device token this gateway issued us still works → we use it, no prompt. When there is no
// device token to fall back on, the client pauses with token-mismatch and asks for the new token.
import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { createDeviceIdentity, MemorySecretStore, OperatorClient, type ConnectionState } from "../../../src/gateway";
import { FakeGateway } from "../../support/fake-gateway";
import { waitFor } from "../../support/wait";

const fakes: FakeGateway[] = [];
const clients: OperatorClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await Promise.all(fakes.map((f) => f.close()));
});

const MISMATCH = { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch (provide gateway auth token)", details: { code: "AUTH_TOKEN_MISMATCH", canRetryWithDeviceToken: true } };

async function rotatingGateway(issueDeviceToken: boolean) {
  let shared = "shared-before-rotation";
  const seen: string[] = [];
  const fake = await FakeGateway.start({
    onConnect: (p) => {
      const auth = (p.auth ?? {}) as Record<string, unknown>;
      const presented = String(auth.deviceToken ?? auth.token ?? "");
      seen.push(presented);
      if (presented === "issued-device-token") return {};
      if (presented !== shared) return { error: MISMATCH };
      return issueDeviceToken ? { deviceToken: "issued-device-token" } : {};
    },
    methods: { health: () => ({ ok: true }) },
  });
  fakes.push(fake);
  return { fake, seen, rotate: (t: string) => (shared = t) };
}

function client(url: string) {
  const c = new OperatorClient({ url, token: "shared-before-rotation", identity: createDeviceIdentity(), secrets: new MemorySecretStore(), clientVersion: "0.0.0-test" });
  clients.push(c);
  const states: ConnectionState[] = [];
  c.on("state", (s) => states.push(s));
  return { c, states };
}

test("9: shared token rotated while connected → the reconnect falls back to the stored device token, no prompt", async () => {
  const gw = await rotatingGateway(true);
  const { c, states } = client(gw.fake.url);
  assert.equal((await c.connect()).authMode, "token");
  gw.rotate("shared-after-rotation");
  gw.fake.dropAll();
  await waitFor("reconnected with the device token", () => c.state.status === "connected" && c.hello?.authMode === "device-token", 15_000);
  assert.ok(!states.some((s) => s.status === "paused"), "never paused, never asked");
  assert.equal((await c.health()).ok, true);
  assert.deepEqual(gw.seen.slice(-2), ["shared-before-rotation", "issued-device-token"]);
});

test("9: shared token rotated and no device token to fall back on → paused with token-mismatch, asking for the new token", async () => {
  const gw = await rotatingGateway(false);
  const { c, states } = client(gw.fake.url);
  await c.connect();
  gw.rotate("shared-after-rotation");
  gw.fake.dropAll();
  const paused = await waitFor("paused", () => (c.state.status === "paused" ? c.state : undefined), 15_000);
  assert.equal(paused.issue.kind, "token-mismatch");
  assert.match(paused.issue.nextStep, /Set Gateway Token/);
  await new Promise((r) => setTimeout(r, 1500));
  const attempts = gw.seen.length;
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(gw.seen.length, attempts, "no more attempts while paused");
  assert.ok(!JSON.stringify(states).includes("shared-before-rotation"), "no token in any state");
});
