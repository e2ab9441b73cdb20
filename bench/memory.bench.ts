// 8. Extension-host memory: heap growth of OperatorClient + ChatSession after loading 10,000 messages
// (of which the windowed transcript keeps the newest MAX_LIVE_ITEMS) and streaming 1,000 runs, repeated to show whether it stays flat. Run with --expose-gc (run.bench.ts
// does). The fake gateway lives in a worker thread: its own isolate, its own heap.
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ChatSession, createDeviceIdentity, MAX_LIVE_ITEMS, OperatorClient, type ChatEvent } from "../src/gateway";
import { fmt, newResults, summarize } from "./lib";

const quick = process.argv.includes("--quick");
const HISTORY = 10_000;
const RUNS = quick ? 200 : 1000;
const DELTAS = 2; // status + 2 deltas + final: each event costs O(transcript) in ChatSession (see the per-event CPU)
const REPS = 2; // each rep costs minutes on a busy 2-core box: per-event cost is O(transcript), see the facts
const MB = 1024 * 1024;

function heapMB(): number {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / MB;
}

async function main() {
  if (!(globalThis as { gc?: unknown }).gc) throw new Error("run with --expose-gc");
  const worker = new Worker(path.join(__dirname, "fake-worker.bench.js"), { workerData: { historyRows: HISTORY, deltas: DELTAS } });
  const { url } = await new Promise<{ url: string }>((r, j) => (worker.once("message", r), worker.once("error", j)));
  const client = new OperatorClient({ url, token: "bench", identity: createDeviceIdentity(), clientVersion: "0.0.0-bench" });
  await client.connect();
  const item = "8. Extension-host heap (OperatorClient + ChatSession)";
  const res = newResults();
  const base = heapMB();
  const perRep: { load: number; stream: number; after: number; loadMs: number; streamMs: number; cpuPerEventUs: number }[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let session: ChatSession | null = new ChatSession(client, "main", { historyLimit: 1000 });
    const t0 = performance.now();
    await session.open();
    const loadMs = performance.now() - t0;
    const items = session.snapshot().items.length;
    // The transcript is windowed (MAX_LIVE_ITEMS): 10,000 history rows arrive, the newest MAX_LIVE_ITEMS stay.
    if (items !== Math.min(HISTORY, MAX_LIVE_ITEMS)) throw new Error(`ChatSession holds ${items} items after open(), expected ${Math.min(HISTORY, MAX_LIVE_ITEMS)}`);
    const load = heapMB() - base;
    // Stream RUNS runs one after another, each to its final (status + DELTAS deltas + final).
    const t1 = performance.now();
    const u0 = process.cpuUsage();
    for (let r = 0; r < RUNS; r++) {
      const done = new Promise<void>((resolve) => {
        const on = (e: ChatEvent) => {
          if (e.state === "final") {
            client.off("chat", on);
            resolve();
          }
        };
        client.on("chat", on);
      });
      session.send(`bench run ${rep}.${r}`);
      await done;
    }
    const streamMs = performance.now() - t1;
    const u = process.cpuUsage(u0);
    const held = session.snapshot().items.length; // not kept: a snapshot is a full copy
    if (held !== Math.min(HISTORY + 2 * RUNS, MAX_LIVE_ITEMS)) throw new Error(`expected ${Math.min(HISTORY + 2 * RUNS, MAX_LIVE_ITEMS)} items, got ${held}`);
    const stream = heapMB() - base;
    session.dispose();
    session = null;
    const after = heapMB() - base;
    perRep.push({ load, stream, after, loadMs, streamMs, cpuPerEventUs: ((u.user + u.system) / (RUNS * (DELTAS + 2))) });
    console.error(`[memory] rep ${rep + 1}: +${fmt(load)} MB after load, +${fmt(stream)} MB after ${RUNS} runs, +${fmt(after)} MB after dispose`);
  }
  await client.disconnect();
  await worker.terminate();
  const last = perRep[perRep.length - 1]!;
  const first = perRep[0]!;
  res.facts.push({ item, key: `heap baseline (connected client, no session)`, value: `${fmt(base)} MB` });
  perRep.forEach((r, i) =>
    res.facts.push({
      item,
      key: `rep ${i + 1}: growth after ${HISTORY.toLocaleString("en")} messages → after ${RUNS} streamed runs → after dispose`,
      value: `+${fmt(r.load)} → +${fmt(r.stream)} → +${fmt(r.after)} MB`,
      goal: "≤ 30 MB",
      met: r.stream <= 30,
    }),
  );
  res.facts.push({ item, key: `flat across reps: heap after dispose, rep ${REPS} − rep 1`, value: `${fmt(last.after - first.after)} MB`, goal: "≈ 0 (< 1 MB)", met: Math.abs(last.after - first.after) < 1 });
  res.facts.push({ item, key: `flat across reps: growth with the session held, rep ${REPS} − rep 1`, value: `${fmt(last.stream - first.stream)} MB`, goal: "≈ 0 (< 2 MB)", met: Math.abs(last.stream - first.stream) < 2 });
  res.facts.push({ item, key: `time: open() with ${HISTORY.toLocaleString("en")} messages (chat.history + zod + projection), median of reps`, value: `${fmt(summarize(perRep.map((r) => r.loadMs)).p50, 0)} ms` });
  res.facts.push({ item, key: `time: ${RUNS} runs × ${DELTAS + 2} events (sequential, fake gateway), median of reps`, value: `${fmt(summarize(perRep.map((r) => r.streamMs)).p50, 0)} ms; ${fmt(summarize(perRep.map((r) => r.cpuPerEventUs)).p50, 0)} µs CPU per event` });
  console.log(`RESULT ${JSON.stringify(res)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(`[memory] ${err?.stack ?? err}`);
  process.exit(1);
});
