// Direct wss:// to the REAL gateway with TLS on (its own `gateway.tls`, a self-signed certificate it
// generates at start-up): the pinned fingerprint is accepted in every spelling users paste, a wrong one is
// refused with the tls-pin-mismatch issue (no retry loop), and without a pin the self-signed certificate is
// not trusted. This file starts its own gateway (the shared one speaks plain ws://).
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { GatewayIssueError, type OperatorClient } from "../../src/gateway";
import { startGateway, type GatewayHandle } from "../fixtures/gateway";
import { operator } from "../support/real-peers";

let gw: GatewayHandle;
let fingerprint: string; // "AB:CD:…" as X509Certificate prints it
const clients: OperatorClient[] = [];

before(async () => {
  gw = await startGateway({ token: "tls-test-token-0123456789", extraConfig: { gateway: { tls: { enabled: true, autoGenerate: true } } } });
  assert.match(gw.url, /^wss:\/\//);
  const pem = readFileSync(path.join(gw.stateDir, "gateway", "tls", "gateway-cert.pem"), "utf8");
  fingerprint = new X509Certificate(pem).fingerprint256;
});

after(async () => {
  for (const c of clients) await c.disconnect();
  await gw?.stop();
});

function client(tlsFingerprint?: string): OperatorClient {
  const c = operator({ url: gw.url, token: gw.token, tlsFingerprint });
  clients.push(c);
  return c;
}

for (const [name, spell] of [
  ["colons, upper case", (fp: string) => fp],
  ["sha256: prefix, lower case", (fp: string) => `sha256:${fp.toLowerCase()}`],
  ["bare hex", (fp: string) => fp.replaceAll(":", "")],
] as const) {
  test(`the pinned fingerprint (${name}) connects over wss and answers health`, async () => {
    const c = client(spell(fingerprint));
    const hello = await c.connect();
    assert.equal(hello.protocol, 4);
    assert.equal((await c.health()).ok, true);
    await c.disconnect();
  });
}

test("a wrong fingerprint is refused before any frame is sent, without retrying", async () => {
  const wrong = fingerprint.split(":").reverse().join(":");
  const c = client(wrong);
  await assert.rejects(c.connect(), (err: unknown) => {
    assert.ok(err instanceof GatewayIssueError, String(err));
    assert.equal(err.issue.kind, "tls-pin-mismatch");
    assert.equal(err.issue.retrying, false);
    return true;
  });
  assert.equal(c.state.status === "connected", false);
});

test("without a pin the self-signed certificate is not trusted", async () => {
  const c = client(undefined);
  await assert.rejects(c.connect(), (err: unknown) => {
    assert.ok(err instanceof GatewayIssueError, String(err));
    assert.match(`${err.issue.message} ${err.issue.nextStep}`, /certificate/i);
    return true;
  });
  await c.disconnect();
});
