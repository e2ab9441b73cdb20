// The SSH transport is its own bundle (dist/ssh-tunnel.js, built from src/gateway/ssh/index.ts): ssh2 and
// its pure-JS crypto are a third of the extension's code, parsed only when an SSH profile connects, so
// activation and local/direct connections never pay for them.
import path from "node:path";
import type * as SshTransport from "../../gateway/ssh";

let loaded: typeof SshTransport | null = null;

function bundlePath(): string {
  return path.join(__dirname, "ssh-tunnel.js");
}

export function loadSshTransport(): typeof SshTransport {
  // A computed path: esbuild leaves this require alone instead of inlining the module (a lazy load, on purpose).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(bundlePath()) as typeof SshTransport;
  return loaded;
}

/**
 * The worker script for the tunnel: the same bundle, which runs the worker side when started as one
 * (src/gateway/ssh/index.ts), so ssh2's per-packet crypto stays off the extension host's thread.
 * `KRABKRAB_SSH_WORKER=0` in the extension host's environment keeps ssh2 in the extension host's thread.
 */
export function sshWorkerScript(): string | undefined {
  return process.env.KRABKRAB_SSH_WORKER === "0" ? undefined : bundlePath();
}
