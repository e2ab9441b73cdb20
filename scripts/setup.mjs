// One-shot, idempotent set-up for `npm start`, `npm test` and `npm run bench`:
//  - Debian packages the real peers need (when root): Chromium, OpenSSH server, iproute2, krb5 headers;
//  - the extension's own dependencies (`npm ci` when node_modules is missing or stale);
//  - the pinned peers (Node 24, the openclaw gateway, code-server) in a cache outside the repo.
// Every step is skipped when already done, so a warm run costs well under a second.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PEERS, cacheRoot, node24Dir, peerDir, peerHash, peersSrc, repoRoot } from "./peers.mjs";

const quiet = process.argv.includes("--quiet");
const log = (msg) => {
  if (!quiet) console.log(`[setup] ${msg}`);
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}`);
}

const APT_PACKAGES = { chromium: "/usr/bin/chromium", "openssh-server": "/usr/sbin/sshd", iproute2: "/usr/sbin/ip", "libkrb5-dev": "/usr/include/krb5.h", "openssh-client": "/usr/bin/ssh-agent" };

function ensureDebianPackages() {
  const missing = Object.entries(APT_PACKAGES).filter(([, probe]) => !existsSync(probe)).map(([p]) => p);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    console.warn(`[setup] missing system packages (${missing.join(", ")}); install them with apt-get as root. Tests that need them will fail and say so.`);
    return;
  }
  log(`apt-get install ${missing.join(" ")}`);
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

function ensureOwnDependencies() {
  const lock = path.join(repoRoot, "package-lock.json");
  const stamp = path.join(repoRoot, "node_modules", ".krabkrab-lock-stamp");
  const want = readFileSync(lock, "utf8");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  log("npm ci (extension dependencies)");
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: repoRoot });
  writeFileSync(stamp, want);
}

function ensurePeer(name) {
  const dir = peerDir(name);
  const stamp = path.join(dir, ".installed");
  if (existsSync(stamp)) return;
  log(`installing peer '${name}' (${peerHash(name)}) into ${dir}`);
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) cpSync(path.join(peersSrc, name, f), path.join(tmp, f));
  const env = { ...process.env };
  if (name !== "node24") {
    // openclaw and code-server install and run under Node 24; native addons build against its headers.
    env.PATH = `${path.join(node24Dir(), "bin")}${path.delimiter}${env.PATH}`;
    env.npm_config_nodedir = node24Dir();
    env.npm_config_build_from_source = "kerberos"; // else the kerberos addon tries a download first
  }
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tmp, env });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(stamp, new Date().toISOString());
}

export function setup({ peers = PEERS } = {}) {
  const t0 = Date.now();
  ensureDebianPackages();
  ensureOwnDependencies();
  mkdirSync(cacheRoot, { recursive: true });
  for (const p of peers) ensurePeer(p);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (peers cached in ${cacheRoot})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    setup();
  } catch (err) {
    console.error(`[setup] failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
