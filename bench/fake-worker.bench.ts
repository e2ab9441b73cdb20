// Worker thread for the memory bench: the project's fake gateway (test/support/fake-gateway.ts) in its
// own V8 isolate, so the history it holds and the frames it builds never count in the client's heap.
// chat.history answers HISTORY_ROWS messages whatever the limit (the real gateway caps a page at 1,000;
// this measures what the client holds for 10,000); chat.send streams status, DELTAS whole-text deltas
// and a final, like the real gateway.
import { parentPort, workerData } from "node:worker_threads";
import { FakeGateway } from "../test/support/fake-gateway";

const { historyRows, deltas } = workerData as { historyRows: number; deltas: number };
const SESSION = "agent:main:main";
const history = Array.from({ length: historyRows }, (_, i) => ({
  role: i % 2 ? "assistant" : "user",
  content: [{ type: "text", text: `Message ${i}: ${"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(5)}` }],
  timestamp: 1_700_000_000_000 + i * 1000,
}));

void (async () => {
  const gw = await FakeGateway.start({
    methods: {
      "chat.history": () => ({ sessionKey: SESSION, messages: history, hasMore: false, totalMessages: history.length, sessionInfo: { key: SESSION } }),
      "chat.send": (params, conn) => {
        const runId = String(params.idempotencyKey);
        setImmediate(() => {
          let seq = 0;
          conn.event("chat", { runId, sessionKey: SESSION, seq: seq++, state: "status", phase: "starting_model" });
          let text = "";
          for (let d = 0; d < deltas; d++) {
            text += `word${d} `.repeat(4);
            conn.event("chat", { runId, sessionKey: SESSION, seq: seq++, state: "delta", deltaText: `word${d} `, message: { role: "assistant", content: [{ type: "text", text }] } });
          }
          conn.event("chat", { runId, sessionKey: SESSION, seq, state: "final", message: { role: "assistant", content: [{ type: "text", text }] }, stopReason: "stop" });
        });
        return { runId, status: "started" };
      },
    },
  });
  parentPort!.postMessage({ url: gw.url });
})();
