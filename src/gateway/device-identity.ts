// The operator's device identity: one Ed25519 key pair per installation (shared by all windows — the
// gateway prunes older idle pairings of the same client id and mode, so one per window would churn).
// device.id = lowercase hex SHA-256 of the raw 32-byte public key, as the gateway computes it.
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import * as z from "zod/mini";
import { SecretKeys, type SecretStore } from "./secret-store";

export interface DeviceIdentity {
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

const StoredIdentity = z.object({ v: z.literal(1), publicKeyPem: z.string().check(z.minLength(1)), privateKeyPem: z.string().check(z.minLength(1)) });

function rawPublicKey(key: KeyObject): Buffer {
  // SPKI DER for Ed25519 is a fixed 12-byte header followed by the 32-byte key.
  const der = key.export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32);
}

export function publicKeyRawBase64UrlFromPem(publicKeyPem: string): string {
  return rawPublicKey(createPublicKey(publicKeyPem)).toString("base64url");
}

export function deviceIdFromPublicKeyPem(publicKeyPem: string): string {
  return createHash("sha256").update(rawPublicKey(createPublicKey(publicKeyPem))).digest("hex");
}

/** Ed25519 signature over the UTF-8 payload, base64url without padding (what the gateway verifies). */
export function signDevicePayload(privateKeyPem: string, payload: string): string {
  return sign(null, Buffer.from(payload, "utf8"), privateKeyPem).toString("base64url");
}

export function createDeviceIdentity(): DeviceIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { deviceId: deviceIdFromPublicKeyPem(publicKeyPem), publicKeyPem, privateKeyPem };
}

/**
 * Loads the installation's identity from the secret store, creating and saving one on first use.
 * A stored value that does not parse (hand-edited, truncated) is replaced, and the caller is told,
 * because the gateway will then see a new device that may need pairing again.
 */
export async function loadOrCreateDeviceIdentity(store: SecretStore, onReplaced?: (why: string) => void): Promise<DeviceIdentity> {
  const raw = await store.get(SecretKeys.deviceIdentity);
  if (raw) {
    try {
      const parsed = StoredIdentity.parse(JSON.parse(raw));
      return { deviceId: deviceIdFromPublicKeyPem(parsed.publicKeyPem), publicKeyPem: parsed.publicKeyPem, privateKeyPem: parsed.privateKeyPem };
    } catch (err) {
      onReplaced?.(`stored device identity was unreadable (${err instanceof Error ? err.name : "error"}); created a new one`);
    }
  }
  const id = createDeviceIdentity();
  await store.store(SecretKeys.deviceIdentity, JSON.stringify({ v: 1, publicKeyPem: id.publicKeyPem, privateKeyPem: id.privateKeyPem }));
  return id;
}
