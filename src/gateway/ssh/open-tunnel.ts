// Which tunnel the extension gets: ssh2 in a worker thread (worker-proxy.ts) when it is given the worker's
// script, else in this thread (tunnel.ts). An injected Platform (tests of Windows/macOS rules) is an object
// with functions that cannot cross threads, so it always keeps the in-thread tunnel. Plain Node.
import { SshTunnel } from "./tunnel";
import type { SshTunnelHandle, SshTunnelOptions } from "./types";
import { WorkerSshTunnel } from "./worker-proxy";

export interface OpenTunnelWhere {
  /** The built SSH bundle (dist/ssh-tunnel.js) to run in a worker thread; undefined = in this thread. */
  workerScript?: string;
}

export function openSshTunnel(opts: SshTunnelOptions, where: OpenTunnelWhere = {}): Promise<SshTunnelHandle> {
  if (where.workerScript && !opts.platform) return WorkerSshTunnel.open(opts, { script: where.workerScript });
  return SshTunnel.open(opts);
}
