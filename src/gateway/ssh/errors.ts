// What can go wrong with an SSH tunnel, as one error shape (KrabError: kind, message, retryable, setting), and
// the mapping from ssh2's and the socket's errors to it, so every message names the hop and what to do.
// Plain Node; never imports `vscode`.
import { KrabError } from "../../shared/base/errors";
import type { SshHop } from "./config-resolve";
import type { HostKeyChangedInfo } from "./types";

export type SshErrorKind =
  | "config" // the target or ~/.ssh/config cannot be used
  | "identity-missing"
  | "identity-unreadable"
  | "passphrase-wrong"
  | "auth-failed"
  | "dns"
  | "refused"
  | "unreachable"
  | "timeout"
  | "host-key-changed"
  | "host-key-rejected"
  | "host-key-revoked"
  | "handshake" // no common algorithm, protocol error
  | "disconnected" // the server or the network closed the connection
  | "forward-failed" // a jump host could not reach the next hop
  | "local-port" // the local port is taken
  | "worker-crashed" // the worker thread that runs the tunnel (worker-proxy.ts) stopped on its own
  | "closed"; // close() was called

const SSH_SETTING: Partial<Record<SshErrorKind, string>> = { config: "krabkrab.profiles", "identity-missing": "krabkrab.profiles" };

export class SshTunnelError extends KrabError {
  declare readonly kind: SshErrorKind;
  /** `retryable`: whether trying again later could help (network trouble), as opposed to something the user must fix. */
  constructor(message: string, kind: SshErrorKind, retryable = false, cause?: unknown) {
    super({ kind, message, nextStep: "", retryable, setting: SSH_SETTING[kind], cause });
    this.name = "SshTunnelError";
  }
}

/** The host offered a key of a type known for it, but not the known key. Never connect. */
export class HostKeyChangedError extends SshTunnelError {
  constructor(readonly info: HostKeyChangedInfo) {
    super(
      `WARNING: THE HOST KEY OF ${info.knownHostsName} HAS CHANGED. Someone may be intercepting this connection (man-in-the-middle), or the host key was just replaced. ` +
        `Expected ${info.keyType} ${info.expectedFingerprint} (${info.knownHostsPath}, line ${info.line}); the server offered ${info.offeredFingerprint}. Not connecting. ` +
        `If you know the change is legitimate, remove line ${info.line} from ${info.knownHostsPath} (ssh-keygen -R "${info.knownHostsName}") and connect again.`,
      "host-key-changed",
      false,
    );
    this.name = "HostKeyChangedError";
  }
}

/** The error a `kind: "identity-*"` check raises for a key file the user named (profile identityFile). */
export function identityFileError(file: string, err: unknown): SshTunnelError {
  if (errCode(err) === "ENOENT") return new SshTunnelError(`The identity file ${file} does not exist. Fix identityFile in the profile, or remove it to use the agent and ~/.ssh keys.`, "identity-missing");
  return new SshTunnelError(`The identity file ${file} cannot be read: ${(err as Error).message}.`, "identity-unreadable");
}

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const UNREACHABLE_CODES = new Set(["ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL"]);


/**
 * Maps an ssh2 client error (its `level`, or the socket's `code`) to an SshTunnelError naming the hop (`index` > 0: reached through a jump host).
 * `authFailure` builds the authentication summary (what was tried, what the server accepts) when needed.
 */
export function classifySshError(err: Error & { level?: string; code?: string }, at: SshHop, index: number, authFailure: () => SshTunnelError): SshTunnelError {
  if (err instanceof SshTunnelError) return err;
  const where = index > 0 ? `${at.label} (through the jump host)` : at.label;
  const code = err.code;
  if (code === "ECONNREFUSED") return new SshTunnelError(`${where} refused the connection: nothing listens on port ${at.port} (is sshd running?).`, "refused", true);
  if (code && DNS_CODES.has(code)) return new SshTunnelError(`Cannot resolve the host name ${at.host}${at.alias !== at.host ? ` (for ${at.alias})` : ""} (${code}). Check the name and your network/DNS.`, "dns", true);
  if (code && UNREACHABLE_CODES.has(code)) return new SshTunnelError(`${where} is unreachable (${code}).`, "unreachable", true);
  if (code === "ECONNRESET" || code === "EPIPE") return new SshTunnelError(`${where} reset the connection (${code}).`, "disconnected", true);
  if (err.level === "client-authentication") return authFailure();
  if (err.level === "client-timeout") return new SshTunnelError(`Timed out connecting to ${where}.`, "timeout", true);
  if (/Host denied/i.test(err.message)) return new SshTunnelError(`The host key of ${where} was not accepted. Not connecting.`, "host-key-rejected");
  if (err.level === "handshake" || err.level === "protocol") return new SshTunnelError(`The SSH handshake with ${where} failed: ${err.message}.`, "handshake");
  if (err.level === "client-ssh") {
    if (/authentication/i.test(err.message)) return new SshTunnelError(`${where} ended the connection: ${err.message}. ${authFailure().message}`, "auth-failed");
    return new SshTunnelError(`${where} closed the connection: ${err.message}.`, "disconnected", true);
  }
  if (err.level === "client-socket") return new SshTunnelError(`Connection to ${where} failed: ${err.message}.`, "unreachable", true);
  return new SshTunnelError(`SSH to ${where} failed: ${err.message}.`, "disconnected", true);
}
