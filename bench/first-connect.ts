// 6c. First connect after activation (bench/first-connect.bench.ts does one, in a cold Node process): the
// production bundles scripts/bench.mjs wrote (KRABKRAB_BENCH_PROD_EXTENSION), against the bench's real gateway.
// KRABKRAB_BENCH_FIRSTCONNECT_BASELINE may name another dist/extension.js (e.g. a saved single-bundle build):
// it then runs interleaved with ours, sample by sample, so both see the same machine load.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fmt, summarize, type Results } from "./lib";

const ITEM = "6c. First connect after activation";
const repoRoot = path.resolve(__dirname, "..", "..");

interface One {
  activateMs: number;
  coreLoadMs: number;
  connectMs: number;
  totalMs: number;
}

function once(bundle: string, gw: { url: string; token: string }): One {
  const script = path.join(__dirname, "first-connect.bench.js");
  const r = spawnSync(process.execPath, [script, bundle, path.join(repoRoot, "package.json"), gw.url, gw.token], { encoding: "utf8", timeout: 60_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`first connect with ${bundle} failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-4).join(" | ")}`);
  return JSON.parse(line.slice(7)) as One;
}

export function benchFirstConnect(res: Results, gw: { url: string; token: string }, quick: boolean): void {
  const ours = process.env.KRABKRAB_BENCH_PROD_EXTENSION;
  if (!ours) throw new Error("KRABKRAB_BENCH_PROD_EXTENSION is not set: run through `npm run bench` (scripts/bench.mjs writes the production bundles)");
  const baseline = process.env.KRABKRAB_BENCH_FIRSTCONNECT_BASELINE;
  const bundles: [string, string][] = [["ours", ours], ...(baseline ? [["baseline", baseline] as [string, string]] : [])];
  const n = quick ? 10 : 30;
  const samples = new Map<string, One[]>(bundles.map(([k]) => [k, []]));
  once(ours, gw); // warms the gateway (and the OS file cache) for both
  for (let i = 0; i < n; i++) {
    // Alternate which goes first, so drift in load hits both alike.
    const order = i % 2 ? [...bundles].reverse() : bundles;
    for (const [k, b] of order) samples.get(k)!.push(once(b, gw));
  }
  for (const [k, b] of bundles) {
    const xs = samples.get(k)!;
    const label = k === "ours" ? "this build" : `baseline ${path.basename(path.dirname(b))}/${path.basename(b)}`;
    const row = (kase: string, f: (o: One) => number, notes?: string) => res.rows.push({ item: ITEM, case: `${kase} — ${label}`, path: "cold Node, stub vscode, real gateway (direct ws)", unit: "ms", summary: summarize(xs.map(f)), notes });
    row("load + activate()", (o) => o.activateMs);
    row("core load on first need (api.connections)", (o) => o.coreLoadMs);
    row("connect → hello-ok", (o) => o.connectMs);
    row("total: start → first hello-ok", (o) => o.totalMs, `${n} cold processes${baseline ? ", interleaved with the other build" : ""}`);
  }
  const t = (k: string) => summarize(samples.get(k)!.map((o) => o.totalMs)).p50;
  if (baseline) res.facts.push({ item: ITEM, key: "first connect after activation (load + activate + core load + hello-ok), median: this build vs baseline, same starts", value: `${fmt(t("ours"))} ms vs ${fmt(t("baseline"))} ms`, goal: "no slower than the single bundle", met: t("ours") <= t("baseline") * 1.05 });
  else res.facts.push({ item: ITEM, key: `first connect after activation (load + activate + core load + hello-ok), median of ${n}`, value: `${fmt(t("ours"))} ms` });
}
