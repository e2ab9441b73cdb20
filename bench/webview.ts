// 7. The built chat webview (dist/webview/main-chat.js) in real headless Chromium, loaded by the webview tests'
// harness (the extension's HTML shell and CSP, a stand-in host speaking the real contract). All timing runs in
// the page: host messages are posted with window.postMessage as VS Code delivers them, so CDP round trips
// never fall inside a measurement.
//   first paint: post the `chat` state of N messages → end of the first frame whose DOM holds its rows. The app
//     renders in requestAnimationFrame; a MessageChannel task posted from the MutationObserver that sees the rows
//     runs after that frame's style, layout and paint, so it marks "painted".
//   streaming: 200 deltas/s (each the whole text so far, as the host sends) for 20 s (--quick: 5 s) at the end of
//     a 1,000-message history; long tasks from PerformanceObserver('longtask'); event-to-paint per delta = post
//     time → "painted" mark of the frame that first drew it; rAF timestamps give the frame intervals (dropped frames).
//   heap: CDP Runtime.getHeapUsage after a forced GC (HeapProfiler.collectGarbage).
import type { HostMessage, TranscriptItem } from "../src/shared/contract";
import { openWebview } from "../test/support/webview-harness";
import { fmt, summarize, type Results } from "./lib";

const ITEM = "7. Webview render (real Chromium)";

const history = (tag: string, n: number): TranscriptItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${tag}:${i}`,
    role: i % 2 ? "assistant" : "user",
    // Markdown on every assistant row, a code block on some: the renderer does real work per row.
    text: i % 2 ? `Answer **${i}**: see \`item ${i}\`.${i % 10 === 1 ? "\n\n```ts\nconst x = " + i + ";\n```" : ""}` : `question number ${i}`,
    status: i % 2 ? "final" : "sent",
  }));

const chatMsg = (sessionKey: string, items: TranscriptItem[]): HostMessage => ({ type: "chat", chat: { sessionKey, items, hasMore: false, activeRunId: null } });

export async function benchWebview(res: Results, quick: boolean): Promise<void> {
  const h = await openWebview("chat");
  try {
    const cdp = await h.context.newCDPSession(h.page);
    const heapMB = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      const u = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
      return u.usedSize / 1024 / 1024;
    };
    await h.post({ type: "connection", connection: { status: "connected", target: "local :18789", serverVersion: "2026.9.6" } });
    const heap0 = await heapMB();

    // ---- first paint, 1,000 and 10,000 messages, interleaved; each sample a new session (a cold list) ----
    const reps = quick ? 3 : 10;
    const paint: Record<number, number[]> = { 1000: [], 10000: [] };
    const rowsAtPaint: Record<number, number[]> = { 1000: [], 10000: [] };
    for (let r = 0; r < reps + 1; r++) {
      for (const n of r % 2 ? [1000, 10000] : [10000, 1000]) {
        const tag = `s${r}n${n}`;
        // Hand the state to the page first, so only the page-side post → paint is timed.
        await h.page.evaluate((m) => void ((window as unknown as { __next: unknown }).__next = m), chatMsg(`agent:main:${tag}`, history(tag, n)) as object);
        const out = await h.page.evaluate((tag) => {
          return new Promise<{ ms: number; rows: number }>((resolve) => {
            const content = document.getElementById("vl-content")!;
            const ch = new MessageChannel();
            let t0 = 0;
            let rows = 0;
            ch.port1.onmessage = () => resolve({ ms: performance.now() - t0, rows });
            const mo = new MutationObserver(() => {
              rows = content.querySelectorAll(`[data-id^="${tag}:"]`).length;
              if (rows === 0) return;
              mo.disconnect();
              ch.port2.postMessage(0);
            });
            mo.observe(content, { childList: true, subtree: true });
            t0 = performance.now();
            window.postMessage((window as unknown as { __next: unknown }).__next, "*");
          });
        }, tag);
        if (r > 0) (paint[n]!.push(out.ms), rowsAtPaint[n]!.push(out.rows)); // round 0: warm-up (JIT, fonts)
        await h.page.evaluate(() => new Promise((r) => setTimeout(r, 300))); // let the list settle between samples
      }
    }
    for (const n of [1000, 10000]) {
      const r = { item: ITEM, case: `first paint, ${n.toLocaleString("en")} messages (post → end of first frame with rows)`, path: "Chromium (headless)", unit: "ms", summary: summarize(paint[n]!), notes: `${fmt(summarize(rowsAtPaint[n]!).p50, 0)} rows in the DOM` };
      res.rows.push(r);
      res.facts.push({ item: ITEM, key: `first paint of ${n.toLocaleString("en")} messages, p95`, value: `${fmt(r.summary.p95)} ms`, goal: "≤ 100 ms", met: r.summary.p95 <= 100 });
    }
    const heapAfterHistory = await heapMB();

    // ---- streaming 200 deltas/s at the end of a 1,000-message history ----
    const seconds = quick ? 5 : 20;
    await h.post(chatMsg("agent:main:stream", history("st", 1000)));
    await h.page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    const s = await h.page.evaluate(
      ({ seconds, rate }) => {
        return new Promise<{ lat: number[]; longTasks: number[]; frames: number; sent: number; gaps: number[] }>((resolve) => {
          const content = document.getElementById("vl-content")!;
          const longTasks: number[] = [];
          const po = new PerformanceObserver((l) => {
            for (const e of l.getEntries()) longTasks.push(e.duration);
          });
          po.observe({ type: "longtask" });
          const posted: number[] = []; // post time of delta i
          let received = 0; // deltas whose message event has run (the app's listener runs before ours)
          let drawn = 0; // deltas already counted as painted
          const lat: number[] = [];
          let frames = 0;
          // rAF timestamps of every frame during the stream: the gaps show dropped frames directly.
          const gaps: number[] = [];
          let lastTs = 0;
          let streaming = true;
          const onFrame = (ts: number) => {
            if (lastTs) gaps.push(ts - lastTs);
            lastTs = ts;
            if (streaming) requestAnimationFrame(onFrame);
          };
          requestAnimationFrame(onFrame);
          const onMsg = (e: MessageEvent) => {
            if ((e.data as { type?: string })?.type === "chatPatch") received++;
          };
          window.addEventListener("message", onMsg);
          const ch = new MessageChannel();
          let pending: number[] = [];
          ch.port1.onmessage = () => {
            const t = performance.now();
            for (const i of pending) lat.push(t - posted[i]!);
            pending = [];
          };
          // The app re-renders the streaming row inside its rAF callback: the mutation marks which deltas
          // that frame drew; the MessageChannel task after it marks the frame's end (after paint).
          const mo = new MutationObserver(() => {
            if (received <= drawn) return;
            for (let i = drawn; i < received; i++) pending.push(i);
            drawn = received;
            frames++;
            ch.port2.postMessage(0);
          });
          mo.observe(content, { childList: true, subtree: true, characterData: true });
          const words: string[] = [];
          const total = seconds * rate;
          const t0 = performance.now();
          const tick = () => {
            // Post every delta that is due by now (timers are clamped to ≥ 4 ms; 200/s is one per 5 ms).
            const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
            while (posted.length < due) {
              words.push(`w${posted.length}`);
              posted.push(performance.now());
              const msg = { type: "chatPatch", patch: { sessionKey: "agent:main:stream", upsert: [{ id: "run:bench", role: "assistant", runId: "bench", status: "streaming", text: words.join(" ") }], hasMore: false, activeRunId: "bench" } };
              window.postMessage(msg, "*");
            }
            if (posted.length < total) setTimeout(tick, 5);
            else
              setTimeout(() => {
                streaming = false;
                mo.disconnect();
                po.disconnect();
                window.removeEventListener("message", onMsg);
                resolve({ lat, longTasks, frames, sent: posted.length, gaps });
              }, 500);
          };
          tick();
        });
      },
      { seconds, rate: 200 },
    );
    const ls = summarize(s.lat);
    res.rows.push({ item: ITEM, case: `stream 200 deltas/s × ${seconds} s (1,000-message history): delta posted → end of the frame that drew it`, path: "Chromium (headless)", unit: "ms", summary: ls, notes: `${s.sent} deltas in ${s.frames} frames (${fmt(s.frames / seconds, 0)}/s)` });
    const gs = summarize(s.gaps);
    res.rows.push({ item: ITEM, case: "stream: interval between frames (requestAnimationFrame timestamps)", path: "Chromium (headless)", unit: "ms", summary: gs, notes: `${s.gaps.filter((g) => g > 50).length} gaps > 50 ms; ${s.gaps.filter((g) => g > 17.5).length} > 1 frame` });
    res.facts.push({ item: ITEM, key: `stream: long tasks > 50 ms (PerformanceObserver 'longtask')${s.longTasks.length ? `, longest ${fmt(Math.max(...s.longTasks), 0)} ms` : ""}`, value: String(s.longTasks.length), goal: "0", met: s.longTasks.length === 0 });
    res.facts.push({ item: ITEM, key: "stream: event-to-paint p95", value: `${fmt(ls.p95)} ms`, goal: "≤ 16 ms", met: ls.p95 <= 16 });
    const heapAfterStream = await heapMB();
    res.facts.push({ item: ITEM, key: "JS heap (CDP Runtime.getHeapUsage after GC): loaded shell → after the first-paint samples → after the stream", value: `${fmt(heap0)} → ${fmt(heapAfterHistory)} → ${fmt(heapAfterStream)} MB` });
    if (h.invalidFromWebview.length) res.facts.push({ item: ITEM, key: "invalid messages from the webview (must be none)", value: String(h.invalidFromWebview.length) });
    await cdp.detach();
  } finally {
    await h.close();
  }
}
