// The messages between WorkerSshTunnel (worker-proxy.ts, the caller's thread) and the worker thread that runs
// SshTunnel (worker-host.ts). Everything here crosses a structured clone: no functions, no class identity —
// so errors travel as their fields and are rebuilt on the other side (errorToWire / errorFromWire), and
// the prompts and the logger, which are functions, become request/answer and line messages.
// Plain Node; never imports `vscode`.
import { getErrorMessage, isErrorInfo, describeCauses } from "../../shared/base/errors";
import type { SshHop } from "./config-resolve";
import { HostKeyChangedError, SshTunnelError, type SshErrorKind } from "./errors";
import type { HostKeyChangedInfo, HostKeyPromptInfo, RemoteTestResult, SshTunnelOptions, TunnelState } from "./types";

/** The workerData key that tells the bundle (index.ts) it was started as the tunnel's worker. */
export const WORKER_MARK = "krabkrabSshWorker";

/** The options that can be cloned; the rest is replaced by messages (prompts, logger) or handled by the proxy (signal, platform). */
export type WireOptions = Omit<SshTunnelOptions, "prompts" | "logger" | "signal" | "platform">;

export interface WorkerData {
  [WORKER_MARK]: true;
  options: WireOptions;
  /** Whether the caller's prompts have keyboardInteractive (without it, ssh2 answers one hidden question through `password`). */
  keyboardInteractive: boolean;
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

export type PromptRequest =
  | { kind: "confirmHostKey"; info: HostKeyPromptInfo }
  | { kind: "passphrase"; keyFile: string }
  | { kind: "password"; userAtHost: string }
  | { kind: "keyboardInteractive"; name: string; instructions: string; prompts: { prompt: string; echo: boolean }[] };

export interface WireError {
  name: string;
  message: string;
  /** Set for SshTunnelError (and any ErrorInfo-shaped error). */
  kind?: string;
  retryable?: boolean;
  /** HostKeyChangedError's details. */
  hostKeyChanged?: HostKeyChangedInfo;
  /** The causes, as one line (describeCauses). */
  causes?: string;
}

export type ToWorker =
  | { t: "answer"; id: number; ok: true; value: unknown }
  | { t: "answer"; id: number; ok: false; error: string }
  | { t: "test-remote"; id: number }
  | { t: "stats"; id: number }
  | { t: "close" };

export type FromWorker =
  | { t: "log"; level: LogLevel; line: string }
  | { t: "prompt"; id: number; prompt: PromptRequest }
  | { t: "open"; localPort: number; hops: SshHop[]; state: TunnelState }
  | { t: "open-failed"; error: WireError }
  | { t: "state"; state: TunnelState }
  | { t: "test-remote-result"; id: number; ok: true; result: RemoteTestResult }
  | { t: "test-remote-result"; id: number; ok: false; error: WireError }
  | { t: "stats-result"; id: number; cpuMs: number }
  /** The tunnel is closed (or never opened) and has nothing left: the proxy may terminate the worker. */
  | { t: "closed" };

export function errorToWire(err: unknown): WireError {
  const base: WireError = { name: err instanceof Error ? err.name : "Error", message: getErrorMessage(err) };
  if (err instanceof Error && err.cause !== undefined) base.causes = describeCauses(err.cause);
  if (!isErrorInfo(err)) return base;
  base.kind = err.kind;
  base.retryable = err.retryable;
  if (err instanceof HostKeyChangedError) base.hostKeyChanged = err.info;
  return base;
}

/** The error as the caller would have got it from an in-thread SshTunnel (same classes, kinds, messages). */
export function errorFromWire(w: WireError, redact: (s: string) => string): Error {
  if (w.hostKeyChanged) return new HostKeyChangedError(w.hostKeyChanged);
  const message = redact(w.message);
  const cause = w.causes ? new Error(redact(w.causes)) : undefined;
  if (w.kind !== undefined) return new SshTunnelError(message, w.kind as SshErrorKind, w.retryable ?? false, cause);
  const e = new Error(message, cause ? { cause } : undefined);
  e.name = w.name;
  return e;
}
