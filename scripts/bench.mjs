// `npm run bench`: the benchmarks of issue 6, side by side in one run.
//   1. Set-up as for the tests (scripts/setup.mjs: Debian packages, npm ci, pinned Node 24 + gateway).
//   2. As root, re-executes itself inside a loopback-only network namespace (like scripts/test.mjs).
//   3. Builds (scripts/build.mjs: the bench is bundled like the extension, without ssh2's native addon),
//      measures the production bundles, then runs out/bench/run.bench.js, which starts the real peers
//      and prints a Markdown table; JSON and the table go to bench-results/ (git-ignored).
// Flags: --only rpc,facade,bulk,concurrency,connect,reconnect,bundle,activation,firstconnect,twogateways,webview,memory (comma list or
// repeated), --quick (fewer samples), --no-netns, --no-setup.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { peerEnv, repoRoot } from "./peers.mjs";

const argv = process.argv.slice(2);
const only = argv.flatMap((a, i) => (a === "--only" ? (argv[i + 1] ?? "").split(",") : []));
const want = (x) => only.length === 0 || only.includes(x);
const inNetns = process.env.KRABKRAB_IN_NETNS === "1";

async function bundleFacts() {
  const esbuild = await import("esbuild");
  const { configs } = await import("./build.mjs");
  const item = "6. Bundles (production: minified, as packaged)";
  const facts = [];
  const sizes = {};
  const packaged = new Map(); // relative path → contents of the production bundles (the activation proxy loads one)
  for (const c of configs.slice(0, 2)) {
    const r = await esbuild.build({ ...c, minify: true, sourcemap: false, metafile: true, write: false, outdir: path.join(repoRoot, c.outdir) });
    for (const f of r.outputFiles) packaged.set(path.relative(repoRoot, f.path), f.contents);
    for (const [file, out] of Object.entries(r.metafile.outputs)) {
      const rel = path.relative(repoRoot, file);
      sizes[rel] = out.bytes;
      const byPkg = {};
      for (const [f, v] of Object.entries(out.inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
        const k = m ? m[1] : f.split("/").slice(0, 2).join("/");
        byPkg[k] = (byPkg[k] ?? 0) + v.bytesInOutput;
      }
      const top = Object.entries(byPkg).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`).join(", ");
      const isExt = rel === path.join("dist", "extension.js");
      const isWebJs = rel.startsWith(path.join("dist", "webview")) && rel.endsWith(".js");
      facts.push({
        item,
        key: `${rel}${top ? ` (KB by package: ${top})` : ""}`,
        value: `${(out.bytes / 1024).toFixed(1)} KB`,
        ...(isExt ? { goal: "≤ 400 KB", met: out.bytes <= 400 * 1024 } : isWebJs ? { goal: "≤ 250 KB", met: out.bytes <= 250 * 1024 } : {}),
      });
    }
  }
  // The real .vsix, built by @vscode/vsce as `npm run package` builds it (scripts/package.mjs): its size here,
  // and the activation item installs it into the real VS Code server.
  const { packageVsix, listPackagedFiles } = await import("./package.mjs");
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  const vsix = packageVsix(path.join(repoRoot, "bench-results", `${pkg.name}-${pkg.version}.vsix`));
  const vsixBytes = statSync(vsix).size;
  // A control for the activation item: an extension that does nothing, activated on the same event in the same
  // starts, so its "code loading" time is what the extension host's start-up costs any extension.
  const controlDir = path.join(repoRoot, "bench-results", ".control");
  mkdirSync(controlDir, { recursive: true });
  const controlPkg = { name: "bench-empty", publisher: "krabkrab", version: "0.0.0", license: "MIT", engines: { vscode: "^1.100.0" }, main: "./extension.js", activationEvents: ["onStartupFinished"], extensionKind: ["workspace"] };
  writeFileSync(path.join(controlDir, "package.json"), JSON.stringify(controlPkg));
  writeFileSync(path.join(controlDir, "extension.js"), "exports.activate = function () {};\n");
  writeFileSync(path.join(controlDir, "README.md"), "# Bench control\n\nAn extension that does nothing, for the activation bench.\n");
  writeFileSync(path.join(controlDir, "LICENSE"), readFileSync(path.join(repoRoot, "LICENSE")));
  const control = packageVsix(path.join(repoRoot, "bench-results", ".control.vsix"), controlDir);
  facts.push({ item, key: `.vsix (${listPackagedFiles().length} files as .vscodeignore keeps them, packed by @vscode/vsce; bench-results/${path.basename(vsix)})`, value: `${(vsixBytes / 1024).toFixed(0)} KB` });
  // Activation proxy: the production extension.js in 10 cold Node processes with a stub vscode API
  // (bench/activation.bench.ts): a floor for code loading, kept next to the real VS Code figure (item "activation").
  // Every production Node bundle, side by side as in dist/: extension.js requires core.js (and it ssh-tunnel.js).
  const prod = path.join(repoRoot, "bench-results", ".prod", "extension.js");
  mkdirSync(path.dirname(prod), { recursive: true });
  for (const [rel, contents] of packaged) if (path.dirname(rel) === "dist" && rel.endsWith(".js")) writeFileSync(path.join(path.dirname(prod), path.basename(rel)), contents);
  const runs = [];
  for (let i = 0; i < 10; i++) {
    const r = spawnSync(process.execPath, [path.join(repoRoot, "out", "bench", "activation.bench.js"), prod], { encoding: "utf8" });
    const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (line) runs.push(JSON.parse(line.slice(7)));
    else facts.push({ item, key: "activation (stub vscode)", value: `failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ")}` });
  }
  if (runs.length) {
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];
    const total = runs.map((r) => r.loadMs + r.activateMs);
    facts.push({
      item,
      key: `activation PROXY (not VS Code): cold Node, production bundle, stub vscode API — load (parse + evaluate) + activate(), median of ${runs.length} (min–max)`,
      value: `${med(runs.map((r) => r.loadMs)).toFixed(0)} + ${med(runs.map((r) => r.activateMs)).toFixed(1)} ms (${Math.min(...total).toFixed(0)}–${Math.max(...total).toFixed(0)})`,
      goal: "≤ 30 ms (in VS Code)",
      met: med(total) <= 30,
    });
  }
  return { rows: [], ratios: [], facts, skipped: [], sizes, vsix, control, prod };
}

async function main() {
  const { build } = await import("./build.mjs");
  await build();
  const env = { ...process.env, ...peerEnv(), FORCE_COLOR: "0" };
  if (want("bundle") || want("activation") || want("firstconnect") || want("twogateways")) {
    const dir = path.join(repoRoot, "bench-results");
    mkdirSync(dir, { recursive: true });
    const facts = await bundleFacts();
    // The activation item installs the production .vsix into the real VS Code server.
    env.KRABKRAB_BENCH_VSIX = facts.vsix;
    env.KRABKRAB_BENCH_CONTROL_VSIX = facts.control;
    // The first-connect and two-gateways items load these production bundles in cold Node processes.
    env.KRABKRAB_BENCH_PROD_EXTENSION = facts.prod;
    if (want("bundle")) {
      const file = path.join(dir, ".bundle.json");
      writeFileSync(file, JSON.stringify(facts));
      env.KRABKRAB_BENCH_BUNDLE_JSON = file;
    }
  }
  const child = spawn(process.execPath, [path.join(repoRoot, "out", "bench", "run.bench.js"), ...argv], { cwd: repoRoot, env, stdio: "inherit" });
  for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => child.kill(s));
  child.on("exit", (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
}

if (!inNetns && !argv.includes("--no-setup")) {
  const { setup } = await import("./setup.mjs");
  setup({ peers: ["node24", "gateway"] });
}
if (!inNetns && !argv.includes("--no-netns") && process.getuid?.() === 0 && existsSync("/usr/bin/unshare") && existsSync("/usr/sbin/ip") && spawnSync("unshare", ["-n", "true"]).status === 0) {
  console.log("[bench] running inside a loopback-only network namespace");
  const child = spawn("unshare", ["-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, KRABKRAB_IN_NETNS: "1" },
  });
  for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => child.kill(s));
  child.on("exit", (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
} else {
  await main();
}
