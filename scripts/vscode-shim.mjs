#!/usr/bin/env node
// An "executable shim" that lets the stock `@vscode/test-electron` runTests() drive the real VS Code server +
// web workbench (see scripts/vscode-server.mjs) as if it were a desktop VS Code:
//
//   runTests({ vscodeExecutablePath: <this file, or a wrapper that execs it>, extensionDevelopmentPath,
//              extensionTestsPath, launchArgs, extensionTestsEnv })
//
// runTests spawns the executable (no shell) with `[launchArgs…] --no-sandbox … --extensionTestsPath=…
// --extensionDevelopmentPath=… --extensions-dir=… --user-data-dir=…` and the env `process.env +
// extensionTestsEnv`, and takes the exit code as the result. This shim starts the server (which passes its env
// on to the extension host) with fresh data dirs, opens the workbench in headless Chromium with the test payload,
// forwards extension-host output to stdout and exits with the code the suite reported.
//
// Honoured: --extensionDevelopmentPath (repeatable), --extensionTestsPath, --disable-extensions, one positional
// folder to open. Ignored: Electron/desktop flags and runTests' --user-data-dir/--extensions-dir (every run gets
// fresh ones). Environment:
//   KRABKRAB_VSCODE_TEST_TIMEOUT_MS  overall timeout, shim start to suite result (default 600000)
//   KRABKRAB_VSCODE_VERBOSE=1        also print server output and browser console
//   KRABKRAB_VSCODE_HEADED=1         show the browser (needs a display)
//   KRABKRAB_VSCODE_KEEP=1           keep the scratch dir (server/browser/ext-host logs)
// On failure a screenshot and the logs go to test-results/vscode-<time>/.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openInChromium, repoRoot, startVsCodeServer } from "./vscode-server.mjs";

const t0 = Date.now();
const verbose = process.env.KRABKRAB_VSCODE_VERBOSE === "1";
const say = (msg) => process.stderr.write(`[vscode-shim] ${msg}\n`);
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

// Workbench chatter that reaches codeAutomationLog alongside the extension host's console output. Hidden unless
// KRABKRAB_VSCODE_VERBOSE=1; everything is kept in automation.log (copied to test-results/ on failure).
const NOISE = [
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket/,
  /^\[reconnection-grace-time\]/,
  /^\[AgentHost/,
  /^\[ChatModelSelection\]/,
  /^\[AccountPolicyGate\]/,
  /^Ignoring fetching additional builtin extensions/,
  /^\[Service Worker\] registration/,
  /^Timed out waiting for authentication provider/,
  /^Canceled: Canceled/,
  /^Error: Unable to read file 'vscode-remote:.*\/\.vscode\//,
];

function parseArgs(argv) {
  const out = { devPaths: [], testsPath: undefined, folder: undefined, disableExtensions: false, ignored: [] };
  const valueFlags = new Set(["extensionDevelopmentPath", "extensionTestsPath", "user-data-dir", "extensions-dir", "locale", "log"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      if (out.folder === undefined) out.folder = path.resolve(a);
      else out.ignored.push(a);
      continue;
    }
    let [name, value] = a.slice(2).split(/=(.*)/s);
    if (value === undefined && valueFlags.has(name) && i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
    if (name === "extensionDevelopmentPath") out.devPaths.push(path.resolve(value));
    else if (name === "extensionTestsPath") out.testsPath = path.resolve(value);
    else if (name === "disable-extensions") out.disableExtensions = true;
    else if (name === "folder-uri" && value?.startsWith("file://")) out.folder = new URL(value).pathname;
    else out.ignored.push(a);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.testsPath && args.devPaths.length === 0) {
    say("usage: vscode-shim --extensionDevelopmentPath=<dir> --extensionTestsPath=<index.js> [folder]");
    return 2;
  }
  if (args.testsPath && !existsSync(args.testsPath)) {
    say(`extensionTestsPath does not exist: ${args.testsPath} (did the build run?)`);
    return 1;
  }
  if (verbose && args.ignored.length) say(`ignoring ${args.ignored.join(" ")}`);
  const timeoutMs = Number(process.env.KRABKRAB_VSCODE_TEST_TIMEOUT_MS || 600_000);
  const rootDir = mkdtempSync(path.join(tmpdir(), "krabkrab-vscode-test-"));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const resultsDir = path.join(repoRoot, "test-results", `vscode-${stamp}`);

  let server;
  let browser;
  let code = 1;
  let extHostLogs = [];
  let cleaning;
  const cleanup = async (failed) => {
    if (cleaning) return cleaning;
    cleaning = (async () => {
      if (failed) {
        mkdirSync(resultsDir, { recursive: true });
        if (browser) {
          const shot = await browser.screenshot("failure");
          if (shot) say(`screenshot: ${path.relative(process.cwd(), shot)}`);
        }
        for (const f of ["server.log", "browser.log", "automation.log"]) {
          if (existsSync(path.join(rootDir, f))) copyFileSync(path.join(rootDir, f), path.join(resultsDir, f));
        }
        // The remote extension host's own logs (remoteexthost.log, per-extension output) live in the server's user-data dir.
        const serverLogs = path.join(rootDir, "user-data", "logs");
        if (existsSync(serverLogs)) cpSync(serverLogs, path.join(resultsDir, "server-logs"), { recursive: true });
        for (const l of extHostLogs) {
          const dest = path.join(resultsDir, "logs", l.relativePath.replace(/\.\.+/g, "_"));
          mkdirSync(path.dirname(dest), { recursive: true });
          writeFileSync(dest, l.contents);
        }
        say(`logs: ${path.relative(process.cwd(), resultsDir)}`);
      }
      await browser?.close().catch(() => {});
      await server?.stop().catch(() => {});
      if (process.env.KRABKRAB_VSCODE_KEEP === "1") say(`scratch dir kept: ${rootDir}`);
      else rmSync(rootDir, { recursive: true, force: true });
    })();
    return cleaning;
  };
  let interrupted = false;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, async () => {
      if (interrupted) return;
      interrupted = true;
      say(`${sig}: stopping`);
      await cleanup(false);
      process.exit(130);
    });
  }

  try {
    server = await startVsCodeServer({
      rootDir,
      extensionDevelopmentPath: args.devPaths,
      extensionTestsPath: args.testsPath,
      folder: args.folder,
      smokeTestDriver: true,
      onLog: (l) => {
        if (verbose) say(`[server] ${l}`);
        // Manifest problems of the extension under development (e.g. an invalid package.json field makes
        // VS Code drop the extension silently) only show up in the server log: always surface them.
        else if (args.devPaths.some((d) => l.includes(`[${d}]`))) say(`[server] ${l}`);
      },
    });
    say(`VS Code server on 127.0.0.1:${server.port} (${elapsed()})`);
    const url = args.disableExtensions ? server.workbenchUrl({ payload: [["disableExtensions", "true"]] }) : server.url;
    if (verbose) say(`workbench: ${url}`);
    browser = await openInChromium(url, {
      rootDir,
      headless: process.env.KRABKRAB_VSCODE_HEADED !== "1",
      screenshotDir: resultsDir,
      onLog: (text) => {
        const body = text.replace(/^\[(error|warn|warning|trace|debug)\] /, "");
        if (!verbose && NOISE.some((re) => re.test(body))) return;
        process.stdout.write(text + "\n");
      },
    });
    if (verbose) browser.page.on("console", (m) => say(`[console.${m.type()}] ${m.text()}`));
    say(`workbench loading in Chromium (${elapsed()})`);

    let timer;
    const outcome = await Promise.race([
      browser.exited.then((r) => ({ kind: "exit", ...r })),
      server.exited.then((c) => ({ kind: "server-died", code: c })),
      new Promise((r) => (timer = setTimeout(() => r({ kind: "timeout" }), Math.max(0, timeoutMs - (Date.now() - t0))))),
    ]);
    clearTimeout(timer);
    if (interrupted) return new Promise(() => {}); // the signal handler cleans up and exits
    if (outcome.kind === "exit") {
      code = outcome.code;
      extHostLogs = outcome.logs;
      say(`extension tests finished with code ${code} (${elapsed()})`);
    } else if (outcome.kind === "timeout") {
      say(`TIMEOUT: the extension test suite did not report an exit code within ${timeoutMs} ms ` +
        "(set KRABKRAB_VSCODE_TEST_TIMEOUT_MS to change)");
      code = 1;
    } else {
      say(`the VS Code server exited unexpectedly (code ${outcome.code})`);
      printTail(path.join(rootDir, "server.log"));
      code = 1;
    }
  } catch (err) {
    if (interrupted) return new Promise(() => {});
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  }
  await cleanup(code !== 0);
  say(`done in ${elapsed()}`);
  return code;
}

function printTail(file, n = 30) {
  try {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    for (const l of lines.slice(-n)) say(`[server] ${l}`);
  } catch {
    /* no log */
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    say(`fatal: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
