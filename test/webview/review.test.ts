// "Review changes" in the chat transcript, in real Chromium with the built bundle: a button under each
// finished, successful file-tool card (edit, write, apply_patch) — not under other tools, failed or running
// calls, or calls that changed nothing — and one for the whole reply when it changed files more than once;
// each reachable from the keyboard and sending the host the call or run to review.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { ToolCard, TranscriptItem } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

const card = (toolCallId: string, name: string, extra: Partial<ToolCard> = {}): ToolCard => ({ toolCallId, name, args: { path: "notes.txt" }, result: { content: [], details: { changed: true } }, phase: "result", ...extra });

describe("Review changes buttons (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("chat");
    await h.post({ type: "connection", connection: { status: "connected" } });
  });
  after(async () => {
    await h?.close();
  });

  const reply = (tools: ToolCard[], id = "run:r1", runId = "r1"): TranscriptItem => ({ id, role: "assistant", runId, status: "final", text: "Done.", tools });
  const post = (items: TranscriptItem[]) => h.post({ type: "chat", chat: { sessionKey: "agent:main:main", items, hasMore: false, activeRunId: null } });

  test("only finished, successful file-tool cards that changed something get a button; the reply gets one for all", async () => {
    await post([
      reply([
        card("w1", "write"),
        card("e1", "edit"),
        card("x1", "exec", { args: { command: "ls" } }),
        card("e2", "edit", { isError: true, result: "Could not find the exact text" }),
        card("e3", "edit", { phase: "start", result: undefined }),
        card("e4", "edit", { result: { details: { changed: false } } }),
        card("p1", "apply_patch", { args: { input: "*** Begin Patch\n*** End Patch" } }),
      ]),
    ]);
    await h.page.waitForSelector(".review-bar");
    const dom = await h.page.evaluate(() => [...document.querySelectorAll('.msg[data-run-id="r1"] > *')].map((el) => (el.classList.contains("tool-card") ? `card:${(el as HTMLElement).dataset.toolCallId}` : el.classList.contains("review-bar") ? `review:${(el as HTMLElement).dataset.key}` : el.className)));
    assert.deepEqual(dom.filter((d) => d.startsWith("card:") || d.startsWith("review:")), ["card:w1", "review:t:w1", "card:e1", "review:t:e1", "card:x1", "card:e2", "card:e3", "card:e4", "card:p1", "review:t:p1", "review:r:r1"]);
    assert.match((await h.page.textContent('.review-bar[data-key="r:r1"]')) ?? "", /Review all 3 changes/);
    assert.equal(await h.page.getAttribute('.review-bar[data-key="t:e1"] vscode-button', "aria-label"), "Review the changes of edit in the diff editor");
  });

  test("a button asks the host to review that call (from the keyboard: focused, Enter); the reply's asks for the run", async () => {
    const n = h.received.length;
    await h.page.focus('.review-bar[data-key="t:e1"] vscode-button');
    await h.page.keyboard.press("Enter");
    const one = await h.waitFor("reviewChanges for the call", () => h.received.slice(n).find((m) => m.type === "reviewChanges"));
    assert.deepEqual(one, { type: "reviewChanges", requestId: (one as { requestId: number }).requestId, toolCallId: "e1" });
    const m = h.received.length;
    await h.page.click('.review-bar[data-key="r:r1"] vscode-button');
    const run = await h.waitFor("reviewChanges for the run", () => h.received.slice(m).find((x) => x.type === "reviewChanges"));
    assert.equal((run as { runId?: string }).runId, "r1");
  });

  test("the host's error shows in the error bar; the buttons survive re-renders of a streaming reply", async () => {
    h.onRequest((r) => {
      if (r.type === "reviewChanges") throw new Error("No file changes to review.");
      return undefined;
    });
    await h.page.click('.review-bar[data-key="t:w1"] vscode-button');
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /No file changes to review/);
    await h.page.click("#error-dismiss");
    // A streaming reply re-renders every frame: the same button element stays.
    await post([{ ...reply([card("s1", "write")], "run:s", "s"), status: "streaming" }]);
    await h.page.waitForSelector('.review-bar[data-key="t:s1"]');
    await h.page.evaluate(() => ((document.querySelector('.review-bar[data-key="t:s1"]') as HTMLElement & { __mark?: number }).__mark = 1));
    for (let i = 0; i < 5; i++) await h.post({ type: "chatPatch", patch: { sessionKey: "agent:main:main", upsert: [{ ...reply([card("s1", "write")], "run:s", "s"), status: "streaming", text: `Done ${i}` }], hasMore: false, activeRunId: "s" } });
    await h.waitForRendered((r) => r.lastText === "Done 4");
    assert.equal(await h.page.evaluate(() => (document.querySelector('.review-bar[data-key="t:s1"]') as HTMLElement & { __mark?: number }).__mark), 1);
  });
});
