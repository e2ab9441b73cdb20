// 8c. Extension-host memory with two gateways connected (bench/two-gateways.bench.ts measures one cold Node
// process): the production bundles scripts/bench.mjs wrote (KRABKRAB_BENCH_PROD_EXTENSION), gateway "" direct to
// the bench's gateway, gateway "vps" to a second real gateway process through the real sshd with our tunnel in a
// worker thread. Figures are deltas from step 0 (activated), medians over cold processes, each figure on its own.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { GatewayHandle } from "../test/fixtures/gateway";
import { startGateway } from "../test/fixtures/gateway";
import type { SshdHandle } from "../test/fixtures/sshd";
import { fmt, summarize, type Results } from "./lib";
import type { TwoGatewaysArgs } from "./two-gateways.bench";

const ITEM = "8c. Extension-host memory, two gateways connected";
const repoRoot = path.resolve(__dirname, "..", "..");
const MB = 1024 * 1024;
const STEPS: [number, string][] = [
  [1, "1. core loaded (api.gateways), nothing connected"],
  [2, "2. one gateway connected (direct ws://)"],
  [2.5, "2b. + the SSH transport loaded in this thread (as openTransport does: dist/ssh-main.js), no tunnel yet"],
  [3, "3. + a second gateway through the real sshd (ssh2 tunnel in a worker thread)"],
  [4, "4. both disconnected (tunnel closed, worker gone; the bundles stay loaded)"],
];
const METRICS = ["rss", "heapUsed", "external", "arrayBuffers"] as const;
type Sample = Record<(typeof METRICS)[number], number> & { step: number };

export interface TwoGatewaysPeers {
  gw: GatewayHandle;
  sshd: SshdHandle;
  key: string;
  knownHosts: string;
  home: string;
  work: string;
  /** Where the second gateway's stop goes. */
  cleanups: (() => Promise<void> | void)[];
}

function once(prod: string, args: TwoGatewaysArgs): Sample[] {
  const script = path.join(__dirname, "two-gateways.bench.js");
  const r = spawnSync(process.execPath, ["--expose-gc", script, prod, path.join(repoRoot, "package.json"), JSON.stringify(args)], {
    encoding: "utf8",
    timeout: 120_000,
    // No agent: the tunnel authenticates with the bench's key, as a profile's identityFile does.
    env: { ...process.env, SSH_AUTH_SOCK: "" },
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`two-gateways process failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().split("\n").slice(-6).join(" | ")}`);
  return JSON.parse(line.slice(7)) as Sample[];
}

export async function benchTwoGateways(res: Results, p: TwoGatewaysPeers, quick: boolean): Promise<void> {
  const prod = process.env.KRABKRAB_BENCH_PROD_EXTENSION;
  if (!prod) throw new Error("KRABKRAB_BENCH_PROD_EXTENSION is not set: run through `npm run bench` (scripts/bench.mjs writes the production bundles)");
  // A second real gateway process, reached only through the sshd (as a VPS's gateway on its loopback).
  const t0 = Date.now();
  const gw2 = await startGateway({ token: `bench2-${randomBytes(18).toString("hex")}`, rootDir: path.join(p.work, "gateway-2"), readyTimeoutMs: 150_000 });
  p.cleanups.push(() => gw2.stop());
  console.log(`[bench] second real gateway ready on port ${gw2.port} in ${fmt((Date.now() - t0) / 1000)} s`);
  const args: TwoGatewaysArgs = {
    direct: { url: p.gw.url, token: p.gw.token },
    ssh: { sshdPort: p.sshd.port, remotePort: gw2.port, token: gw2.token, identityFile: p.key, home: p.home, knownHostsPath: p.knownHosts },
    settleMs: 1000,
  };
  const n = quick ? 3 : 7;
  const runs: Sample[][] = [];
  for (let i = 0; i < n; i++) runs.push(once(prod, args));
  const base = (r: Sample[]) => r.find((s) => s.step === 0)!;
  res.facts.push({
    item: ITEM,
    key: `0. activated, core not loaded (absolute, median of ${n}): RSS / heapUsed / external / arrayBuffers`,
    value: METRICS.map((m) => `${fmt(summarize(runs.map((r) => base(r)[m] / MB)).p50)}`).join(" / ") + " MB",
  });
  const at = (r: Sample[], step: number) => r.find((s) => s.step === step)!;
  const sign = (v: number) => `${v >= 0 ? "+" : ""}${fmt(v)}`;
  const delta = (step: number, from: (r: Sample[]) => Sample) => METRICS.map((m) => sign(summarize(runs.map((r) => (at(r, step)[m] - from(r)[m]) / MB)).p50)).join(" / ") + " MB";
  for (const [step, label] of STEPS) res.facts.push({ item: ITEM, key: `${label}: Δ RSS / Δ heapUsed / Δ external / Δ arrayBuffers from step 0, median of ${n}`, value: delta(step, base) });
  // Whether disconnecting gives back what connecting took: compared with the same code loaded, nothing connected.
  res.facts.push({ item: ITEM, key: `4 − 2b: what both connections leave behind after disconnect (same code loaded), Δ RSS / heapUsed / external / arrayBuffers, median of ${n}`, value: delta(4, (r) => at(r, 2.5)) });
  res.facts.push({
    item: ITEM,
    key: "how",
    value: "cold Node --expose-gc, production bundles, stub vscode; each step after 3× gc(), 1 s settle, 3× gc(); gc() reaches the main isolate only: the worker thread's heap is in RSS, not in heapUsed; each column's median on its own",
  });
}
