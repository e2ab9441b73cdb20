import type * as vscode from "vscode";
import type { SecretStore } from "../gateway";

/** src/gateway's SecretStore on top of VS Code's SecretStorage (the OS keychain on desktop). */
export class VsCodeSecretStore implements SecretStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}
  async get(key: string) {
    return this.secrets.get(key);
  }
  async store(key: string, value: string) {
    await this.secrets.store(key, value);
  }
  async delete(key: string) {
    await this.secrets.delete(key);
  }
}
