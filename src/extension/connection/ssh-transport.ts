// The SSH transport is its own bundle (dist/ssh-tunnel.js, built from src/gateway/ssh/index.ts): ssh2 and
// its pure-JS crypto are a third of the extension's code, parsed only when an SSH profile connects, so
// activation and local/direct connections never pay for them.
import path from "node:path";
import type * as SshTransport from "../../gateway/ssh";

let loaded: typeof SshTransport | null = null;

export function loadSshTransport(): typeof SshTransport {
  // A computed path: esbuild leaves this require alone instead of inlining the module (a lazy load, on purpose).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(path.join(__dirname, "ssh-tunnel.js")) as typeof SshTransport;
  return loaded;
}
