// A REAL headless node host (`openclaw node run`, test/fixtures/node-host.ts) against the run's real gateway:
// pairing request → approval → node.list / node.describe → node.invoke system.which → node.rename → stop →
// disconnected, nothing left running. The steps share one node host (it costs ≈0.5 GB and up to a minute
// to connect) and run in order; a step whose predecessor failed fails at once with that reason.
// Prints the observed payloads and timings ("[node-host] …" lines) for the people wiring this into the UI.
import { strict as assert } from "node:assert";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { GatewayIssueError, type GatewayNode, type OperatorClient, type OperatorScope, type PairRequest } from "../../src/gateway";
import { startNodeHost, type NodeHostHandle } from "../fixtures/node-host";
import { operator, realGateway } from "../support/real-peers";

const ADMIN_SCOPES: OperatorScope[] = ["operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.admin"];
/** real-peers.md: a node host can take up to a minute to connect on a busy box; leave room above that. */
const CONNECT_BUDGET_MS = 150_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (t: number) => `${(t / 1000).toFixed(1)} s`;
function report(what: string, value?: unknown): void {
  console.log(`[node-host] ${what}${value === undefined ? "" : ` ${JSON.stringify(value, null, 2)}`}`);
}

/** Polls an async probe until it returns a truthy value; `guard` runs first on each round (fail fast). */
async function poll<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number, guard?: () => void, intervalMs = 250): Promise<T> {
  const t0 = Date.now();
  let lastErr: unknown;
  for (;;) {
    guard?.();
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ""}`);
    }
    await sleep(intervalMs);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "kk-node-"));
const displayName = `kk-node-${randomUUID().slice(0, 8)}`;
const renamed = `${displayName}-renamed`;
let admin: OperatorClient | undefined;
let host: NodeHostHandle | undefined;
const rawEvents: { at: number; event: string; payload: unknown }[] = [];
const s: {
  request?: PairRequest;
  nodeId?: string;
  spawnToRequestMs?: number;
  approvedAt?: number;
  rssAfterConnect?: number;
  stopped?: boolean;
} = {};

let failed = false;
/** node:test's test(), remembering whether any step failed (the sandbox is kept for a post-mortem then). */
function step(name: string, opts: { timeout?: number }, fn: () => Promise<void>): void {
  test(name, opts, async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      throw err;
    }
  });
}

function need<T>(v: T | undefined, step: string): T {
  if (v === undefined) throw new Error(`an earlier step failed (no ${step})`);
  return v;
}

before(async () => {
  admin = operator({ scopes: ADMIN_SCOPES });
  admin.on("event", (e) => {
    if (e.event.startsWith("node.") || e.event.startsWith("device.pair")) rawEvents.push({ at: Date.now(), ...e });
  });
  const hello = await admin.connect();
  assert.deepEqual([...hello.scopes].sort(), [...ADMIN_SCOPES].sort(), "the test operator needs pairing + admin");
});

after(async () => {
  // Stop the node host whatever happened (idempotent), then the operator; keep the sandbox only on failure.
  if (host && !s.stopped) await host.stop().catch((err: Error) => console.error(`[node-host] stop failed: ${err.message}`));
  await admin?.disconnect();
  if (!failed) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`[node-host] sandbox kept for post-mortem: ${work}`);
});

step("node host starts in its own sandbox and asks for its command surface (node.pair.requested + node.pair.list)", { timeout: CONNECT_BUDGET_MS + 30_000 }, async () => {
  const gw = realGateway();
  const c = need(admin, "operator");
  const requests: { at: number; request: PairRequest }[] = [];
  c.on("pairRequested", (e) => {
    if (e.kind === "node") requests.push({ at: Date.now(), request: e.request });
  });
  const existing = await c.nodeList();
  assert.ok(!existing.some((n) => n.displayName === displayName), "the display name is unique to this run");

  // The node host must not write into the real home of whoever runs the tests.
  const realState = path.join(os.homedir(), ".openclaw");
  const realStateBefore = fs.existsSync(realState) ? fs.statSync(realState).mtimeMs : undefined;
  host = await startNodeHost({ gatewayPort: gw.port, token: gw.token, displayName, rootDir: path.join(work, "node-host") });
  const h = host;
  report(`spawned pid ${h.pid}, sandbox ${h.rootDir}, commands ${h.commands.join(",")}`);

  // First sighting of the node in node.list (connected, before any approval), recorded on the way.
  let firstSeen: { at: number; node: GatewayNode } | undefined;
  const hit = await poll(
    "node.pair.requested for our display name",
    async () => {
      if (!firstSeen) {
        const n = (await c.nodeList()).find((x) => x.displayName === displayName);
        if (n) firstSeen = { at: Date.now(), node: n };
      }
      return requests.find((r) => r.request.displayName === displayName);
    },
    CONNECT_BUDGET_MS,
    () => h.assertRunning(),
    500,
  );
  s.spawnToRequestMs = hit.at - h.startedAt;
  const loggedConnectedMs = await h.waitConnected(5_000);
  report(`node host logged "gateway connected" ${ms(loggedConnectedMs)} after spawn (±0.2 s), having used ${h.cpuSeconds().toFixed(1)} CPU s; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  s.request = hit.request;
  report(`pair request after ${ms(s.spawnToRequestMs)} from spawn`);
  report("node.pair.requested payload", rawEvents.find((e) => e.event === "node.pair.requested" && (e.payload as { requestId?: string }).requestId === hit.request.requestId)?.payload);
  report(
    "other pairing events so far",
    rawEvents.filter((e) => e.event !== "node.pair.requested").map((e) => ({ event: e.event, afterSpawnMs: e.at - h.startedAt, payload: e.payload })),
  );
  if (firstSeen) report(`node.list entry before approval (seen ${ms(firstSeen.at - h.startedAt)} after spawn)`, firstSeen.node);

  assert.equal(typeof hit.request.requestId, "string");
  assert.ok(hit.request.requestId.length > 0);
  assert.ok(hit.request.nodeId, "the request names the node");
  s.nodeId = hit.request.nodeId;

  const list = await c.nodePairList();
  const pending = list.pending.find((p) => p.requestId === hit.request.requestId);
  assert.ok(pending, `node.pair.list().pending has ${hit.request.requestId}: ${JSON.stringify(list.pending)}`);
  assert.equal(pending.displayName, displayName);
  report("node.pair.list pending entry", pending);

  // Until approved, the declared surface has no effective commands: node.list shows none, invoke fails.
  const unapproved = (await c.nodeList()).find((n) => n.nodeId === s.nodeId);
  report("node.list entry while the surface is pending", unapproved);
  assert.ok(unapproved, "a connected, device-paired node is listed before surface approval");
  assert.ok(!(unapproved.commands ?? []).includes("system.which"), `no effective commands before approval: ${JSON.stringify(unapproved.commands)}`);
  const early = await c.nodeInvoke({ nodeId: hit.request.nodeId, command: "system.which", params: { bins: ["sh"] }, timeoutMs: 10_000 }).then(
    (r) => ({ ok: true as const, r }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  report("node.invoke before approval", early.ok ? early.r : { error: early.err instanceof GatewayIssueError ? early.err.issue : String(early.err) });
  assert.equal(early.ok, false, "node.invoke must not run a command before the surface is approved");

  if (realStateBefore !== undefined) assert.equal(fs.statSync(realState).mtimeMs, realStateBefore, "~/.openclaw untouched");
  else assert.ok(!fs.existsSync(realState), "no ~/.openclaw created");
  assert.ok(fs.existsSync(path.join(h.stateDir)), "state lives in the sandbox");
});

step("node.pair.approve → node.list shows it connected with exactly the advertised commands", { timeout: 90_000 }, async () => {
  const c = need(admin, "operator");
  const h = need(host, "node host");
  const req = need(s.request, "pair request");
  const nodeId = need(s.nodeId, "node id");
  const resolvedBefore = rawEvents.length;
  const t0 = Date.now();
  const res = await c.nodePairApprove(req.requestId);
  report(`node.pair.approve answered in ${Date.now() - t0} ms`, res);
  s.approvedAt = Date.now();

  const node = await poll(
    "node.list: our node connected with system.which",
    async () => (await c.nodeList()).find((n) => n.nodeId === nodeId && n.connected === true && (n.commands ?? []).includes("system.which")),
    60_000,
    () => h.assertRunning(),
  );
  report(`commands effective ${Date.now() - s.approvedAt} ms after approval; ${ms(Date.now() - h.startedAt)} after spawn`);
  report("node.list entry (connected, approved)", node);
  report(
    "pairing events after approval",
    rawEvents.slice(resolvedBefore).map((e) => ({ event: e.event, payload: e.payload })),
  );
  assert.equal(node.displayName, displayName);
  assert.equal(node.paired, true);
  assert.deepEqual([...(node.commands ?? [])].sort(), [...h.commands].sort(), "advertises exactly the --commands allowlist");
  assert.ok(!(node.commands ?? []).includes("system.run"), "system.run is not advertised");
  assert.ok(rawEvents.slice(resolvedBefore).some((e) => e.event === "node.pair.resolved" && (e.payload as { requestId?: string }).requestId === req.requestId), "node.pair.resolved for our request");
  const list = await c.nodePairList();
  assert.ok(!list.pending.some((p) => p.requestId === req.requestId), "no longer pending");

  await sleep(2000); // let the node settle (it reports host stats on connect)
  s.rssAfterConnect = h.rssBytes();
  const perPid = Object.entries(h.rssByPid()).map(([pid, b]) => `${pid}: ${(b / 1024 / 1024).toFixed(0)} MiB`);
  report(`node host processes (${perPid.join(", ")}), RSS ${(s.rssAfterConnect / 1024 / 1024).toFixed(0)} MiB total, ${h.cpuSeconds().toFixed(1)} CPU s`);
  assert.ok(s.rssAfterConnect > 0);
});

step("node.describe returns the node with its commands", { timeout: 30_000 }, async () => {
  const c = need(admin, "operator");
  const nodeId = need(s.nodeId, "node id");
  const d = await c.nodeDescribe(nodeId);
  report("node.describe", d);
  assert.equal(d.nodeId, nodeId);
  assert.equal(d.displayName, displayName);
  assert.ok((d.commands ?? []).includes("system.which"));
});

step("node.invoke system.which resolves a real executable on the node and omits a missing one", { timeout: 60_000 }, async () => {
  const c = need(admin, "operator");
  const nodeId = need(s.nodeId, "node id");
  const missing = `kk-no-such-binary-${randomUUID().slice(0, 8)}`;
  const timings: number[] = [];
  let result: Awaited<ReturnType<OperatorClient["nodeInvoke"]>> | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    result = await c.nodeInvoke({ nodeId, command: "system.which", params: { bins: ["sh", missing] }, timeoutMs: 20_000 });
    timings.push(Date.now() - t0);
  }
  const r = need(result, "invoke result");
  report(`node.invoke system.which round trips: ${timings.join(", ")} ms`, r);
  assert.equal(r.ok, true);
  assert.equal(r.nodeId, nodeId);
  assert.equal(r.command, "system.which");
  const bins = (r.payload as { bins?: Record<string, string> } | undefined)?.bins;
  assert.ok(bins && typeof bins === "object", `payload.bins: ${JSON.stringify(r.payload)}`);
  const sh = bins.sh;
  assert.ok(typeof sh === "string" && path.isAbsolute(sh) && path.basename(sh) === "sh", `bins.sh: ${sh}`);
  assert.ok(fs.existsSync(sh), `${sh} exists on this machine (the node runs here)`);
  assert.ok(!(missing in bins), "a missing executable is omitted");

  // The extension's default scopes (read/write/approvals) are enough to invoke system.which (only
  // browser.proxy*, fs.listDir and terminal.upload need operator.admin to invoke).
  const plain = operator();
  try {
    const hello = await plain.connect();
    assert.ok(!hello.scopes.includes("operator.admin"));
    const r2 = await plain.nodeInvoke({ nodeId, command: "system.which", params: { bins: ["sh"] }, timeoutMs: 20_000 });
    assert.equal((r2.payload as { bins?: Record<string, string> }).bins?.sh, sh);
    const list = await plain.nodeList();
    assert.ok(list.some((n) => n.nodeId === nodeId && n.connected === true), "node.list works with the default scopes");
    const pairList = await plain.nodePairList().then(
      () => "allowed",
      (err: unknown) => (err instanceof GatewayIssueError ? `${err.issue.kind}: ${err.issue.message}` : String(err)),
    );
    report(`default-scope operator: system.which invoke ok; node.pair.list → ${pairList}`);
  } finally {
    await plain.disconnect();
  }

  // A command outside the advertised surface is refused by the gateway.
  const refused = await c.nodeInvoke({ nodeId, command: "system.run", params: { command: ["true"] }, timeoutMs: 10_000 }).then(
    (x) => ({ ok: true as const, x }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  report("node.invoke system.run (not advertised)", refused.ok ? refused.x : { error: refused.err instanceof GatewayIssueError ? refused.err.issue : String(refused.err) });
  assert.equal(refused.ok, false, "system.run must be refused");
});

step("node.rename changes the operator-facing display name", { timeout: 30_000 }, async () => {
  const c = need(admin, "operator");
  const nodeId = need(s.nodeId, "node id");
  const res = await c.nodeRename(nodeId, renamed);
  report("node.rename answer", res);
  const n = await poll("node.list shows the new name", async () => (await c.nodeList()).find((x) => x.nodeId === nodeId && x.displayName === renamed), 10_000);
  assert.equal(n.connected, true);
  const d = await c.nodeDescribe(nodeId);
  assert.equal(d.displayName, renamed);
});

step("stopping the node host: node.list shows it disconnected and no process is left", { timeout: 60_000 }, async () => {
  const c = need(admin, "operator");
  const h = need(host, "node host");
  const nodeId = need(s.nodeId, "node id");
  const pidsBefore = h.processes();
  assert.ok(pidsBefore.length >= 1, "running before stop");
  report(`last node host log lines:\n${h.log().split("\n").filter(Boolean).slice(-25).join("\n")}`);
  const lockDir = `/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`;
  const hash = createHash("sha256").update(path.join(fs.realpathSync(h.stateDir), "state", "openclaw.sqlite")).digest("hex").slice(0, 8);
  const ourLocks = () => (fs.existsSync(lockDir) ? fs.readdirSync(lockDir).filter((n) => n.includes(`.${hash}.`)) : []);
  report(`openclaw's lock files for this sandbox in ${lockDir} before stop`, ourLocks());
  const t0 = Date.now();
  await h.stop();
  s.stopped = true;
  report(`stop() took ${Date.now() - t0} ms for pids ${JSON.stringify(pidsBefore)} (exit ${JSON.stringify(h.exited())})`);
  assert.deepEqual(h.processes(), [], "no process of the node host is left (group, descendants, marker env)");
  assert.deepEqual(ourLocks(), [], "stop() removed openclaw's /tmp lock file for the sandbox");
  for (const pid of pidsBefore) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    assert.equal(alive, false, `pid ${pid} is gone`);
  }
  const t1 = Date.now();
  const n = await poll("node.list shows our node disconnected", async () => (await c.nodeList()).find((x) => x.nodeId === nodeId && x.connected !== true), 30_000);
  report(`disconnected in node.list ${Date.now() - t1} ms after stop()`, n);
  assert.equal(n.connected, false);
  assert.equal(n.paired, true, "stays paired while offline");
  assert.equal(n.displayName, renamed, "the operator-given name survives the disconnect");
});

step("a node host that cannot run fails loudly: missing Node 24 / openclaw entry throw before spawning", {}, async () => {
  const gw = realGateway();
  await assert.rejects(startNodeHost({ gatewayPort: gw.port, token: gw.token, displayName: "x", node24: path.join(work, "no-node") }), /Node 24 binary not found/);
  await assert.rejects(startNodeHost({ gatewayPort: gw.port, token: gw.token, displayName: "x", openclawEntry: path.join(work, "no-openclaw.mjs") }), /openclaw entry not found/);
  await assert.rejects(startNodeHost({ gatewayPort: gw.port, token: gw.token, displayName: "x", commands: [] }), /commands must be a non-empty list/);
});

step("a node host with a wrong gateway token exits non-zero and assertRunning() says why", { timeout: CONNECT_BUDGET_MS + 30_000 }, async () => {
  const gw = realGateway();
  const bad = await startNodeHost({ gatewayPort: gw.port, token: `wrong-${randomUUID()}`, displayName: `${displayName}-badtoken`, rootDir: path.join(work, "node-host-bad-token") });
  try {
    const t0 = bad.startedAt;
    const failedAfter = await bad.waitForLog(/gateway token mismatch/, CONNECT_BUDGET_MS, true);
    const ex = await poll("the node host to give up on a wrong token", async () => bad.exited(), CONNECT_BUDGET_MS, undefined, 200);
    report(`wrong token: first "token mismatch" log line ${ms(failedAfter)} after spawn`);
    report(`wrong token: exited ${JSON.stringify(ex)} after ${ms(Date.now() - t0)}`);
    report(`wrong token: last log lines:\n${bad.log().split("\n").filter(Boolean).slice(-15).join("\n")}`);
    assert.notEqual(ex.code, 0, "non-zero exit");
    assert.throws(() => bad.assertRunning(), (e: Error) => /exited: code/.test(e.message) && /last log lines/.test(e.message));
    assert.ok(!(await need(admin, "operator").nodeList()).some((n) => n.displayName === `${displayName}-badtoken`), "never listed");
  } finally {
    await bad.stop();
  }
  assert.deepEqual(bad.processes(), []);
});
