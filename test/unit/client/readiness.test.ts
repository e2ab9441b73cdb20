// A gateway that is up but still starting refuses every connect with UNAVAILABLE startup-sidecars and asks
// for a retry every 500 ms. The client must not follow that with a handshake every 500 ms: it waits on
// /readyz and connects once the gateway says ready. (The fake lets the test hold the gateway in that state.)
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { createDeviceIdentity, MemorySecretStore, OperatorClient } from "../../../src/gateway";
import { FakeGateway } from "../../support/fake-gateway";

const STARTING = { code: "UNAVAILABLE", message: "gateway starting; retry shortly", retryable: true, retryAfterMs: 500, details: { reason: "startup-sidecars" } };

test("startup-sidecars: one refused handshake, then /readyz polls, then one handshake once ready", { timeout: 30_000 }, async () => {
  let ready = false;
  let readyPolls = 0;
  const gw = await FakeGateway.start({
    // Like the real gateway here, leave the close to the client (which closes 1013 once it has read the
    // refusal): a fake that closes 1008 after 5 ms races the client's reading on a loaded machine.
    closeAfterErrorMs: 2000,
    onConnect: () => (ready ? undefined : { error: STARTING }),
    http: (req, res) => {
      if (req.url === "/readyz") readyPolls++;
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ready }));
    },
  });
  const c = new OperatorClient({ url: gw.url, token: "t", identity: createDeviceIdentity(), secrets: new MemorySecretStore(), clientVersion: "0.0.0-test" });
  const kinds: string[] = [];
  c.on("state", (s) => "issue" in s && s.issue && kinds.push(s.issue.kind));
  try {
    const connected = c.connect();
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(gw.connections.length, 1, `handshakes while starting: ${gw.connections.length} (the gateway's own 500 ms pace would be ~8)`);
    assert.ok(readyPolls >= 2, `readyz polls: ${readyPolls}`);
    assert.equal(c.state.status, "connecting");
    assert.ok(kinds.includes("gateway-starting"));
    ready = true;
    const hello = await connected;
    assert.equal(hello.serverVersion, "fake-1.0");
    assert.equal(gw.connections.length, 2);
  } finally {
    await c.disconnect();
    await gw.close();
  }
});
