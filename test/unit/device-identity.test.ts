import { strict as assert } from "node:assert";
import { createHash, createPublicKey, verify } from "node:crypto";
import { test } from "node:test";
import { buildDeviceAuthPayloadV3 } from "@openclaw/gateway-client";
import { createDeviceIdentity, loadOrCreateDeviceIdentity, publicKeyRawBase64UrlFromPem, signDevicePayload } from "../../src/gateway/device-identity";
import { DeviceTokenStore } from "../../src/gateway/device-tokens";
import { MemorySecretStore, SecretKeys } from "../../src/gateway/secret-store";

test("device id is the sha256 hex of the raw 32-byte Ed25519 public key", () => {
  const id = createDeviceIdentity();
  const raw = Buffer.from(publicKeyRawBase64UrlFromPem(id.publicKeyPem), "base64url");
  assert.equal(raw.length, 32);
  assert.equal(id.deviceId, createHash("sha256").update(raw).digest("hex"));
  assert.match(id.deviceId, /^[0-9a-f]{64}$/);
});

test("the v3 payload signature verifies with the public key (base64url, no padding)", () => {
  const id = createDeviceIdentity();
  const payload = buildDeviceAuthPayloadV3({ deviceId: id.deviceId, clientId: "gateway-client", clientMode: "ui", role: "operator", scopes: ["operator.read", "operator.write"], signedAtMs: 1_700_000_000_000, token: "t", nonce: "n", platform: "Linux", deviceFamily: null });
  assert.match(payload, /^v3\|[0-9a-f]{64}\|gateway-client\|ui\|operator\|operator\.read,operator\.write\|1700000000000\|t\|n\|linux\|$/);
  const sig = signDevicePayload(id.privateKeyPem, payload);
  assert.doesNotMatch(sig, /[=+/]/);
  assert.ok(verify(null, Buffer.from(payload), createPublicKey(id.publicKeyPem), Buffer.from(sig, "base64url")));
});

test("one identity per installation: created once, then loaded; a corrupt one is replaced and reported", async () => {
  const store = new MemorySecretStore();
  const a = await loadOrCreateDeviceIdentity(store);
  const b = await loadOrCreateDeviceIdentity(store);
  assert.equal(a.deviceId, b.deviceId);
  await store.store(SecretKeys.deviceIdentity, "{not json");
  let why = "";
  const c = await loadOrCreateDeviceIdentity(store, (w) => (why = w));
  assert.notEqual(c.deviceId, a.deviceId);
  assert.match(why, /unreadable/);
});

test("device tokens persist per gateway, device and role, and clear", async () => {
  const secrets = new MemorySecretStore();
  const s1 = new DeviceTokenStore(secrets, "ws://a:1");
  s1.store("dev", "operator", "tok-1", ["operator.read"]);
  await s1.flush();
  const s2 = new DeviceTokenStore(secrets, "ws://a:1");
  assert.deepEqual(await s2.preload("dev", "operator"), { token: "tok-1", scopes: ["operator.read"] });
  assert.equal(await new DeviceTokenStore(secrets, "ws://b:1").preload("dev", "operator"), null);
  s2.clear("dev", "operator");
  await s2.flush();
  assert.equal(await new DeviceTokenStore(secrets, "ws://a:1").preload("dev", "operator"), null);
});
