// Device tokens the gateway issues in hello-ok. The reference client asks for them synchronously
// (hostDeps.load/store/clearDeviceAuthToken) while SecretStorage is async, so this keeps a memory copy
// that is filled before connecting and written through to the secret store. Keyed per gateway, per
// device, per role, as the protocol says.
import * as z from "zod/mini";
import { deviceIdFromPublicKeyPem } from "./device-identity";
import { redactor } from "./redact";
import { SecretKeys, type SecretStore } from "./secret-store";

export interface DeviceTokenRecord {
  token: string;
  scopes: string[];
}

const Stored = z.object({ token: z.string().check(z.minLength(1)), scopes: z._default(z.array(z.string()), []) });

export class DeviceTokenStore {
  private readonly memory = new Map<string, DeviceTokenRecord>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: SecretStore,
    private readonly gatewayScope: string,
  ) {}

  private key(deviceId: string, role: string) {
    return SecretKeys.deviceToken(this.gatewayScope, deviceId, role);
  }

  /** Fills the memory copy; call before connecting. */
  async preload(deviceId: string, role: string): Promise<DeviceTokenRecord | null> {
    const raw = await this.secrets.get(this.key(deviceId, role));
    if (!raw) return null;
    const parsed = Stored.safeParse(safeJson(raw));
    if (!parsed.success) {
      await this.secrets.delete(this.key(deviceId, role));
      return null;
    }
    redactor.add(parsed.data.token);
    this.memory.set(this.key(deviceId, role), parsed.data);
    return parsed.data;
  }

  load(deviceId: string, role: string): DeviceTokenRecord | null {
    return this.memory.get(this.key(deviceId, role)) ?? null;
  }

  store(deviceId: string, role: string, token: string, scopes: string[]): void {
    redactor.add(token);
    const rec = { token, scopes: [...scopes] };
    this.memory.set(this.key(deviceId, role), rec);
    this.enqueue(() => this.secrets.store(this.key(deviceId, role), JSON.stringify(rec)));
  }

  clear(deviceId: string, role: string): void {
    this.memory.delete(this.key(deviceId, role));
    this.enqueue(() => this.secrets.delete(this.key(deviceId, role)));
  }

  /** Resolves when every write so far has reached the secret store. */
  flush(): Promise<unknown> {
    return this.writes;
  }

  private enqueue(op: () => Promise<void>) {
    // Writes are serialised so a clear can never be overtaken by an earlier store.
    this.writes = this.writes.then(op, op).catch(() => undefined);
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * Whether this installation holds a device token for a gateway: a secret like any other (it signs this
 * device in), so it counts when deciding whether a link is safe enough to offer credentials on.
 */
export async function hasStoredDeviceToken(secrets: SecretStore, gatewayScope: string, role = "operator"): Promise<boolean> {
  const raw = await secrets.get(SecretKeys.deviceIdentity);
  if (!raw) return false;
  try {
    const deviceId = deviceIdFromPublicKeyPem((JSON.parse(raw) as { publicKeyPem: string }).publicKeyPem);
    return Boolean(await secrets.get(SecretKeys.deviceToken(gatewayScope, deviceId, role)));
  } catch {
    return false; // unreadable identity: a new one (with no tokens) will be made
  }
}
