// The settings the activation bundle (dist/extension.js) reads before the core is loaded: plain reads of
// VS Code's configuration, no validation, so activation does not pull in the profile parser or the gateway
// library. The core (connection/targets.ts, profiles/profile-picker.ts) uses the same definitions.
import * as vscode from "vscode";

/** Settings read only from user (machine/application) scope: a workspace must not pick a gateway or a port. */
export const USER_ONLY_SETTINGS = ["profiles", "activeProfile", "autoConnect", "allowInsecurePublicWs", "local.port"] as const;

export function userSetting<T>(key: (typeof USER_ONLY_SETTINGS)[number]): T | undefined {
  return vscode.workspace.getConfiguration("krabkrab").inspect<T>(key)?.globalValue;
}

/** Profile keys that hold a secret when someone types one into settings (they belong in secret storage). */
export const SECRET_KEYS = ["token", "password", "gatewayToken", "authToken"] as const;

/** Whether krabkrab.profiles (user or workspace settings) holds a secret value: then the core offers to move it. */
export function settingsHoldSecrets(): boolean {
  const where = vscode.workspace.getConfiguration("krabkrab").inspect<unknown>("profiles");
  return [where?.globalValue, where?.workspaceValue].some(
    (raw) => Array.isArray(raw) && raw.some((p) => p && typeof p === "object" && SECRET_KEYS.some((k) => typeof (p as Record<string, unknown>)[k] === "string")),
  );
}
