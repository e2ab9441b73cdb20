// Which credential a connect presents, and which one to retry with at once when the gateway refuses it.
// First choice: a device token the gateway issued this device (unless the caller prefers the shared
// secret and has one), else the shared token, else the password, else none.
import type { GatewayIssue } from "../errors";
import type { AuthMode, OperatorClientOptions } from "./types";

type Credentials = Pick<OperatorClientOptions, "token" | "password" | "preferDeviceToken">;

export function firstAuthMode(opts: Credentials, hasDeviceToken: boolean): AuthMode {
  const hasShared = Boolean(opts.token || opts.password);
  const useDeviceToken = hasDeviceToken && (!hasShared || opts.preferDeviceToken !== false);
  return useDeviceToken ? "device-token" : opts.token ? "token" : opts.password ? "password" : "none";
}

export interface AuthFallback {
  mode: AuthMode;
  /** The stored device token was refused: forget it. */
  forgetDeviceToken: boolean;
  /** For the log. */
  why: string;
}

/** After the gateway refused `mode`: the credential to try at once instead, or null (the refusal stands). */
export function authFallback(mode: AuthMode, issue: GatewayIssue, opts: Credentials, hasDeviceToken: () => boolean): AuthFallback | null {
  const hasShared = Boolean(opts.token || opts.password);
  // A rejected stored device token: forget it and fall back to the shared secret.
  if (mode === "device-token" && hasShared && (issue.kind === "device-token-rejected" || issue.kind === "token-mismatch" || issue.kind === "auth-required")) {
    return { mode: opts.token ? "token" : "password", forgetDeviceToken: true, why: "stored device token rejected; retrying with the shared credential" };
  }
  // The shared token was rotated on the gateway, but this device holds a token the gateway issued it:
  // that one still identifies us, so try it before asking the user. (If it is refused too, the branch
  // above clears it, and the next mismatch pauses and asks for the new shared token.)
  if (mode === "token" && issue.kind === "token-mismatch" && hasDeviceToken()) {
    return { mode: "device-token", forgetDeviceToken: false, why: "the shared token was refused; retrying with this device's stored token" };
  }
  return null;
}
