// `npm start`, as the README tells a newcomer to run it, from a fresh copy of this checkout with an empty cache
// (XDG_CACHE_HOME; the peers come from this run's peer cache): it prints its URL, the workbench at that URL
// shows the extension connected to the gateway it started, and stopping it — however — leaves no process of
// the run behind. Every process it starts inherits a marker variable; /proc tells what is left.
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import type { Page } from "playwright-core";
import { realGateway } from "../support/real-peers";
import { copyRepo, repoRoot, shellEnv } from "../support/repo-copy";

const shots = path.join(repoRoot, "test-results", "npm-start");
const clone = copyRepo("kk-npm-start-");
after(() => rmSync(clone, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Live processes whose environment carries `marker` (zombies excluded): [pid, command line]. */
function processesWith(marker: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (/\) [ZX] /.test(readFileSync(`/proc/${name}/stat`, "latin1"))) continue;
      if (!readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(marker)) continue;
      found.push([Number(name), readFileSync(`/proc/${name}/cmdline`, "latin1").split("\0").join(" ").trim()]);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

async function waitNoneLeft(marker: string, ms: number): Promise<Array<[number, string]>> {
  const until = Date.now() + ms;
  let left = processesWith(marker);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    left = processesWith(marker);
  }
  return left;
}

interface Run {
  npm: ChildProcess;
  marker: string;
  url: Promise<string>;
  output: () => string;
}

/** `npm start` in the copy, in a process group of its own (as a terminal's job is), with a marker in its env. */
function npmStart(extraEnv: Record<string, string | undefined>): Run {
  const marker = `KRABKRAB_NPM_START_TEST=${randomUUID()}`;
  const home = mkdtempSync(path.join(os.tmpdir(), "kk-npm-start-home-"));
  const cache = path.join(home, ".cache");
  mkdirSync(cache, { recursive: true });
  const env = shellEnv({
    HOME: home,
    XDG_CACHE_HOME: cache,
    KRABKRAB_PEERS_DIR: process.env.KRABKRAB_PEERS_DIR, // the peers this run installed; the demo state starts empty
    KRABKRAB_GATEWAY_TOKEN: undefined,
    OPENCLAW_GATEWAY_TOKEN: undefined,
    OPENCLAW_GATEWAY_PORT: undefined,
    [marker.split("=")[0]!]: marker.split("=")[1],
    ...extraEnv,
  });
  const npm = spawn("npm", ["start"], { cwd: clone, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL within 240 s:\n${out.slice(-3000)}`)), 240_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) clearTimeout(timer), resolve(m[1]!);
    };
    npm.stdout!.on("data", onData);
    npm.stderr!.on("data", onData);
    npm.on("exit", (code, sig) => (clearTimeout(timer), reject(new Error(`npm start exited (${code ?? sig}) before printing its URL:\n${out.slice(-3000)}`))));
  });
  url.catch(() => undefined);
  return { npm, marker, url, output: () => out };
}

function killAll(marker: string): void {
  for (const [pid] of processesWith(marker)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

test("npm start on an empty cache: prints its URL, the workbench shows the extension connected; SIGTERM to npm stops every process it started", { timeout: 420_000 }, async () => {
  const port = await freePort();
  const run = npmStart({ KRABKRAB_GATEWAY_PORT: String(port) });
  try {
    const url = await run.url;
    assert.ok(processesWith(run.marker).some(([, cmd]) => cmd.includes("openclaw")), "npm start started its own gateway");
    const helper = pathToFileURL(path.join(repoRoot, "scripts", "vscode-server.mjs")).href;
    const { openInChromium } = (await import(helper)) as { openInChromium(url: string, o: Record<string, unknown>): Promise<{ page: Page; screenshot(n: string): Promise<unknown>; close(): Promise<void> }> };
    const browserRoot = mkdtempSync(path.join(os.tmpdir(), "kk-npm-start-browser-"));
    const browser = await openInChromium(url, { rootDir: browserRoot, screenshotDir: shots, viewport: { width: 1400, height: 900 } });
    try {
      // Connected: "KrabKrab · <target> · <gateway version> · <rtt>" (the version only shows once hello-ok came).
      const connected = browser.page.locator(".statusbar-item", { hasText: /KrabKrab · .+ · 2026\.\d+\.\d+/ }).first();
      await connected.waitFor({ timeout: 120_000 });
      await browser.screenshot("1-connected");
      assert.match(await connected.innerText(), /KrabKrab/);
    } finally {
      await browser.close();
      rmSync(browserRoot, { recursive: true, force: true });
    }
    process.kill(run.npm.pid!, "SIGTERM"); // npm only, as `kill <pid of npm start>` does
    const left = await waitNoneLeft(run.marker, 30_000);
    assert.deepEqual(left, [], `processes of the run still alive 30 s after SIGTERM to npm:\n${left.map(([p, c]) => `${p} ${c}`).join("\n")}`);
  } finally {
    killAll(run.marker);
  }
});

for (const [how, stop] of [
  ["closing the terminal (SIGHUP to its process group)", (r: Run) => process.kill(-r.npm.pid!, "SIGHUP")],
  ["SIGKILL to start.mjs itself", (r: Run) => {
    const start = processesWith(r.marker).find(([, cmd]) => cmd.includes("scripts/start.mjs"));
    assert.ok(start, "start.mjs is running");
    process.kill(start[0], "SIGKILL");
  }],
] as const) {
  test(`npm start attached to a running gateway: ${how} stops every process it started, and leaves that gateway alone`, { timeout: 300_000 }, async () => {
    const gw = realGateway();
    const run = npmStart({ KRABKRAB_GATEWAY_PORT: String(gw.port), KRABKRAB_GATEWAY_TOKEN: gw.token });
    try {
      await run.url;
      assert.match(run.output(), /attaching to it/);
      stop(run);
      const left = await waitNoneLeft(run.marker, 30_000);
      assert.deepEqual(left, [], `processes of the run still alive 30 s after ${how}:\n${left.map(([p, c]) => `${p} ${c}`).join("\n")}`);
      const res = await fetch(`http://127.0.0.1:${gw.port}/readyz`);
      assert.equal(res.ok, true, "the gateway npm start attached to still answers");
    } finally {
      killAll(run.marker);
    }
  });
}
