// Agent question cards in the chat webview, in real Chromium, with a stand-in host speaking the real
// contract: options as buttons, free text, multi-select, skip, the answered state — all by keyboard, each
// control labelled — and streaming that goes on while a question is open.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { HostMessage, QuestionView } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

const single: QuestionView = {
  id: "ask_1",
  runId: "r1",
  status: "pending",
  items: [{ questionId: "target", header: "Target", question: "Where to deploy?", options: [{ label: "Staging" }, { label: "Production", description: "live users" }], multiSelect: false, freeText: true, secret: false }],
};
const questions = (qs: QuestionView[]): HostMessage => ({ type: "questions", sessionKey: "main", questions: qs });

describe("agent questions in the chat webview (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("chat");
    await h.post({ type: "connection", connection: { status: "connected", target: "local :18789" } });
    await h.post({ type: "chat", chat: { sessionKey: "agent:main:main", items: [], hasMore: false, activeRunId: null } });
    h.onRequest((r) => (r.type === "answerQuestion" || r.type === "skipQuestion" ? {} : undefined));
  });
  after(async () => {
    await h?.close();
  });

  test("a single-choice question: the options are labelled buttons; Enter on one answers with its label", async () => {
    await h.post(questions([single]));
    await h.page.waitForSelector(".question-card.pending");
    assert.equal(await h.page.textContent(".question-card .question-text"), "Where to deploy?");
    assert.equal(await h.page.getAttribute("#questions", "aria-label"), "Agent questions");
    const labels = await h.page.$$eval(".question-card button, .question-card input", (els) => els.map((e) => e.getAttribute("aria-label")));
    assert.ok(labels.every((l) => l && l.length > 0), `every control is labelled: ${JSON.stringify(labels)}`);
    const n = h.received.length;
    await h.page.focus('.question-option[aria-label^="Answer: Production"]');
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("answerQuestion", () => h.received.slice(n).find((m) => m.type === "answerQuestion"));
    assert.deepEqual(sent, { type: "answerQuestion", requestId: (sent as { requestId: number }).requestId, id: "ask_1", answers: { target: ["Production"] } });
    assert.deepEqual(h.invalidFromWebview, []);
  });

  test("free text: typed answer + Enter is sent; Skip by keyboard sends skipQuestion", async () => {
    await h.post(questions([{ ...single, id: "ask_2" }]));
    await h.page.waitForSelector('.question-card[data-question-id="ask_2"]');
    let n = h.received.length;
    await h.page.focus(".question-input");
    await h.page.keyboard.type("Somewhere else");
    await h.page.keyboard.press("Enter");
    const typed = await h.waitFor("typed answer", () => h.received.slice(n).find((m) => m.type === "answerQuestion"));
    assert.deepEqual((typed as { answers: unknown }).answers, { target: ["Somewhere else"] });
    n = h.received.length;
    await h.page.focus(".question-skip");
    await h.page.keyboard.press("Space");
    const skip = await h.waitFor("skip", () => h.received.slice(n).find((m) => m.type === "skipQuestion"));
    assert.equal((skip as { id: string }).id, "ask_2");
  });

  test("multi-select and several questions: choices toggle (aria-pressed) and Send answers sends them together", async () => {
    const multi: QuestionView = {
      id: "ask_3",
      status: "pending",
      items: [
        { questionId: "envs", question: "Which environments?", options: [{ label: "A" }, { label: "B" }, { label: "C" }], multiSelect: true, freeText: true, secret: false },
        { questionId: "note", question: "Anything else?", options: [], multiSelect: false, freeText: true, secret: false },
      ],
    };
    await h.post(questions([multi]));
    await h.page.waitForSelector('.question-card[data-question-id="ask_3"]');
    await h.page.focus('.question-option[aria-label="Choose: A"]');
    await h.page.keyboard.press("Enter");
    await h.page.focus('.question-option[aria-label="Choose: C"]');
    await h.page.keyboard.press("Enter");
    assert.equal(await h.page.getAttribute('.question-option[aria-label="Choose: A"]', "aria-pressed"), "true");
    assert.equal(await h.page.getAttribute('.question-option[aria-label="Choose: B"]', "aria-pressed"), "false");
    await h.page.focus('.question-input[aria-label="Your answer to: Anything else?"]');
    await h.page.keyboard.type("ship it");
    const n = h.received.length;
    await h.page.focus(".question-send");
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("answers", () => h.received.slice(n).find((m) => m.type === "answerQuestion"));
    assert.deepEqual((sent as { answers: unknown }).answers, { envs: ["A", "C"], note: ["ship it"] });
  });

  test("streaming goes on under an open question; an answered question shows its answer and no controls", async () => {
    await h.post(questions([single]));
    await h.post({ type: "chatPatch", patch: { sessionKey: "agent:main:main", upsert: [{ id: "run:x", role: "assistant", runId: "x", status: "streaming", text: "still streaming here" }], hasMore: false, activeRunId: "x" } });
    await h.page.waitForFunction(() => document.body.innerText.includes("still streaming here"));
    assert.ok(await h.page.$(".question-card.pending"), "the question stays open");
    await h.post(questions([{ ...single, status: "answered", answers: { target: ["Production"] } }]));
    await h.page.waitForSelector(".question-card.answered");
    assert.equal(await h.page.textContent(".question-card .question-answer"), "Production");
    assert.equal(await h.page.$$eval(".question-card button, .question-card input", (e) => e.length), 0);
    await h.post(questions([]));
    await h.page.waitForSelector("#questions", { state: "hidden" });
  });
});
