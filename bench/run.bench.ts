// The bench itself (scripts/bench.mjs sets up, enters the loopback-only netns, builds, then runs this).
// Starts the real peers once (model server, the pinned gateway, a real sshd) through the test fixtures,
// then runs each selected item with every path side by side, rounds interleaved so machine noise falls
// on all paths alike. Prints Markdown and writes JSON to bench-results/.
//
// Paths: "direct" = ws:// to the gateway; "ssh2" = our SshTunnel in this thread (bundled like the extension:
// no native addon); "ssh2 (worker)" = the same tunnel in a worker thread (WorkerSshTunnel running the built
// dist/ssh-tunnel.js, as the extension does); "OpenSSH" = `ssh -N -L` through the same sshd, default ciphers.
// Items rpc and bulk also run "main thread busy" cases: a synthetic ~50 % load (bench/busy.ts) on the thread
// that runs the WebSocket client, as the extension host's thread is in real use.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { GatewayClient } from "@openclaw/gateway-client";
import { createDeviceIdentity, MemorySecretStore, OperatorClient, redactingLogger, type DeviceIdentity, type OperatorScope } from "../src/gateway";
import { publicKeyRawBase64UrlFromPem, signDevicePayload } from "../src/gateway/device-identity";
import { SshTunnel, WorkerSshTunnel, type SshPrompts, type SshTunnelOptions } from "../src/gateway/ssh";
import { busyMainThread } from "./busy";
import { attachGateway, startGateway, stopGatewayFromHandleFile, type GatewayHandle } from "../test/fixtures/gateway";
import { startModelServer } from "../test/fixtures/model-server";
import { sshKeygen, startSshd, type SshdHandle } from "../test/fixtures/sshd";
import { benchActivation } from "./vscode-activation";
import { benchFirstConnect } from "./first-connect";
import { benchTwoGateways } from "./two-gateways";
import { benchWebview } from "./webview";
import { fmt, mainThreadCpuMs, markdown, newResults, openSshForward, pidCpuMs, ratio, sleep, summarize, type Results, type Row } from "./lib";

const ITEMS = ["rpc", "facade", "bulk", "history", "transfer", "concurrency", "connect", "reconnect", "bundle", "activation", "firstconnect", "twogateways", "webview", "memory"] as const;
type Item = (typeof ITEMS)[number];

const argv = process.argv.slice(2);
const onlyArg = argv.flatMap((a, i) => (a === "--only" ? (argv[i + 1] ?? "").split(",") : []));
const quick = argv.includes("--quick");
// "bulk" = "history" + "transfer".
const want = (i: Item) => onlyArg.length === 0 || onlyArg.includes(i) || (i === "bulk" && (onlyArg.includes("history") || onlyArg.includes("transfer"))) || ((i === "history" || i === "transfer") && onlyArg.includes("bulk"));
for (const o of onlyArg) if (!(ITEMS as readonly string[]).includes(o)) throw new Error(`unknown item "${o}"; items: ${ITEMS.join(", ")}`);

const N_SEQ = quick ? 200 : 1000;
const WARMUP = quick ? 30 : 100;
const BULK_MIB = quick ? 32 : 100;

const repoRoot = path.resolve(__dirname, "..", "..");
const now = () => performance.now();

const refusingPrompts: SshPrompts = {
  confirmHostKey: async () => false,
  passphrase: async () => undefined,
  password: async () => undefined,
};

interface Peers {
  gw: GatewayHandle;
  sshd: SshdHandle;
  key: string;
  knownHosts: string;
  home: string;
  identity: DeviceIdentity;
  secrets: MemorySecretStore;
  work: string;
  cleanups: (() => Promise<void> | void)[];
  cipherSsh2?: string;
}

type PathName = "direct" | "ssh2" | "ssh2 (worker)" | "OpenSSH";

interface Path {
  name: PathName;
  url: string;
  port: number;
}

/** The row of path `name` among rows made in `paths` order. */
function rowOf(paths: Path[], rows: Row[], name: PathName): Row {
  const i = paths.findIndex((x) => x.name === name);
  if (i < 0) throw new Error(`no path ${name}`);
  return rows[i]!;
}

const SSH_BUNDLE = path.join(repoRoot, "dist", "ssh-tunnel.js");

function operatorFor(p: Peers, url: string, scopes?: OperatorScope[]): OperatorClient {
  return new OperatorClient({ url, token: p.gw.token, identity: p.identity, secrets: p.secrets, clientVersion: "0.0.0-bench", scopes, requestTimeoutMs: 60_000 });
}

function ssh2Options(p: Peers, remotePort: number, log?: (m: string) => void): SshTunnelOptions {
  const l = log ?? (() => {});
  return {
    target: `root@127.0.0.1:${p.sshd.port}`,
    remotePort,
    identityFile: p.key,
    home: p.home,
    knownHostsPath: p.knownHosts,
    globalKnownHostsPaths: [],
    agent: null,
    prompts: refusingPrompts,
    logger: redactingLogger({ trace: () => {}, debug: l, info: () => {}, warn: (m) => console.error(`[bench] ssh2: ${m}`), error: (m) => console.error(`[bench] ssh2: ${m}`) }),
  };
}

function openSsh2(p: Peers, remotePort: number, log?: (m: string) => void): Promise<SshTunnel> {
  return SshTunnel.open(ssh2Options(p, remotePort, log));
}

function openSsh2Worker(p: Peers, remotePort: number): Promise<WorkerSshTunnel> {
  if (!existsSync(SSH_BUNDLE)) throw new Error(`${SSH_BUNDLE} is missing (scripts/bench.mjs builds it)`);
  return WorkerSshTunnel.open(ssh2Options(p, remotePort), { script: SSH_BUNDLE });
}

interface OpenedPaths {
  paths: Path[];
  close: () => Promise<void>;
  tunnel: SshTunnel;
  /** Present when opened with `worker: true`. */
  worker?: WorkerSshTunnel;
  openssh: { proc: ChildProcess };
  /** One sample each: open() → open state, for the two ssh2 tunnels. */
  openMs: { ssh2: number; worker?: number };
}

/** Opens the paths to one remote port (the worker tunnel too with `worker: true`); returns them and a closer. */
async function openPaths(p: Peers, remotePort: number, o: { worker?: boolean } = {}): Promise<OpenedPaths> {
  let t = now();
  const tunnel = await openSsh2(p, remotePort, (m) => {
    const c = /cipher (\S+)/.exec(m);
    if (c) p.cipherSsh2 = c[1];
  });
  const openMs: OpenedPaths["openMs"] = { ssh2: now() - t };
  t = now();
  const worker = o.worker ? await openSsh2Worker(p, remotePort) : undefined;
  if (worker) openMs.worker = now() - t;
  const fwd = await openSshForward({ sshdPort: p.sshd.port, remotePort, identityFile: p.key, knownHostsPath: p.knownHosts });
  return {
    paths: [
      { name: "direct", url: `ws://127.0.0.1:${remotePort}`, port: remotePort },
      { name: "ssh2", url: tunnel.url, port: tunnel.localPort },
      ...(worker ? [{ name: "ssh2 (worker)" as const, url: worker.url, port: worker.localPort }] : []),
      { name: "OpenSSH", url: `ws://127.0.0.1:${fwd.localPort}`, port: fwd.localPort },
    ],
    tunnel,
    worker,
    openssh: fwd,
    openMs,
    close: async () => {
      await tunnel.close();
      await worker?.close();
      await fwd.close();
    },
  };
}

/** Runs `fn` with the synthetic load on this thread when `busy`; reports the load achieved as a fact. */
async function maybeBusy<T>(res: Results, item: string, kase: string, busy: boolean, fn: () => Promise<T>): Promise<T> {
  if (!busy) return fn();
  const load = busyMainThread();
  try {
    return await fn();
  } finally {
    const { share, wallMs } = load.stop();
    res.facts.push({ item, key: `${kase}: load on the client's thread (spin / wall, over ${fmt(wallMs / 1000)} s)`, value: `${fmt(share * 100, 0)} %` });
  }
}

const BUSY = " — main thread busy (~50 %)";

/** Rounds × batch, path order rotated each round so drift in machine load hits every path alike. */
async function interleaved<T>(targets: T[], total: number, rounds: number, run: (t: T, i: number) => Promise<number>): Promise<number[][]> {
  const out = targets.map(() => [] as number[]);
  const batch = Math.ceil(total / rounds);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < targets.length; k++) {
      const idx = (k + r) % targets.length;
      for (let i = 0; i < batch && out[idx]!.length < total; i++) out[idx]!.push(await run(targets[idx]!, i));
    }
  }
  return out;
}

function row(res: Results, item: string, kase: string, pathName: string, unit: string, xs: number[], notes?: string): Row {
  const r: Row = { item, case: kase, path: pathName, unit, summary: summarize(xs), notes };
  res.rows.push(r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// 1. sequential round trips

async function benchRpc(p: Peers, res: Results) {
  const item = "1. RPC round trip (sequential)";
  const { paths, close, openMs } = await openPaths(p, p.gw.port, { worker: true });
  res.facts.push({ item, key: "tunnel open() → open, one sample each: ssh2 in this thread / in a worker (thread start + bundle load included)", value: `${fmt(openMs.ssh2, 0)} / ${fmt(openMs.worker!, 0)} ms` });
  const clients = paths.map((x) => operatorFor(p, x.url));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const cases: [string, (c: OperatorClient) => Promise<unknown>][] = [
      ["health", (c) => c.health()],
      ["node.list", (c) => c.nodeList()],
    ];
    for (const busy of [false, true]) {
      for (const [name, fn] of cases) {
        const kase = busy ? `${name}${BUSY}` : name;
        await maybeBusy(res, item, kase, busy, async () => {
          for (const c of clients) for (let i = 0; i < WARMUP; i++) await fn(c);
          const lat = await interleaved(clients, N_SEQ, 10, async (c) => {
            const t = now();
            await fn(c);
            return now() - t;
          });
          const rows = paths.map((x, i) => row(res, item, kase, x.name, "ms", lat[i]!));
          const [direct, ssh2, worker, openssh] = (["direct", "ssh2", "ssh2 (worker)", "OpenSSH"] as const).map((n) => rowOf(paths, rows, n)) as [Row, Row, Row, Row];
          for (const m of ["p50", "p99"] as const) for (const s of [ssh2, worker]) ratio(res, item, kase, s, openssh, m, { max: 1.0 });
          for (const m of ["p50", "p99"] as const) for (const s of [ssh2, worker]) ratio(res, item, kase, s, direct, m, { max: 1.2 });
          for (const m of ["p50", "p99"] as const) ratio(res, item, kase, worker, ssh2, m);
          ratio(res, item, kase, openssh, direct, "p50");
        });
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.disconnect()));
    await close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. bare reference client vs our facade

function bareClient(p: Peers, url: string): Promise<GatewayClient> {
  return new Promise((resolve, reject) => {
    const id = p.identity;
    const c: GatewayClient = new GatewayClient({
      url,
      token: p.gw.token,
      clientName: "gateway-client",
      mode: "ui",
      clientDisplayName: "KrabKrab bench (bare reference client)",
      clientVersion: "0.0.0-bench",
      platform: process.platform,
      role: "operator",
      scopes: ["operator.read", "operator.write", "operator.approvals"],
      caps: ["tool-events"],
      minProtocol: 4,
      maxProtocol: 4,
      deviceIdentity: { deviceId: id.deviceId, privateKeyPem: id.privateKeyPem, publicKeyPem: id.publicKeyPem },
      hostDeps: { signDevicePayload, publicKeyRawBase64UrlFromPem, loadDeviceAuthToken: () => null, storeDeviceAuthToken: () => {}, clearDeviceAuthToken: () => {} },
      onHelloOk: () => resolve(c),
      onConnectError: (err) => reject(err),
    });
    c.start();
  });
}

async function benchFacade(p: Peers, res: Results) {
  const item = "2. Facade overhead (direct WS, same process)";
  const bare = await bareClient(p, p.gw.url);
  const ours = operatorFor(p, p.gw.url);
  await ours.connect();
  try {
    const cases: [string, (c: GatewayClient | OperatorClient) => Promise<unknown>][] = [
      ["health", (c) => (c instanceof OperatorClient ? c.health() : c.request("health", {}))],
      ["node.list", (c) => (c instanceof OperatorClient ? c.nodeList() : c.request("node.list", {}))],
    ];
    const targets: (GatewayClient | OperatorClient)[] = [bare, ours];
    for (const [kase, fn] of cases) {
      for (const c of targets) for (let i = 0; i < WARMUP; i++) await fn(c);
      const cpu = [0, 0];
      const lat = await interleaved(targets, N_SEQ, 10, async (c) => {
        const u0 = process.cpuUsage();
        const t = now();
        await fn(c);
        const dt = now() - t;
        const u = process.cpuUsage(u0);
        cpu[targets.indexOf(c)]! += (u.user + u.system) / 1000;
        return dt;
      });
      const b = row(res, item, kase, "bare GatewayClient", "ms", lat[0]!, `client CPU ${fmt((cpu[0]! / N_SEQ) * 1000, 0)} µs/call`);
      const o = row(res, item, kase, "OperatorClient", "ms", lat[1]!, `client CPU ${fmt((cpu[1]! / N_SEQ) * 1000, 0)} µs/call`);
      ratio(res, item, kase, o, b, "p50", { max: 1.05 });
      ratio(res, item, kase, o, b, "p99");
      res.facts.push({ item, key: `${kase}: client CPU per call, OperatorClient / bare`, value: `${fmt(cpu[1]! / cpu[0]!, 3)}×` });
    }
  } finally {
    bare.stop();
    await ours.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. bulk: chat.history of a long session, raw 100 MiB through each forward

const HISTORY_SESSION = "agent:main:bench-long";

/** Seeds the main session through the gateway's own `chat.inject` (no model runs) until chat.history is ≥ 5 MB. */
async function seedHistory(p: Peers): Promise<number> {
  // Its own device: the bench device's stored token carries the narrower default scopes.
  const admin = new OperatorClient({ url: p.gw.url, token: p.gw.token, identity: createDeviceIdentity(), clientVersion: "0.0.0-bench", scopes: ["operator.read", "operator.write", "operator.admin"] });
  await admin.connect();
  try {
    // A session of its own, created without a model run (chat.inject needs an existing session).
    await admin.call("sessions.create", { key: HISTORY_SESSION, label: "KrabKrab bench: long history" }).catch((err: Error) => console.log(`[bench] sessions.create: ${err.message}`));
    const size = async () => Buffer.byteLength(JSON.stringify(await admin.call("chat.history", { sessionKey: HISTORY_SESSION, limit: 1000 })));
    let bytes = await size();
    // Rows stay under the gateway's 8,000-char display cap, so what comes back is what was stored.
    const line = "The quick brown fox jumps over the lazy dog; KrabKrab bench history row. ";
    let i = 0;
    const t0 = now();
    // ≈8.2 KB of history JSON per row: inject the estimate 4 at a time, then top up while measuring.
    const inject = () => admin.call("chat.inject", { sessionKey: HISTORY_SESSION, message: `#${++i} ${line.repeat(105)}`.slice(0, 7800) });
    let estimate = Math.max(0, Math.ceil((5_300_000 - bytes) / 8200));
    while (estimate > 0) {
      await Promise.all(Array.from({ length: Math.min(4, estimate) }, inject));
      estimate -= 4;
    }
    bytes = await size();
    while (bytes < 5_300_000 && i < 1000) {
      for (let k = 0; k < 10; k++) await inject();
      bytes = await size();
    }
    console.log(`[bench] seeded ${i} rows via chat.inject in ${fmt((now() - t0) / 1000)} s; chat.history is ${fmt(bytes / 1e6)} MB`);
    return bytes;
  } finally {
    await admin.disconnect();
  }
}

function startSink(): Promise<{ port: number; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(__dirname, "sink.bench.js")], { stdio: ["ignore", "pipe", "inherit"] });
    proc.stdout!.once("data", (b: Buffer) => resolve({ port: Number(b.toString().trim()), proc }));
    proc.once("exit", (c) => reject(new Error(`sink exited with ${c}`)));
  });
}

/** Sends a length and `bytes` of random data, waits for the sink's byte count: end-to-end delivery time. */
function transfer(port: number, bytes: number, chunk: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    let t0 = 0;
    let ack = "";
    sock.on("error", reject);
    sock.on("data", (b: Buffer) => {
      ack += b.toString();
      if (!ack.endsWith("\n")) return;
      const ms = now() - t0;
      sock.destroy();
      if (Number(ack.trim()) !== bytes) reject(new Error(`sink received ${ack.trim()} of ${bytes} bytes`));
      else resolve(ms);
    });
    sock.on("end", () => reject(new Error(`connection ended before the sink answered (${ack.trim() || "nothing"})`)));
    sock.once("connect", async () => {
      t0 = now();
      const header = Buffer.alloc(8);
      header.writeBigUInt64BE(BigInt(bytes));
      sock.write(header);
      let sent = 0;
      while (sent < bytes) {
        const c = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
        sent += c.length;
        if (!sock.write(c)) await new Promise((r) => sock.once("drain", r));
      }
    });
  });
}

/** Asks the sink for `bytes` random bytes: time until the last one arrived. */
function download(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    let t0 = 0;
    let n = 0;
    sock.on("error", reject);
    sock.on("data", (b: Buffer) => {
      n += b.length;
      if (n < bytes) return;
      const ms = now() - t0;
      sock.destroy();
      resolve(ms);
    });
    sock.on("end", () => n < bytes && reject(new Error(`connection ended after ${n} of ${bytes} bytes`)));
    sock.once("connect", () => {
      t0 = now();
      const header = Buffer.alloc(8);
      header.writeBigUInt64BE(BigInt(bytes) | (1n << 63n));
      sock.write(header);
    });
  });
}

async function benchBulk(p: Peers, res: Results) {
  const item = "3. Bulk";
  // (a) chat.history ≥ 5 MB, parsed by our facade (zod) like the extension does.
  if (want("history")) {
    const bytes = await seedHistory(p);
    res.facts.push({ item, key: "chat.history payload (JSON bytes, 1 call)", value: `${fmt(bytes / 1e6)} MB`, goal: "≥ 5 MB", met: bytes >= 5e6 });
    const { paths, close } = await openPaths(p, p.gw.port, { worker: true });
    const clients = paths.map((x) => operatorFor(p, x.url));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      for (const c of clients) await c.chatHistory({ sessionKey: HISTORY_SESSION, limit: 1000 });
      for (const busy of [false, true]) {
        const kase = `chat.history (5+ MB)${busy ? BUSY : ""}`;
        await maybeBusy(res, item, kase, busy, async () => {
          const lat = await interleaved(clients, quick ? 4 : 12, quick ? 2 : 4, async (c) => {
            const t = now();
            await c.chatHistory({ sessionKey: HISTORY_SESSION, limit: 1000 });
            return now() - t;
          });
          const rows = paths.map((x, i) => row(res, item, kase, x.name, "ms", lat[i]!, `${fmt(bytes / 1e6 / (summarize(lat[i]!).p50 / 1000), 0)} MB/s at p50`));
          const [direct, ssh2, worker, openssh] = (["direct", "ssh2", "ssh2 (worker)", "OpenSSH"] as const).map((n) => rowOf(paths, rows, n)) as [Row, Row, Row, Row];
          for (const s of [ssh2, worker]) ratio(res, item, kase, s, openssh, "p50", { max: 1.25 });
          ratio(res, item, kase, worker, ssh2, "p50");
          ratio(res, item, kase, ssh2, direct, "p50");
        });
      }
    } finally {
      await Promise.all(clients.map((c) => c.disconnect()));
      await close();
    }
  }
  if (!want("transfer")) return;
  // (b) raw transfer to a loopback sink in another process.
  const sink = await startSink();
  const { paths, close, openssh, worker } = await openPaths(p, sink.port, { worker: true });
  try {
    const total = BULK_MIB * 1024 * 1024;
    const chunk = randomBytes(64 * 1024); // random: nothing on any path can compress it
    for (const x of paths) await transfer(x.port, 8 * 1024 * 1024, chunk); // warm-up (JIT, windows)
    for (const x of paths) await download(x.port, 8 * 1024 * 1024);
    for (const busy of [false, true]) {
      for (const dir of ["upload", "download"] as const) {
        const kase = `raw ${BULK_MIB} MiB ${dir === "upload" ? "host → sink" : "sink → host"}${busy ? BUSY : ""}`;
        await maybeBusy(res, item, kase, busy, async () => {
          const cpu: Record<string, number[]> = {};
          const sshCpu: number[] = [];
          const workerCpu: number[] = [];
          const thr = await interleaved(paths, quick ? 3 : 5, quick ? 3 : 5, async (x) => {
            const w0 = x.name === "ssh2 (worker)" ? await worker!.threadCpuMs() : 0;
            const c0 = mainThreadCpuMs();
            const s0 = pidCpuMs(openssh.proc.pid!);
            const ms = dir === "upload" ? await transfer(x.port, total, chunk) : await download(x.port, total);
            (cpu[x.name] ??= []).push((mainThreadCpuMs() - c0) / BULK_MIB);
            if (x.name === "OpenSSH") sshCpu.push((pidCpuMs(openssh.proc.pid!) - s0) / BULK_MIB);
            if (x.name === "ssh2 (worker)") workerCpu.push(((await worker!.threadCpuMs()) - w0) / BULK_MIB);
            return BULK_MIB / (ms / 1000);
          });
          const rows = paths.map((x, i) =>
            row(
              res,
              item,
              kase,
              x.name,
              "MiB/s",
              thr[i]!,
              [
                // Under the synthetic load this thread's CPU is mostly the load's spinning: not shown.
                busy ? "" : `host main thread ${fmt(summarize(cpu[x.name]!).p50)} ms CPU/MiB`,
                x.name === "OpenSSH" ? `ssh process ${fmt(summarize(sshCpu).p50)} ms/MiB` : "",
                x.name === "ssh2 (worker)" ? `worker thread ${fmt(summarize(workerCpu).p50)} ms/MiB` : "",
              ]
                .filter(Boolean)
                .join("; "),
            ),
          );
          const [direct, ssh2, w, os2] = (["direct", "ssh2", "ssh2 (worker)", "OpenSSH"] as const).map((n) => rowOf(paths, rows, n)) as [Row, Row, Row, Row];
          for (const s of [ssh2, w]) {
            ratio(res, item, kase, s, os2, "p50", { min: 0.8 });
            ratio(res, item, kase, s, os2, "min", { min: 0.8 });
          }
          ratio(res, item, kase, w, ssh2, "p50");
          ratio(res, item, kase, ssh2, direct, "p50");
        });
      }
    }
  } finally {
    await close();
    sink.proc.kill("SIGTERM");
  }
}

// ---------------------------------------------------------------------------------------------
// 4. concurrency

async function benchConcurrency(p: Peers, res: Results) {
  const item = "4. 100 concurrent RPCs on one connection";
  const { paths, close } = await openPaths(p, p.gw.port);
  const clients = paths.map((x) => operatorFor(p, x.url));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const burst = async (c: OperatorClient) => {
      const t0 = now();
      const lats = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const t = now();
          await c.health();
          return now() - t;
        }),
      );
      return { total: now() - t0, max: Math.max(...lats) };
    };
    for (const c of clients) for (let i = 0; i < 3; i++) await burst(c);
    const maxes = paths.map(() => [] as number[]);
    const totals = await interleaved(clients, quick ? 6 : 20, quick ? 3 : 10, async (c) => {
      const r = await burst(c);
      maxes[clients.indexOf(c)]!.push(r.max);
      return r.total;
    });
    const tRows = paths.map((x, i) => row(res, item, "total for 100 × health", x.name, "ms", totals[i]!));
    paths.forEach((x, i) => row(res, item, "slowest of the 100", x.name, "ms", maxes[i]!));
    ratio(res, item, "total", tRows[1]!, tRows[0]!, "p50");
    ratio(res, item, "total", tRows[1]!, tRows[2]!, "p50", { max: 1.0 });
  } finally {
    await Promise.all(clients.map((c) => c.disconnect()));
    await close();
  }
}

// ---------------------------------------------------------------------------------------------
// 5. connect, reconnect

async function benchConnect(p: Peers, res: Results) {
  const item = "5. Connect (cold tunnel + handshake → hello-ok)";
  type Kind = "direct" | "ssh2" | "OpenSSH";
  const once = async (k: Kind): Promise<number> => {
    const t0 = now();
    let closeFwd: () => Promise<void> = async () => {};
    let url = p.gw.url;
    if (k === "ssh2") {
      const t = await openSsh2(p, p.gw.port);
      url = t.url;
      closeFwd = () => t.close();
    } else if (k === "OpenSSH") {
      const f = await openSshForward({ sshdPort: p.sshd.port, remotePort: p.gw.port, identityFile: p.key, knownHostsPath: p.knownHosts });
      url = `ws://127.0.0.1:${f.localPort}`;
      closeFwd = () => f.close();
    }
    const c = operatorFor(p, url);
    await c.connect();
    const ms = now() - t0;
    await c.disconnect();
    await closeFwd();
    return ms;
  };
  const kinds: Kind[] = ["direct", "ssh2", "OpenSSH"];
  for (const k of kinds) await once(k);
  const lat = await interleaved(kinds, quick ? 4 : 12, quick ? 4 : 12, (k) => once(k));
  const rows = kinds.map((k, i) => row(res, item, "to hello-ok", k === "OpenSSH" ? "OpenSSH (spawn ssh -L)" : k === "ssh2" ? "ssh2 (in-process)" : "direct (no tunnel)", "ms", lat[i]!));
  ratio(res, item, "to hello-ok", rows[1]!, rows[2]!, "p50", { max: 0.5 });
  ratio(res, item, "to hello-ok", rows[1]!, rows[2]!, "p95", { max: 0.5 });
}

async function benchReconnect(p: Peers, res: Results) {
  const item = "5b. Reconnect after a gateway restart";
  const { paths, close } = await openPaths(p, p.gw.port);
  const clients = paths.map((x) => operatorFor(p, x.url));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const back = clients.map((c) => new Promise<number>((r) => c.once("reconnected", () => r(now()))));
    const tDown = now();
    await p.gw.restart();
    const tReady = now();
    const at = await Promise.all(back.map((b) => Promise.race([b, sleep(120_000).then(() => NaN)])));
    res.facts.push({ item, key: "gateway stop → /readyz (the gateway's own restart)", value: `${fmt((tReady - tDown) / 1000)} s` });
    paths.forEach((x, i) => {
      res.facts.push({ item, key: `${x.name}: hello-ok again, after the gateway was ready`, value: `${fmt(at[i]! - tReady, 0)} ms` });
      // One sample each (a restart costs 20–40 s): shown as facts, no percentiles.
      if (!Number.isFinite(at[i]!)) res.facts.push({ item, key: `${x.name}`, value: "did not reconnect within 120 s" });
    });
  } finally {
    await Promise.all(clients.map((c) => c.disconnect()));
    await close();
  }
}

// ---------------------------------------------------------------------------------------------
// 8. memory (child process with --expose-gc; fake gateway in a worker thread, so its heap is not ours)

function benchMemory(res: Results) {
  const r = spawnSync(process.execPath, ["--expose-gc", path.join(__dirname, "memory.bench.js"), ...(quick ? ["--quick"] : [])], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`memory bench produced no result (exit ${r.status ?? r.signal}): ${r.stdout.slice(-2000)}`);
  const m = JSON.parse(line.slice(7)) as Results;
  res.rows.push(...m.rows);
  res.ratios.push(...m.ratios);
  res.facts.push(...m.facts);
}

// ---------------------------------------------------------------------------------------------

async function startPeers(): Promise<Peers> {
  const work = mkdtempSync(path.join(os.tmpdir(), "krabkrab-bench-"));
  const cleanups: Peers["cleanups"] = [() => rmSync(work, { recursive: true, force: true })];
  let gw: GatewayHandle;
  const attach = process.env.KRABKRAB_BENCH_GATEWAY_HANDLE; // development: reuse a running gateway
  if (attach) gw = attachGateway(attach);
  else {
    const model = await startModelServer({});
    cleanups.push(() => model.close());
    const t1 = Date.now();
    const token = `bench-${randomBytes(18).toString("hex")}`;
    gw = await startGateway({ token, modelBaseUrl: model.url, rootDir: path.join(work, "gateway") });
    cleanups.push(() => stopGatewayFromHandleFile(gw.handleFile));
    console.log(`[bench] real gateway ready on ${gw.url} in ${fmt((Date.now() - t1) / 1000)} s`);
  }
  const sshd = await startSshd({ rootDir: path.join(work, "sshd"), logLevel: "INFO" });
  cleanups.push(() => sshd.stop());
  const home = path.join(work, "home");
  mkdirSync(path.join(home, ".ssh"), { recursive: true, mode: 0o700 });
  const key = sshKeygen(path.join(home, ".ssh", "bench_ed25519"));
  sshd.addAuthorizedKey(readFileSync(key + ".pub", "utf8"));
  const knownHosts = path.join(home, ".ssh", "known_hosts");
  writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`, { mode: 0o600 });
  return { gw, sshd, key, knownHosts, home, identity: createDeviceIdentity(), secrets: new MemorySecretStore(), work, cleanups };
}

function machine(): Record<string, string> {
  const cpu = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  const sshV = spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr.trim();
  const sshCiphers = spawnSync("ssh", ["-F", "/dev/null", "-G", "127.0.0.1"], { encoding: "utf8" }).stdout.split("\n").find((l) => l.startsWith("ciphers "))?.slice(8).split(",")[0];
  return {
    cpu: `${cpu[0]?.model ?? "?"} × ${os.availableParallelism?.() ?? cpu.length}`,
    memory: `${fmt(os.totalmem() / 2 ** 30, 0)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    openssh: `${sshV}; client's first cipher ${sshCiphers ?? "?"}`,
    "load average at start (1/5/15 min)": load,
  };
}

async function main() {
  const t0 = Date.now();
  const res = newResults();
  const info = machine();
  console.log(`[bench] machine: ${JSON.stringify(info)}`);
  const bundleJson = process.env.KRABKRAB_BENCH_BUNDLE_JSON;
  if (want("bundle") && bundleJson && existsSync(bundleJson)) {
    const b = JSON.parse(readFileSync(bundleJson, "utf8")) as Results;
    res.facts.push(...b.facts);
  }
  const needPeers = (["rpc", "facade", "bulk", "history", "transfer", "concurrency", "connect", "firstconnect", "twogateways", "reconnect"] as Item[]).some(want);
  let peers: Peers | null = null;
  let failed = false;
  const step = async (name: Item, fn: () => Promise<void> | void) => {
    if (!want(name)) return;
    const ts = Date.now();
    try {
      await fn();
      console.log(`[bench] ${name} done in ${fmt((Date.now() - ts) / 1000)} s`);
    } catch (err) {
      failed = true;
      console.error(`[bench] ${name} FAILED: ${(err as Error)?.stack ?? err}`);
      res.skipped.push({ item: name, why: `failed: ${(err as Error)?.message ?? err}` });
    }
  };
  try {
    if (needPeers) peers = await startPeers();
    const p = peers!;
    await step("rpc", () => benchRpc(p, res));
    await step("facade", () => benchFacade(p, res));
    await step("concurrency", () => benchConcurrency(p, res));
    await step("connect", () => benchConnect(p, res));
    await step("bulk", () => benchBulk(p, res));
    if (p?.cipherSsh2) res.facts.push({ item: "0. Set-up", key: "ssh2 cipher negotiated (OpenSSH: its default, see machine line)", value: p.cipherSsh2 });
    await step("memory", () => benchMemory(res));
    await step("activation", () => benchActivation(res, quick));
    await step("firstconnect", () => benchFirstConnect(res, p.gw, quick));
    await step("twogateways", () => benchTwoGateways(res, p, quick));
    await step("webview", () => benchWebview(res, quick));
    await step("reconnect", () => benchReconnect(p, res)); // last: restarts the gateway
  } finally {
    for (const c of (peers?.cleanups ?? []).reverse()) {
      try {
        await c();
      } catch (err) {
        console.error(`[bench] cleanup: ${(err as Error).message}`);
      }
    }
  }
  const md = [
    markdown(res, "KrabKrab bench"),
    "",
    "Machine: " + Object.entries(info).map(([k, v]) => `${k}: ${v}`).join("; ") + ".",
    `Load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}. Whole run ${fmt((Date.now() - t0) / 1000, 0)} s${quick ? " (--quick)" : ""}.`,
  ].join("\n");
  console.log("\n" + md);
  const dir = path.join(repoRoot, "bench-results");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  writeFileSync(path.join(dir, `bench-${stamp}.json`), JSON.stringify({ at: new Date().toISOString(), machine: info, argv, ...res }, null, 2));
  writeFileSync(path.join(dir, `latest.md`), md + "\n");
  console.log(`\n[bench] results: bench-results/bench-${stamp}.json, bench-results/latest.md`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`[bench] ${err?.stack ?? err}`);
  process.exit(1);
});
