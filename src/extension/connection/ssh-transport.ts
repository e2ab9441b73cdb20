// The SSH transport comes in two bundles, neither on the activation path: dist/ssh-main.js (built from
// src/gateway/ssh/main-thread.ts: target resolution, errors, the worker proxy) is what this thread loads when an
// SSH profile connects; dist/ssh-tunnel.js (src/gateway/ssh/index.ts: ssh2 and its crypto) runs in the tunnel's
// worker thread, and in this thread only with `KRABKRAB_SSH_WORKER=0` in the extension host's environment.
import path from "node:path";
import type * as SshTransport from "../../gateway/ssh/main-thread";
import type { SshTunnelHandle, SshTunnelOptions } from "../../gateway/ssh";

let loaded: typeof SshTransport | null = null;

export function loadSshTransport(): typeof SshTransport {
  // A computed path: esbuild leaves this require alone instead of inlining the module (a lazy load, on purpose).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(path.join(__dirname, "ssh-main.js")) as typeof SshTransport;
  return loaded;
}

/** Where ssh2 runs: the full bundle in a worker thread, or (KRABKRAB_SSH_WORKER=0) loaded into this thread. */
export function sshTunnelWhere(): { bundle: string; inThread: boolean } {
  return { bundle: path.join(__dirname, "ssh-tunnel.js"), inThread: process.env.KRABKRAB_SSH_WORKER === "0" };
}

/** Opens a tunnel the way the extension runs it. */
export function openSshTransport(opts: SshTunnelOptions): Promise<SshTunnelHandle> {
  return loadSshTransport().openSshTunnel(opts, sshTunnelWhere());
}
