// `npm start`: opens the extension in a real VS Code connected to a local gateway.
//  - Attaches to a gateway that already answers on the port (the user's own), never starting a second;
//    otherwise starts the pinned real gateway with its state in ~/.cache/krabkrab-vscode/demo.
//  - A model provider from the user's gateway config wins; with none (a fresh machine) the gateway uses
//    the project's demo model server, a clearly labelled stand-in, so chat streams offline.
//  - Desktop `code` when it is on PATH; else the VS Code server inside code-server, at a printed
//    http://127.0.0.1 URL. Stopping it stops everything this script started, however it is stopped: Ctrl-C,
//    SIGTERM to `npm start` or to this script, closing the terminal (SIGHUP), or SIGKILL (start-reaper.mjs).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import path from "node:path";
import JSON5 from "json5";
import { peerEnv, repoRoot } from "./peers.mjs";

Object.assign(process.env, { ...peerEnv(), ...process.env });
const demoRoot = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "krabkrab-vscode", "demo");
const cleanups = [];
const say = (m) => console.log(`[start] ${m}`);
// A closed terminal makes writes fail (EIO/EPIPE); that must not crash the clean-up.
for (const s of [process.stdout, process.stderr]) s.on("error", () => undefined);

let stopping;
function stopAll(code) {
  stopping ??= (async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    reaper.stdin.end(`${JSON.stringify({ done: true })}\n`);
    process.exit(code);
  })();
  return stopping;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => void stopAll(0));

// `npm start` runs this through `sh -c`; npm passes SIGTERM to sh, not to us, and exits, so we are re-parented.
// A changed parent pid means whoever started us is gone: stop too.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void stopAll(0);
}, 500).unref();

// SIGKILL runs no handler: the reaper (its own process group, so a terminal's SIGHUP does not take it first)
// stops what we told it about once our end of its stdin closes.
const reaper = spawn(process.execPath, [path.join(repoRoot, "scripts", "start-reaper.mjs"), repoRoot], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
reaper.stdin.on("error", () => undefined);
reaper.unref();
const tellReaper = (m) => reaper.stdin.write(`${JSON.stringify(m)}\n`);

function userConfig() {
  const candidates = [process.env.KRABKRAB_CONFIG_PATH, process.env.OPENCLAW_CONFIG_PATH, path.join(homedir(), ".krabkrab", "krabkrab.json"), path.join(homedir(), ".openclaw", "openclaw.json")].filter(Boolean);
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      return { file, config: JSON5.parse(readFileSync(file, "utf8")) };
    } catch (err) {
      say(`ignoring ${file}: it is not valid JSON5 (${err.message})`);
    }
  }
  return { file: null, config: {} };
}

async function ready(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1500) });
    return res.ok && (await res.json()).ready === true;
  } catch {
    return false;
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

async function main() {
  const { file, config } = userConfig();
  const envPort = Number(process.env.KRABKRAB_GATEWAY_PORT || process.env.OPENCLAW_GATEWAY_PORT || config?.gateway?.port || 18789);
  const envToken = process.env.KRABKRAB_GATEWAY_TOKEN || process.env.OPENCLAW_GATEWAY_TOKEN || config?.gateway?.auth?.token;
  let port = envPort;
  let token = envToken;

  if ((await ready(port)) && token) {
    say(`a gateway already answers on 127.0.0.1:${port}; attaching to it (not starting another)`);
  } else {
    if (await ready(port)) say(`a gateway answers on ${port} but no token for it is known (set KRABKRAB_GATEWAY_TOKEN); starting a separate demo gateway`);
    const { startGateway } = await import(path.join(repoRoot, "out/test/fixtures/gateway.js"));
    const { startModelServer, DEMO_MODEL_NAME } = await import(path.join(repoRoot, "out/test/fixtures/model-server.js"));
    mkdirSync(demoRoot, { recursive: true });
    const tokenFile = path.join(demoRoot, "token");
    if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(24).toString("base64url"), { mode: 0o600 });
    token = readFileSync(tokenFile, "utf8").trim();
    if (!(await portFree(port))) {
      port = 0;
      say(`port ${envPort} is busy; the demo gateway takes a free port`);
    }
    const extraConfig = {};
    let modelBaseUrl;
    if (config?.models?.providers && Object.keys(config.models.providers).length > 0) {
      extraConfig.models = config.models;
      if (config?.agents?.defaults?.model) extraConfig.agents = { defaults: { model: config.agents.defaults.model } };
      say(`using the model provider(s) from ${file}: ${Object.keys(config.models.providers).join(", ")}`);
    } else {
      const model = await startModelServer({});
      cleanups.push(() => model.close());
      modelBaseUrl = model.url;
      say(`no model provider configured: chat uses the ${DEMO_MODEL_NAME} at ${model.url}`);
    }
    say("starting the real gateway (openclaw, Node 24) — about 20–40 s on a small machine…");
    const gw = await startGateway({ token, port, modelBaseUrl, extraConfig, rootDir: path.join(demoRoot, "gateway") });
    cleanups.push(() => gw.stop());
    tellReaper({ gatewayHandle: gw.handleFile });
    port = gw.port;
    say(`gateway ready on ${gw.url} (state in ${gw.rootDir})`);
  }

  const workspace = path.join(demoRoot, "workspace");
  mkdirSync(path.join(workspace, ".vscode"), { recursive: true });
  writeFileSync(path.join(workspace, ".vscode", "settings.json"), JSON.stringify({ "krabkrab.autoConnect": true, "workbench.startupEditor": "none" }, null, 2));
  if (!existsSync(path.join(workspace, "README.md"))) {
    writeFileSync(path.join(workspace, "README.md"), "# KrabKrab demo workspace\n\nOpen the KrabKrab view in the activity bar and chat with the agent.\nThe status bar shows the connection; `KrabKrab: Show Connection Log` shows what happened.\n");
  }
  const env = { ...process.env, KRABKRAB_GATEWAY_PORT: String(port), KRABKRAB_GATEWAY_TOKEN: token };

  const code = spawnSync("which", ["code"]).status === 0 && (process.env.DISPLAY || process.platform === "darwin" || process.platform === "win32");
  if (code) {
    say("opening desktop VS Code with the extension under development");
    spawn("code", ["--new-window", `--extensionDevelopmentPath=${repoRoot}`, workspace], { env, stdio: "inherit" });
    say("the gateway keeps running until you press Ctrl-C here");
  } else {
    const { startVsCodeServer } = await import("./vscode-server.mjs");
    // krabkrab.autoConnect is read from user (machine) settings only — a workspace must not make us connect —
    // so the demo sets it in the server's Machine settings, not in the workspace's .vscode/settings.json.
    const server = await startVsCodeServer({ rootDir: path.join(demoRoot, "vscode"), extensionDevelopmentPath: repoRoot, folder: workspace, env, settings: { "krabkrab.autoConnect": true } });
    cleanups.push(() => server.stop());
    tellReaper({ pgid: server.pid });
    console.log(`\nKrabKrab: open ${server.url} in your browser (VS Code ${"server"} with the extension, connected to the local gateway).\nPress Ctrl-C to stop.\n`);
  }
  await new Promise(() => undefined);
}

main().catch(async (err) => {
  console.error(`[start] ${err?.message ?? err}`);
  await stopAll(1);
});
