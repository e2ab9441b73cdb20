// Load: a burst of 15,000 chat events (3,000 runs streamed as 4 deltas + a final each, the equivalent of a
// long, busy session) from an in-process gateway into one ChatSession. The client keeps up (every event is
// handled before a round trip behind it answers), memory stays bounded (the transcript is windowed at
// MAX_LIVE_ITEMS), and no final message inside the window is lost or duplicated.
import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ChatSession, createDeviceIdentity, MAX_LIVE_ITEMS, OperatorClient } from "../../src/gateway";
import { FakeGateway } from "../support/fake-gateway";

const SESSION = "agent:main:load";
const RUNS = 3_000;
const DELTAS = 4;
const fakes: FakeGateway[] = [];
const clients: OperatorClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await Promise.all(fakes.map((f) => f.close()));
});

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

test(`${RUNS * (DELTAS + 1)} chat events: kept up with, memory bounded, no final lost`, { timeout: 120_000 }, async () => {
  const fake = await FakeGateway.start({
    methods: {
      health: () => ({ ok: true }),
      "chat.history": () => ({ sessionKey: SESSION, messages: [], sessionInfo: { key: SESSION } }),
    },
  });
  fakes.push(fake);
  const client = new OperatorClient({ url: fake.url, token: "load-token", identity: createDeviceIdentity(), clientVersion: "0.0.0-test" });
  clients.push(client);
  await client.connect();
  const chat = new ChatSession(client, "load");
  await chat.open();
  let changes = 0;
  chat.on("change", () => changes++);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const conn = fake.last;
  const t0 = performance.now();
  const body = "lorem ipsum dolor sit amet ".repeat(8);
  for (let r = 0; r < RUNS; r++) {
    const runId = `run-${r}`;
    let seq = 0;
    for (let d = 1; d <= DELTAS; d++) conn.event("chat", { runId, sessionKey: SESSION, seq: ++seq, state: "delta", message: { role: "assistant", content: [{ type: "text", text: `${r}: ${body.slice(0, (body.length * d) / DELTAS)}` }] } });
    conn.event("chat", { runId, sessionKey: SESSION, seq, state: "final", message: { role: "assistant", content: [{ type: "text", text: `${r}: ${body}` }] } });
    if (r % 500 === 499) assert.equal((await client.health()).ok, true); // the client has handled everything sent so far
  }
  assert.equal((await client.health()).ok, true);
  const ms = performance.now() - t0;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const snap = chat.snapshot();
  const finals = snap.items.filter((i) => i.role === "assistant" && i.status === "final");
  console.log(`${RUNS * (DELTAS + 1)} events in ${(ms / 1000).toFixed(1)} s (${Math.round((RUNS * (DELTAS + 1)) / (ms / 1000))}/s), ${changes} changes, heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB, ${snap.items.length} items kept`);
  assert.equal(snap.items.length, MAX_LIVE_ITEMS, "the transcript is windowed");
  assert.equal(snap.hasMore, true, "older items are reachable through history");
  assert.equal(finals.length, MAX_LIVE_ITEMS, "every run inside the window ended final");
  const ids = finals.map((i) => i.runId);
  assert.equal(new Set(ids).size, ids.length, "no duplicated run");
  assert.deepEqual(ids.slice(-3), [`run-${RUNS - 3}`, `run-${RUNS - 2}`, `run-${RUNS - 1}`]);
  assert.equal(finals.at(-1)!.text, `${RUNS - 1}: ${body}`);
  assert.ok(heapAfter - heapBefore < 30 * 2 ** 20, `heap grew ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB`);
});
