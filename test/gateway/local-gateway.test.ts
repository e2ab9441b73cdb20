// The local transport: attach to the run's real gateway, spawn a second real gateway through this code
// path (a `openclaw` wrapper on PATH runs the pinned one under Node 24), and the failure modes.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { createDeviceIdentity, LocalGateway, LocalGatewayError, OperatorClient } from "../../src/gateway";
import { buildGatewayConfig, gatewayEnv, sandboxPaths } from "../fixtures/gateway";
import { realGateway, waitFor } from "../support/real-peers";

const work = mkdtempSync(path.join(tmpdir(), "kk-local-"));
const started: LocalGateway[] = [];
after(async () => {
  for (const g of started) await g.stop();
});

function bin(name: string, script: string): string {
  const dir = mkdtempSync(path.join(work, "bin-"));
  const file = path.join(dir, name);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** pid and every process below it (by parent pid, or in its process group), from /proc. */
function processTree(root: number): number[] {
  const procs = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      // Fields after the parenthesised command name: state, ppid, pgrp.
      const [, ppid, pgrp] = readFileSync(`/proc/${d}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
      return [{ pid: Number(d), ppid: Number(ppid), pgrp: Number(pgrp) }];
    } catch {
      return []; // exited meanwhile
    }
  });
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && (tree.has(p.ppid) || p.pgrp === root)) grew = Boolean(tree.add(p.pid));
  }
  return [...tree];
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a missing command names what was tried and the setting to change", async () => {
  const port = await freePort();
  const empty = mkdtempSync(path.join(work, "empty-"));
  await assert.rejects(LocalGateway.start({ port, token: "tok-missing-cmd", env: { PATH: empty } }), (e: unknown) => {
    assert.ok(e instanceof LocalGatewayError);
    assert.equal(e.kind, "command-not-found");
    assert.match(e.message, /“krabkrab” and “openclaw”/);
    assert.match(e.nextStep, /krabkrab\.local\.command/);
    return true;
  });
});

test("an early exit reports the exit code and the last stderr lines; 78 is a config error", async () => {
  const port = await freePort();
  const dir78 = bin("krabkrab", "#!/bin/sh\necho 'config: gateway.port must be a number' >&2\nexit 78\n");
  await assert.rejects(LocalGateway.start({ port, token: "tok-early-exit", env: { PATH: `${dir78}:/usr/bin:/bin` } }), (e: unknown) => e instanceof LocalGatewayError && e.kind === "config-error" && /code 78/.test(e.message) && /gateway\.port must be a number/.test(e.message));
  const dir3 = bin("krabkrab", "#!/bin/sh\necho 'boom: cannot open state dir' >&2\nexit 3\n");
  await assert.rejects(LocalGateway.start({ port, token: "tok-early-exit", env: { PATH: `${dir3}:/usr/bin:/bin` } }), (e: unknown) => e instanceof LocalGatewayError && e.kind === "early-exit" && /exit code 3/.test(e.message) && /cannot open state dir/.test(e.message));
});

test("a port held by a program that is not a gateway is a clear error, and that program is left alone", async () => {
  const squatter = createServer((sock) => sock.end("SSH-2.0-not-a-gateway\r\n"));
  await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", () => r()));
  const port = (squatter.address() as { port: number }).port;
  try {
    await assert.rejects(LocalGateway.start({ port, token: "tok-busy-port", command: "/bin/false" }), (e: unknown) => e instanceof LocalGatewayError && e.kind === "port-busy" && /not a gateway/.test(e.message) && /Nothing was stopped/.test(e.nextStep));
    assert.ok(squatter.listening, "the other program still runs");
  } finally {
    squatter.close();
  }
});

test("attaches to a gateway already answering on the port, and never stops it", async () => {
  const gw = realGateway();
  const local = await LocalGateway.start({ port: gw.port, token: gw.token, command: "/bin/false" });
  assert.equal(local.state.status, "attached");
  await local.stop();
  const c = new OperatorClient({ url: gw.url, token: gw.token, identity: createDeviceIdentity(), clientVersion: "0.0.0-test" });
  await c.connect();
  assert.equal((await c.health()).ok !== undefined, true, "the attached gateway still runs");
  await c.disconnect();
});

test("a crashing gateway is restarted a bounded number of times, then stopped with the last error", async () => {
  const port = await freePort();
  // Answers /readyz like a gateway, then dies after a moment — a crash loop on demand.
  const script = `#!/usr/bin/env node
const http = require("http");
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
http.createServer((q, s) => s.end(JSON.stringify({ ready: true }))).listen(port, "127.0.0.1");
setTimeout(() => { console.error("fatal: simulated crash"); process.exit(1); }, 300);
`;
  const dir = bin("krabkrab", script);
  const states: string[] = [];
  const g = await LocalGateway.start({ port, token: "tok-crash-loop", env: { PATH: `${dir}:${process.env.PATH}` }, maxRestarts: 2, restartWindowMs: 60_000 });
  started.push(g);
  g.on("state", (s) => states.push(s.status));
  await waitFor("gave up", () => g.state.status === "stopped", 30_000);
  assert.equal(states.filter((s) => s === "restarting").length, 2);
  assert.match((g.state as { error?: string }).error ?? "", /simulated crash[\s\S]*not restarting again/);
});

test("a restart that dies before it is ready counts as a crash: the loop ends stopped, never stuck starting", async () => {
  const port = await freePort();
  // First run: ready, then crashes. Every restart: dies at once, before answering /readyz (a loaded machine's
  // usual crash loop). A counter file next to the script tells the runs apart.
  const script = `#!/usr/bin/env node
const fs = require("fs");
const n = __filename + ".runs";
const runs = fs.existsSync(n) ? Number(fs.readFileSync(n, "utf8")) + 1 : 1;
fs.writeFileSync(n, String(runs));
if (runs > 1) { console.error("fatal: simulated crash on restart"); process.exit(1); }
const http = require("http");
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
http.createServer((q, s) => s.end(JSON.stringify({ ready: true }))).listen(port, "127.0.0.1");
setTimeout(() => { console.error("fatal: simulated crash"); process.exit(1); }, 1500);
`;
  const dir = bin("krabkrab", script);
  const g = await LocalGateway.start({ port, token: "tok-crash-early", env: { PATH: `${dir}:${process.env.PATH}` }, maxRestarts: 2, restartWindowMs: 60_000 });
  started.push(g);
  await waitFor("gave up", () => g.state.status === "stopped", 20_000);
  assert.match((g.state as { error?: string }).error ?? "", /simulated crash on restart[\s\S]*not restarting again/);
  assert.equal(Number(readFileSync(path.join(dir, "krabkrab.runs"), "utf8")), 3, "the first run and two restarts");
});

test("two windows starting the gateway on one port: one owns it, the other attaches and claims nothing", async () => {
  const port = await freePort();
  // A gateway stand-in that loses a port race as the real one does: it stays up a while after
  // EADDRINUSE (still starting, from the outside) before it exits — long after the winner answers ready.
  const script = `#!/usr/bin/env node
const http = require("http");
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const token = process.env.OPENCLAW_GATEWAY_TOKEN; // as the real gateway reads it (never from argv)
const s = http.createServer((q, r) => r.end(JSON.stringify({ ready: true, token })));
s.on("error", () => setTimeout(() => { console.error("fatal: port in use"); process.exit(1); }, 1500));
s.listen(port, "127.0.0.1");
setInterval(() => {}, 1000);
`;
  const dir = bin("krabkrab", script);
  const env = { PATH: `${dir}:${process.env.PATH}` };
  const [a, b] = await Promise.all([LocalGateway.start({ port, token: "tok-window-a", env }), LocalGateway.start({ port, token: "tok-window-b", env })]);
  started.push(a, b);
  const owner = a.attached ? b : a;
  const other = a.attached ? a : b;
  assert.deepEqual([a.state.status, b.state.status].sort(), ["attached", "running"], "exactly one window owns the gateway");
  assert.equal(other.attached, true, "the window that lost the race reports that it attached to a gateway it did not start");
  assert.equal(other.pid, undefined, "the loser keeps no child");
  const served = JSON.parse(await new Promise<string>((resolve, reject) => {
    import("node:http").then(({ get }) => get(`http://127.0.0.1:${port}/readyz`, (r) => { let t = ""; r.on("data", (c) => (t += c)); r.on("end", () => resolve(t)); }).on("error", reject));
  })) as { token: string };
  assert.equal(served.token, owner === a ? "tok-window-a" : "tok-window-b", "the gateway on the port is the owner's");
  await other.stop();
  assert.ok(groupAlive(owner.pid!), "stopping the attached window leaves the owner's gateway running");
  await owner.stop();
});

test("start() honours its abort signal: the spawned gateway is stopped and start() rejects as cancelled", async () => {
  const port = await freePort();
  // Never becomes ready: without the signal start() would wait out the whole ready timeout.
  const dir = bin("krabkrab", "#!/bin/sh\necho $$ > \"$0.pid\"\nexec sleep 60\n");
  const ac = new AbortController();
  const p = LocalGateway.start({ port, token: "tok-abort", env: { PATH: `${dir}:${process.env.PATH}` }, readyTimeoutMs: 60_000, signal: ac.signal });
  const pidFile = path.join(dir, "krabkrab.pid");
  const pid = await waitFor("spawned", () => { try { return Number(readFileSync(pidFile, "utf8")); } catch { return 0; } }, 10_000);
  const t0 = Date.now();
  ac.abort();
  await assert.rejects(p, (e: unknown) => e instanceof LocalGatewayError && e.kind === "cancelled");
  assert.ok(Date.now() - t0 < 15_000, "rejected promptly");
  assert.equal(groupAlive(pid), false, "no process of the cancelled gateway survives");
});

test("spawns the real gateway through this code path with the token only in its environment, connects, and leaves no process behind", { timeout: 180_000 }, async () => {
  const node24 = process.env.KRABKRAB_NODE24;
  const entry = process.env.KRABKRAB_OPENCLAW_ENTRY;
  if (!node24 || !entry) throw new Error("KRABKRAB_NODE24 / KRABKRAB_OPENCLAW_ENTRY are unset: run through `npm test`, which installs and exposes the pinned gateway.");
  const root = mkdtempSync(path.join(work, "gw-"));
  const paths = sandboxPaths(root);
  for (const d of [paths.stateDir, paths.homeDir, paths.tmpDir, paths.workspaceDir]) mkdirSync(d);
  const port = await freePort();
  const token = "tok-spawned-local-gateway";
  // The config names no token: the gateway can only know it from what LocalGateway hands the child.
  const config = buildGatewayConfig(paths, port, token) as { gateway: { auth: Record<string, unknown> } };
  delete config.gateway.auth.token;
  writeFileSync(paths.configPath, JSON.stringify(config));
  // The wrapper records the argv it was started with: the gateway later rewrites its process title, which
  // hides argv from ps, but only after the token was readable there for its whole start-up.
  const argvFile = path.join(root, "argv.txt");
  const dir = bin("openclaw", `#!/bin/sh\nprintf '%s\\n' "$0" "$@" > "${argvFile}"\nexec "${node24}" "${entry}" "$@"\n`);
  const lines: string[] = [];
  const g = await LocalGateway.start({
    port,
    token,
    env: { ...gatewayEnv(paths, node24), PATH: `${dir}:${path.dirname(node24)}:/usr/bin:/bin` },
    onOutput: (l) => lines.push(l),
    readyTimeoutMs: 150_000,
  });
  started.push(g);
  assert.equal(g.state.status, "running");
  const pid = g.pid!;
  // argv is world-readable (ps, /proc/<pid>/cmdline): no process of the gateway's tree may carry the token there.
  const spawnedWith = readFileSync(argvFile, "utf8");
  assert.match(spawnedWith, /^gateway$/m, "the wrapper saw the gateway's argv");
  assert.ok(!spawnedWith.includes(token), `the gateway was started with the token in argv: ${spawnedWith.replaceAll(token, "<token>").replaceAll("\n", " ")}`);
  const tree = processTree(pid);
  assert.ok(tree.includes(pid));
  for (const p of tree) {
    const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
    assert.ok(!argv.some((a) => a.includes(token)), `pid ${p} has the token in its argv: ${argv.join(" ").replaceAll(token, "<token>")}`);
  }
  assert.ok(!execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(token), "ps shows the token");
  // The environment is where it is, and only its owner (this user) can read that.
  const environ = statSync(`/proc/${pid}/environ`);
  assert.equal(environ.uid, process.getuid!());
  assert.equal(environ.mode & 0o077, 0, `/proc/${pid}/environ is readable by others (mode ${(environ.mode & 0o777).toString(8)})`);
  assert.ok(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`OPENCLAW_GATEWAY_TOKEN=${token}`));
  const c = new OperatorClient({ url: g.url, token, identity: createDeviceIdentity(), clientVersion: "0.0.0-test" });
  const hello = await c.connect();
  assert.equal(hello.serverVersion, "2026.9.6");
  await c.disconnect();
  assert.ok(lines.length > 0, "the gateway's output reached the log sink");
  assert.ok(!lines.join("\n").includes(token), "the token never appears in the output we log");
  await g.stop();
  assert.equal(groupAlive(pid), false, "no process of the gateway's group survives");
  const strays = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(paths.stateDir) || l.includes(`--port ${port}`));
  assert.deepEqual(strays, []);
});
