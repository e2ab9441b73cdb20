// The SSH transport as the extension host's main thread loads it (dist/ssh-main.js): what it needs to resolve
// targets, show errors and run the tunnel in a worker — without ssh2. ssh2 instantiates its crypto's
// WebAssembly when loaded (≈ 16 MB of the host's memory, measured by bench item 8c), and with the tunnel in a
// worker that copy would serve nothing: ssh2 loads only in the worker (dist/ssh-tunnel.js), and in this
// thread only when the tunnel is asked to run here (KRABKRAB_SSH_WORKER=0, or an injected Platform).
import type * as FullBundle from "./index";
import type { SshTunnelHandle, SshTunnelOptions } from "./types";
import { WorkerSshTunnel } from "./worker-proxy";

export { resolveSshEndpoint, resolveSshTarget, SshConfigError, type ResolvedSshTarget, type SshHop } from "./config-resolve";
export { HostKeyChangedError, SshTunnelError, type SshErrorKind } from "./errors";
export { WorkerSshTunnel, type WorkerTunnelOptions } from "./worker-proxy";
export type { HostKeyChangedInfo, HostKeyPromptInfo, RemoteTestResult, SshPrompts, SshTunnelHandle, SshTunnelOptions, TunnelState } from "./types";

export interface MainThreadWhere {
  /** The full SSH bundle (dist/ssh-tunnel.js): the worker's script, and what an in-thread tunnel loads. */
  bundle: string;
  /** Run ssh2 in this thread instead of a worker. */
  inThread?: boolean;
}

/** A tunnel, ssh2 in a worker thread unless asked (or an injected Platform, which cannot cross threads) otherwise. */
export function openSshTunnel(opts: SshTunnelOptions, where: MainThreadWhere): Promise<SshTunnelHandle> {
  if (!where.inThread && !opts.platform) return WorkerSshTunnel.open(opts, { script: where.bundle });
  // A computed path: the bundler leaves this require alone (ssh2 loads here only for an in-thread tunnel).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const full = require(where.bundle) as typeof FullBundle;
  return full.openSshTunnel(opts);
}
