// Secrets (the device private key, issued device tokens, shared tokens, passwords) live behind this
// interface. The extension implements it with VS Code's SecretStorage; tests and CLIs use the memory one.

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export class MemorySecretStore implements SecretStore {
  readonly data = new Map<string, string>();
  async get(key: string) {
    return this.data.get(key);
  }
  async store(key: string, value: string) {
    this.data.set(key, value);
  }
  async delete(key: string) {
    this.data.delete(key);
  }
}

/** Key names, in one place, so that "clear stored credentials" can find them all. */
export const SecretKeys = {
  deviceIdentity: "krabkrab.device.identity",
  deviceToken: (gatewayScope: string, deviceId: string, role: string) => `krabkrab.deviceToken|${gatewayScope}|${deviceId}|${role}`,
  profileToken: (profile: string) => `krabkrab.profile.token|${profile}`,
  profilePassword: (profile: string) => `krabkrab.profile.password|${profile}`,
  localGatewayToken: "krabkrab.local.token",
} as const;
