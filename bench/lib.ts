// Shared helpers for the bench: statistics, ratios, Markdown tables, CPU clocks, OpenSSH `ssh -N -L`.
import { spawn, type ChildProcess } from "node:child_process";
import { canConnect, freePort } from "../test/fixtures/sshd";
import { readFileSync } from "node:fs";
import net from "node:net";

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank quantiles: every figure is a measured sample, never an interpolation. */
export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) return { n: 0, min: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { n: s.length, min: s[0]!, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export interface Row {
  item: string;
  case: string;
  path: string;
  unit: string;
  summary: Summary;
  /** Extra columns (CPU, sizes, …), already formatted. */
  notes?: string;
}

export interface Ratio {
  item: string;
  case: string;
  /** "A / B" */
  pair: string;
  metric: string;
  value: number;
  goal?: string;
  /** undefined = no goal */
  met?: boolean;
}

export interface Results {
  rows: Row[];
  ratios: Ratio[];
  /** Free-form facts per item (bundle sizes, memory, negotiated ciphers…). */
  facts: { item: string; key: string; value: string; goal?: string; met?: boolean }[];
  skipped: { item: string; why: string }[];
}

export function newResults(): Results {
  return { rows: [], ratios: [], facts: [], skipped: [] };
}

export function fmt(v: number, digits?: number): string {
  if (!Number.isFinite(v)) return "–";
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toFixed(d);
}

/** Adds the ratio A/B of one summary metric, with an optional goal `ratio <= max` or `ratio >= min`. */
export function ratio(res: Results, item: string, kase: string, a: Row, b: Row, metric: keyof Summary, goal?: { max?: number; min?: number }): Ratio {
  const value = (a.summary[metric] as number) / (b.summary[metric] as number);
  const r: Ratio = { item, case: kase, pair: `${a.path} / ${b.path}`, metric, value };
  if (goal?.max !== undefined) {
    r.goal = `≤ ${goal.max}×`;
    r.met = value <= goal.max;
  } else if (goal?.min !== undefined) {
    r.goal = `≥ ${goal.min}×`;
    r.met = value >= goal.min;
  }
  res.ratios.push(r);
  return r;
}

export function markdown(res: Results, title: string): string {
  const out: string[] = [`## ${title}`, ""];
  const items = [...new Set([...res.rows.map((r) => r.item), ...res.ratios.map((r) => r.item), ...res.facts.map((f) => f.item), ...res.skipped.map((s) => s.item)])];
  for (const item of items) {
    out.push(`### ${item}`, "");
    const rows = res.rows.filter((r) => r.item === item);
    if (rows.length) {
      out.push("| case | path | n | p50 | p95 | p99 | min | max | unit | notes |", "|---|---|--:|--:|--:|--:|--:|--:|---|---|");
      for (const r of rows) {
        const s = r.summary;
        out.push(`| ${r.case} | ${r.path} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.min)} | ${fmt(s.max)} | ${r.unit} | ${r.notes ?? ""} |`);
      }
      out.push("");
    }
    const ratios = res.ratios.filter((r) => r.item === item);
    if (ratios.length) {
      out.push("| case | ratio | metric | value | goal | met |", "|---|---|---|--:|---|---|");
      for (const r of ratios) out.push(`| ${r.case} | ${r.pair} | ${r.metric} | ${fmt(r.value, 3)}× | ${r.goal ?? ""} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`);
      out.push("");
    }
    const facts = res.facts.filter((f) => f.item === item);
    if (facts.length) {
      out.push("| what | value | goal | met |", "|---|--:|---|---|");
      for (const f of facts) out.push(`| ${f.key} | ${f.value} | ${f.goal ?? ""} | ${f.met === undefined ? "" : f.met ? "yes" : "**no**"} |`);
      out.push("");
    }
    for (const s of res.skipped.filter((x) => x.item === item)) out.push(`_skipped: ${s.why}_`, "");
  }
  return out.join("\n");
}

// ---- CPU clocks (Linux /proc; ticks are 10 ms on the usual CONFIG_HZ/USER_HZ=100) ----

const TICK_MS = 10;

/** utime+stime in ms of one thread or process from /proc, or NaN where /proc is missing. */
export function procCpuMs(statPath: string): number {
  try {
    const st = readFileSync(statPath, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** CPU of this process's main thread (the extension host's JS thread in real use). */
export function mainThreadCpuMs(): number {
  return procCpuMs(`/proc/self/task/${process.pid}/stat`);
}

export function pidCpuMs(pid: number): number {
  return procCpuMs(`/proc/${pid}/stat`);
}

// ---- misc ----

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface OpenSshForward {
  localPort: number;
  proc: ChildProcess;
  close(): Promise<void>;
}

/**
 * `ssh -N -L 127.0.0.1:<local>:127.0.0.1:<remote>` with OpenSSH's default ciphers, an argument array (no
 * shell). OpenSSH opens the local listener only after authentication, so the first accepted TCP
 * connect means the forward is ready; polled every 2 ms.
 */
export async function openSshForward(o: { sshdPort: number; remotePort: number; identityFile: string; knownHostsPath: string; extraOptions?: string[] }): Promise<OpenSshForward> {
  const localPort = await freePort();
  const args = [
    "-N",
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "ExitOnForwardFailure=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${o.knownHostsPath}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "LogLevel=ERROR",
    ...(o.extraOptions ?? []),
    "-i",
    o.identityFile,
    "-p",
    String(o.sshdPort),
    "-L",
    `127.0.0.1:${localPort}:127.0.0.1:${o.remotePort}`,
    "root@127.0.0.1",
  ];
  const proc = spawn("ssh", args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, SSH_AUTH_SOCK: "" } });
  let err = "";
  proc.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const close = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await gone;
  };
  const t0 = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`ssh -L exited with ${proc.exitCode}: ${err.trim()}`);
    if (await canConnect(localPort)) return { localPort, proc, close };
    if (Date.now() - t0 > 20_000) {
      await close();
      throw new Error(`ssh -L did not listen within 20 s: ${err.trim()}`);
    }
    await sleep(2);
  }
}
