// The whole suite, as `npm test` runs it (after setup and build):
//   0. Runs the set-up tests (test/setup: the cold install of the peers, which needs the registry) outside any
//      network namespace.
//   1. As root, re-executes itself inside a loopback-only network namespace (nothing but 127.0.0.1).
//   2. Starts each heavy real peer once: the deterministic model server and the real gateway.
//   3. Runs the Node test files (unit, webview-in-Chromium, real-peer) with node's test runner, one file at a time
//      (the ones that restart the shared gateway last, see RUN_LAST).
//   4. Runs the extension's integration suite in a real VS Code (code-server's) via @vscode/test-electron.
//   5. Stops every peer (whole process groups) and prints one closing line: "tests: N passed, N failed".
//   Before 3, the static tier: the type check of every room's tsconfig (what the wall test checks for imports,
//   the compiler checks for globals: no DOM in src/gateway, no Node in src/webview) and ESLint.
// Flags: --only setup|static|unit|webview|gateway|vscode|ui (repeatable), --no-netns, --grep <text> (file name filter),
//        --vscode-grep <text> (runs only the VS Code tests whose title matches; mocha's grep).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { peerEnv, repoRoot } from "./peers.mjs";

const argv = process.argv.slice(2);
const only = argv.flatMap((a, i) => (a === "--only" ? [argv[i + 1]] : []));
const grep = argv.flatMap((a, i) => (a === "--grep" ? [argv[i + 1]] : []))[0];
const vscodeGrep = argv.flatMap((a, i) => (a === "--vscode-grep" ? [argv[i + 1]] : []))[0];
const want = (part) => only.length === 0 || only.includes(part);

function inNetns() {
  return process.env.KRABKRAB_IN_NETNS === "1";
}

function walk(dir, acc = []) {
  if (!existsSync(dir)) return acc;
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (name.endsWith(".test.js")) acc.push(p);
  }
  return acc;
}

// Real-peer test files that kill and restart the run's shared gateway: they run after every other file, so
// no other test meets a gateway that is down or just restarted. `node --test` sorts the files it is given by
// path, so these get a run of their own (in this order) instead of depending on their names.
const RUN_LAST = ["gateway/client/operator-client.restart.test.js"];

/** The RUN_LAST index of a built test file, or -1. */
function runLastRank(file) {
  return RUN_LAST.findIndex((s) => file.split(path.sep).join("/").endsWith(`/out/test/${s}`));
}

// Counts of the set-up tier, run by the outer process before it entered the namespace.
const totals = { passed: Number(process.env.KRABKRAB_OUTER_PASSED ?? 0), failed: Number(process.env.KRABKRAB_OUTER_FAILED ?? 0) };

/** Runs a child, tees its output, and adds the pass/fail counts it reports to the totals. */
function runCounted(cmd, args, env, label) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let counted = false;
    const scan = (buf) => {
      const text = buf.toString();
      for (const line of text.split("\n")) {
        // node --test (spec: "ℹ pass 12", tap: "# pass 12"); mocha ("12 passing", "3 failing").
        let m;
        if ((m = /^(?:ℹ|#) pass (\d+)/.exec(line))) (totals.passed += Number(m[1])), (counted = true);
        else if ((m = /^(?:ℹ|#) fail (\d+)/.exec(line))) totals.failed += Number(m[1]);
        // A cancelled test did not pass (node --test cancels what was pending when a file ended early).
        else if ((m = /^(?:ℹ|#) cancelled (\d+)/.exec(line))) totals.failed += Number(m[1]);
        else if ((m = /^\s*(\d+) passing\b/.exec(line))) (totals.passed += Number(m[1])), (counted = true);
        else if ((m = /^\s*(\d+) failing\b/.exec(line))) totals.failed += Number(m[1]);
      }
    };
    child.stdout.on("data", (b) => (process.stdout.write(b), scan(b)));
    child.stderr.on("data", (b) => (process.stderr.write(b), scan(b)));
    child.on("exit", (code, sig) => {
      if (code !== 0 && !counted) {
        console.error(`[test] ${label} exited with ${code ?? sig} before reporting any result`);
        totals.failed += 1;
      }
      resolve(code ?? 1);
    });
  });
}

/** Tier 0: the set-up tests, with the network (they install peers from the registry into empty folders). */
async function runSetupTier() {
  if (!want("setup")) return;
  const files = walk(path.join(repoRoot, "out/test/setup")).filter((f) => !grep || f.includes(grep));
  if (files.length === 0) return;
  const env = { ...process.env, ...peerEnv(), FORCE_COLOR: "0" };
  await runCounted(process.execPath, ["--test", "--test-force-exit", "--test-concurrency=1", "--test-reporter=spec", ...files], env, "set-up tests");
}

/** The static tier: each check is one test (passed or failed), its own output shown on failure. */
const STATIC_CHECKS = [
  { name: "typecheck: tests, bench, scripts", args: ["typescript/bin/tsc", "-p", ".", "--noEmit"] },
  { name: "typecheck: src/gateway (Node, no DOM)", args: ["typescript/bin/tsc", "-p", "src/gateway", "--noEmit"] },
  { name: "typecheck: src/webview (DOM, no Node)", args: ["typescript/bin/tsc", "-p", "src/webview", "--noEmit"] },
  { name: "typecheck: src/extension (Node + vscode, no DOM)", args: ["typescript/bin/tsc", "-p", "src/extension", "--noEmit"] },
  { name: "typecheck: src/shared (neither)", args: ["typescript/bin/tsc", "-p", "src/shared", "--noEmit"] },
  { name: "lint: ESLint with typescript-eslint's type-aware rules (eslint.config.mjs)", args: ["eslint/bin/eslint.js", "--max-warnings", "0", "src"] },
];

function runStaticTier() {
  if (!want("static") || grep) return 0;
  let failed = 0;
  for (const c of STATIC_CHECKS) {
    const t = Date.now();
    // The tool's own JS entry under this Node: no shell, no .cmd shim, the same on every OS.
    const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules", c.args[0]), ...c.args.slice(1)], { cwd: repoRoot, encoding: "utf8" });
    const ok = r.status === 0;
    console.log(`${ok ? "✔" : "✖"} ${c.name} (${Date.now() - t} ms)`);
    if (!ok) {
      failed++;
      process.stdout.write(`${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `${r.error.message}\n` : ""}`);
    }
    if (ok) totals.passed++;
    else totals.failed++;
  }
  return failed;
}

async function main() {
  const t0 = Number(process.env.KRABKRAB_TEST_T0 ?? Date.now());
  const work = mkdtempSync(path.join(tmpdir(), "krabkrab-test-"));
  Object.assign(process.env, peerEnv()); // the fixtures, imported below, read them too
  const env = { ...process.env, KRABKRAB_TEST_WORKDIR: work, FORCE_COLOR: "0" };
  const cleanups = [];
  let exitCode = 0;
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        console.error(`[test] cleanup failed: ${err?.message ?? err}`);
      }
    }
  };
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stopAll().then(() => process.exit(143)));

  const needPeers = want("gateway") || want("vscode") || want("ui");
  try {
    if (needPeers) {
      const { startModelServer } = await import(path.join(repoRoot, "out/test/fixtures/model-server.js"));
      const { startGateway, stopGatewayFromHandleFile } = await import(path.join(repoRoot, "out/test/fixtures/gateway.js"));
      const model = await startModelServer({});
      cleanups.push(() => model.close());
      console.log(`[test] model server on ${model.url}`);
      const t1 = Date.now();
      const token = `test-token-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      const gw = await startGateway({ token, modelBaseUrl: model.url, rootDir: path.join(work, "gateway") });
      // The handle file may be updated by tests that restart the gateway; stop whatever it names.
      cleanups.push(() => stopGatewayFromHandleFile(gw.handleFile));
      console.log(`[test] real gateway ready on ${gw.url} in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      Object.assign(env, { KRABKRAB_TEST_GATEWAY_HANDLE: gw.handleFile, KRABKRAB_TEST_MODEL_URL: model.url });
    }

    if (runStaticTier() > 0) exitCode = 1;
    const files = [
      ...(want("unit") ? walk(path.join(repoRoot, "out/test/unit")) : []),
      // The webview bundles in real Chromium with a stand-in host (no gateway needed).
      ...(want("webview") ? walk(path.join(repoRoot, "out/test/webview")) : []),
      ...(want("gateway") ? walk(path.join(repoRoot, "out/test/gateway")) : []),
    ].filter((f) => !grep || f.includes(grep));
    const runs = [files.filter((f) => runLastRank(f) < 0), ...RUN_LAST.map((_, i) => files.filter((f) => runLastRank(f) === i))];
    for (const run of runs.filter((r) => r.length > 0)) {
      const code = await runCounted(process.execPath, ["--test", "--test-force-exit", "--test-concurrency=1", "--test-reporter=spec", ...run], env, "node --test");
      if (code !== 0) exitCode = 1;
    }

    const vscodeRunner = path.join(repoRoot, "out/test/vscode/run.runner.js");
    if (want("vscode") && !grep) {
      if (!existsSync(vscodeRunner)) {
        console.error("[test] the VS Code integration runner was not built (out/test/vscode/run.runner.js)");
        totals.failed += 1;
        exitCode = 1;
      } else {
        const code = await runCounted(process.execPath, [vscodeRunner, ...(vscodeGrep ? ["--grep", vscodeGrep] : [])], env, "VS Code integration suite");
        if (code !== 0) exitCode = 1;
      }
    }

    // UI smoke last: it drives a second, fresh VS Code through the command palette as a user would.
    const uiFiles = want("ui") ? walk(path.join(repoRoot, "out/test/ui")).filter((f) => !grep || f.includes(grep)) : [];
    if (uiFiles.length > 0) {
      const code = await runCounted(process.execPath, ["--test", "--test-force-exit", "--test-concurrency=1", "--test-reporter=spec", ...uiFiles], env, "UI smoke");
      if (code !== 0) exitCode = 1;
    }
  } catch (err) {
    console.error(`[test] ${err?.stack ?? err}`);
    totals.failed += 1;
    exitCode = 1;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
  if (totals.failed > 0) exitCode = 1;
  console.log(`[test] finished in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
  process.exit(exitCode);
}

// ---- 1. hermetic: re-exec inside a fresh network namespace with only loopback ----
if (!inNetns() && !argv.includes("--no-netns") && process.getuid?.() === 0 && existsSync("/usr/bin/unshare") && existsSync("/usr/sbin/ip")) {
  const probe = spawnSync("unshare", ["-n", "true"]);
  if (probe.status === 0) {
    const t0 = Date.now();
    await runSetupTier();
    console.log("[test] running inside a loopback-only network namespace");
    const child = spawn("unshare", ["-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
      stdio: "inherit",
      env: { ...process.env, KRABKRAB_IN_NETNS: "1", KRABKRAB_OUTER_PASSED: String(totals.passed), KRABKRAB_OUTER_FAILED: String(totals.failed), KRABKRAB_TEST_T0: String(t0) },
    });
    child.on("exit", (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
    // Forward Ctrl-C so the inner run can clean up its peers.
    for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => child.kill(s));
  } else {
    console.warn("[test] unshare -n is not permitted here; running without a network namespace");
    await runSetupTier();
    await main();
  }
} else {
  if (!inNetns()) await runSetupTier();
  await main();
}
