// `npm run package`: the .vsix, built by the ecosystem's own packager, @vscode/vsce (pinned in devDependencies).
// vsce 4 needs Node ≥ 22; this machine's Node may be 20, so vsce runs under the pinned Node 24 peer then (the
// newest vsce that runs on Node 20 is 3.2.2, a year older; one pinned Node for the tools we already need is
// simpler than an old packager). vsce runs `vscode:prepublish` (the production build of dist/ only) and
// packs what .vscodeignore keeps; the bundles carry their dependencies, so `--no-dependencies`.
//
//   node scripts/package.mjs [--out <file.vsix>]      → prints the path of the .vsix
//   node scripts/package.mjs --ls                     → `vsce ls`: the files a .vsix would hold, one a line
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { node24Bin, node24Dir, repoRoot } from "./peers.mjs";
import { peerInstallEnv } from "./setup.mjs";

const require = createRequire(import.meta.url);

/** The Node that runs vsce: this one when new enough, else the pinned Node 24 (installed by `npm run setup`). */
function vsceNode() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return { bin: process.execPath, dir: path.dirname(path.dirname(process.execPath)) };
  const bin = process.env.KRABKRAB_NODE24 || node24Bin();
  if (!existsSync(bin)) throw new Error(`vsce needs Node ≥ 22 and the pinned Node 24 is not installed at ${bin}: run \`npm run setup\` first`);
  return { bin, dir: process.env.KRABKRAB_NODE24 ? path.dirname(path.dirname(bin)) : node24Dir() };
}

function vsce(args, { capture = false, cwd = repoRoot } = {}) {
  const node = vsceNode();
  const main = require.resolve("@vscode/vsce/vsce");
  // No inherited npm_* script variables (vsce runs `npm run vscode:prepublish`), and the same Node first on PATH.
  const env = peerInstallEnv(process.env, { node24: node.dir });
  delete env.npm_config_build_from_source; // an install setting; `npm run` would warn about it
  const r = spawnSync(node.bin, [main, ...args], { cwd, env, stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8" });
  if (r.error) throw new Error(`vsce could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`vsce ${args[0]} exited with ${r.status ?? r.signal} (its own message is above)`);
  return r.stdout ?? "";
}


/** Builds the .vsix of the extension in `dir` (default: this repo); returns its path. */
export function packageVsix(out, dir = repoRoot) {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = path.resolve(out ?? path.join(dir, `${pkg.name}-${pkg.version}.vsix`));
  mkdirSync(path.dirname(file), { recursive: true });
  // No repository URL to rewrite relative README links against (and a README that quotes link syntax).
  vsce(["package", "--no-dependencies", "--allow-missing-repository", "--no-rewrite-relative-links", "--out", file], { cwd: dir });
  return file;
}

/** `vsce ls`: the files the .vsix holds (relative, `/`-separated). Does not build. */
export function listPackagedFiles() {
  return vsce(["ls", "--no-dependencies"], { capture: true }).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    if (process.argv.includes("--ls")) console.log(listPackagedFiles().join("\n"));
    else {
      const i = process.argv.indexOf("--out");
      console.log(packageVsix(i > 0 ? process.argv[i + 1] : undefined));
    }
  } catch (err) {
    console.error(`[package] failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
