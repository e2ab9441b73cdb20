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

class SetupError extends Error {
  constructor(message, nextStep) {
    super(message);
    this.nextStep = nextStep;
  }
}

function run(cmd, args, opts = {}) {
  const { step, nextStep, ...spawnOpts } = opts;
  const r = spawnSync(cmd, args, { stdio: "inherit", ...spawnOpts });
  const what = `${step ?? cmd}: \`${cmd} ${args.join(" ")}\`${spawnOpts.cwd ? ` in ${spawnOpts.cwd}` : ""}`;
  if (r.error) throw new SetupError(`${what} could not start (${r.error.message})`, nextStep);
  if (r.status !== 0) throw new SetupError(`${what} exited with ${r.status ?? r.signal} (its own output is above)`, nextStep);
}

/**
 * The environment for a nested `npm ci`. When setup runs as an npm script (`npm test`, `npm start`), the outer
 * npm hands its children ~25 `npm_*` / `npm_config_*` variables. A nested npm reads those as its own config,
 * and install scripts read them as facts about the running npm: code-server's postinstall takes the Node
 * version from `npm_config_user_agent` and refuses "node v20" although Node 24 runs it. So none of them pass
 * through. The user's own settings that matter (registry, proxy, cache, CA) live in their npm config files,
 * which the nested npm reads itself; only *which* files the outer npm used is kept, so `--userconfig` still
 * holds. Node 24 goes first on PATH, so `npm` itself and every install script run under it.
 */
export function peerInstallEnv(base, { node24 } = {}) {
  const env = {};
  for (const [k, v] of Object.entries(base)) if (!/^npm_/i.test(k) && v !== undefined) env[k] = v;
  for (const name of ["userconfig", "globalconfig"]) {
    const v = base[`npm_config_${name}`] ?? base[`NPM_CONFIG_${name.toUpperCase()}`];
    if (v) env[`NPM_CONFIG_${name.toUpperCase()}`] = v;
  }
  if (node24) {
    env.PATH = `${path.join(node24, "bin")}${path.delimiter}${base.PATH ?? ""}`;
    env.npm_config_nodedir = node24; // native addons build against Node 24's headers, not the system's
    env.npm_config_build_from_source = "kerberos"; // else the kerberos addon tries a download first
  }
  return env;
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
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: repoRoot,
    env: peerInstallEnv(process.env),
    step: "installing the extension's dependencies",
    nextStep: "fix the cause npm names above (network, registry, disk), then run `npm run setup` again",
  });
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
  // openclaw and code-server install and run under Node 24; node24 itself is only a package with a binary.
  const env = peerInstallEnv(process.env, { node24: name === "node24" ? undefined : node24Dir() });
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: tmp,
    env,
    step: `installing peer '${name}'`,
    nextStep: `fix the cause the installer names above, then run \`npm run setup\` again (finished peers are kept; this one starts over). To reproduce by hand: cd ${tmp} && npm ci`,
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(stamp, new Date().toISOString());
}

export function setup({ peers = PEERS } = {}) {
  const unknown = peers.filter((p) => !PEERS.includes(p));
  if (unknown.length > 0) throw new SetupError(`unknown peer(s): ${unknown.join(", ")}`, `choose from ${PEERS.join(", ")}`);
  const t0 = Date.now();
  ensureDebianPackages();
  ensureOwnDependencies();
  mkdirSync(cacheRoot, { recursive: true });
  for (const p of peers) ensurePeer(p);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (peers cached in ${cacheRoot})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `--peers a,b` installs only those peers (the cold-install test uses it); default: all of them.
  const i = process.argv.indexOf("--peers");
  const peers = i > 0 ? process.argv[i + 1].split(",").filter(Boolean) : PEERS;
  try {
    setup({ peers });
  } catch (err) {
    console.error(`[setup] failed: ${err instanceof Error ? err.message : err}`);
    if (err?.nextStep) console.error(`[setup] next: ${err.nextStep}`);
    process.exit(1);
  }
}
