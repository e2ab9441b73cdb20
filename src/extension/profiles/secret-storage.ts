import type * as vscode from "vscode";
import type { SecretStore } from "../../gateway";

const INDEX_KEY = "krabkrab.secretKeyIndex";

/**
 * src/gateway's SecretStore on top of VS Code's SecretStorage (the OS keychain on desktop). SecretStorage
 * cannot list its keys on every VS Code we support, so the key *names* (never values) are indexed in
 * globalState: “Clear Stored Credentials” can then find every device token.
 */
export class VsCodeSecretStore implements SecretStore {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state?: vscode.Memento,
  ) {}
  async get(key: string) {
    return this.secrets.get(key);
  }
  async store(key: string, value: string) {
    await this.secrets.store(key, value);
    const index = this.keys();
    if (this.state && !index.includes(key)) await this.state.update(INDEX_KEY, [...index, key]);
  }
  async delete(key: string) {
    await this.secrets.delete(key);
    const index = this.keys();
    if (this.state && index.includes(key)) await this.state.update(INDEX_KEY, index.filter((k) => k !== key));
  }
  /** Names of the keys this extension stored (not their values). */
  keys(prefix = ""): string[] {
    const raw = this.state?.get<unknown>(INDEX_KEY);
    return Array.isArray(raw) ? raw.filter((k): k is string => typeof k === "string" && k.startsWith(prefix)) : [];
  }
}
