// Incremental markdown while a reply streams (src/webview/markdown-stream.ts), in the real chat bundle in
// Chromium: finished blocks keep their DOM nodes as deltas arrive, a fenced code block is highlighted only once
// it closes, and the end result of a stream equals rendering the whole text at once — the same text posted as a
// finished reply, which the app renders whole (setMarkdown), with the same sanitizer.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { HostMessage, TranscriptItem } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

const SESSION = "agent:main:md-stream";
const connected: HostMessage = { type: "connection", connection: { status: "connected", target: "local :18789", serverVersion: "2026.9.6" } };
const chat = (items: TranscriptItem[], activeRunId: string | null = null): HostMessage => ({ type: "chat", chat: { sessionKey: SESSION, items, hasMore: false, activeRunId } });
const patch = (upsert: TranscriptItem[], activeRunId: string | null = null): HostMessage => ({ type: "chatPatch", patch: { sessionKey: SESSION, upsert, hasMore: false, activeRunId } });
const reply = (run: string, text: string, status: TranscriptItem["status"] = "streaming"): TranscriptItem => ({ id: `run:${run}`, role: "assistant", runId: run, status, text });

// Texts whose block structure changes as they grow: where a naive splitter would diverge from a whole render.
const CASES: Record<string, string> = {
  "paragraphs, soft breaks, inline spans across lines": "First paragraph with **bold\nacross a line** and `code`.\n\nSecond paragraph,\ncontinued lazily.\n\nThird *one*.\n",
  "lists: tight turns loose, ordered from 3, nested": "- one\n- two\n\n- three after a blank line\n  - nested\n  - nested two\n\n3. three\n4. four\n\nafter the list\n",
  "table growing row by row": "| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | **6** |\n\nText after.\n",
  "nested fences (```` around ```), ~~~ around ```": "Intro.\n\n````md\n```ts\nconst inner = 1;\n```\n````\n\n~~~\n```\nnot a close\n~~~\n\nend\n",
  "fences in a list item and in a blockquote": "- item\n\n  ```python\n  def f():\n      return 1\n  ```\n- next\n\n> quote\n> ```json\n> {\"a\": 1}\n> ```\n\ndone\n",
  "setext headings across the boundary, hr vs heading": "Title\n=====\n\nSub title\n---------\n\nJust text\n\n---\n\nLine\n-\n",
  "reference definition after its use": "See [the docs][d] and [again][d].\n\nMore text.\n\n[d]: https://example.com/docs \"Docs\"\n",
  "indented code, blockquote lazy continuation, hard breaks": "Para\n\n    indented code\n    more\n\n> quoted\nlazy continuation\n\nhard  \nbreak\\\nagain\n",
  "unclosed fence at the end": "Text\n\n```ts\nconst open = true;\n",
};

describe("incremental markdown while streaming (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("chat");
    await h.post(connected);
    await h.post(chat([{ id: "u:1", role: "user", text: "hi", status: "sent" }]));
    await h.page.waitForSelector('.msg[data-id="u:1"]');
  });
  after(async () => {
    await h?.close();
  });

  /** Resolves after the app's next frame has rendered (its rAF callback runs before ours in that frame). */
  const nextFrames = () => h.page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  const waitText = (run: string, text: string) =>
    h.page.waitForFunction(([sel, t]) => document.querySelector(sel!)?.textContent?.includes(t!), [`.msg[data-run-id="${run}"] .body`, text] as const);

  test("a finished paragraph keeps its DOM node (same object) while later paragraphs stream in", async () => {
    let text = "The first paragraph is finished.\n\nThe second is being";
    await h.post(patch([reply("id1", text)], "id1"));
    await waitText("id1", "being");
    await h.page.evaluate(() => {
      const body = document.querySelector('.msg[data-run-id="id1"] .body')!;
      (window as unknown as { __first: Element; __body: Element }).__first = body.querySelector("p")!;
      (window as unknown as { __body: Element }).__body = body;
    });
    for (const more of [" written", " now.", "\n\nA third", " paragraph.\n\n- and", " a list\n- of two"]) {
      text += more;
      await h.post(patch([reply("id1", text)], "id1"));
      await nextFrames();
    }
    await waitText("id1", "of two");
    await h.post(patch([reply("id1", text, "final")]));
    await h.page.waitForSelector('.msg.final[data-run-id="id1"]');
    const r = await h.page.evaluate(() => {
      const w = window as unknown as { __first: Element; __body: Element };
      const body = document.querySelector('.msg[data-run-id="id1"] .body')!;
      return { sameBody: body === w.__body, sameFirst: body.querySelector("p") === w.__first, firstConnected: w.__first.isConnected, paragraphs: body.querySelectorAll(":scope > p").length, items: body.querySelectorAll("li").length };
    });
    assert.deepEqual(r, { sameBody: true, sameFirst: true, firstConnected: true, paragraphs: 3, items: 2 });
  });

  test("a fenced code block is plain text while open and highlighted once its closing fence arrives", async () => {
    const head = "Here is code:\n\n```ts\nconst x: number = 1;\nfunction f() { return x; }\n";
    await h.post(patch([reply("code1", head)], "code1"));
    await waitText("code1", "return x;");
    const open = await h.page.evaluate(() => {
      const block = document.querySelector('.msg[data-run-id="code1"] .codeblock')!;
      return { spans: block.querySelectorAll("code span").length, code: block.querySelector("code")!.textContent, lang: block.getAttribute("data-lang") };
    });
    assert.equal(open.spans, 0, "no highlight.js markup while the fence is open");
    assert.equal(open.code, "const x: number = 1;\nfunction f() { return x; }\n");
    assert.equal(open.lang, "ts");
    // Still open after more lines: still plain.
    await h.post(patch([reply("code1", `${head}let y = 2;\n`)], "code1"));
    await waitText("code1", "let y = 2;");
    assert.equal(await h.page.locator('.msg[data-run-id="code1"] .codeblock code span').count(), 0);
    // The closing fence arrives while the reply is still streaming: highlighted now, and kept as more text comes.
    await h.post(patch([reply("code1", `${head}let y = 2;\n\`\`\`\n`)], "code1"));
    await h.page.waitForSelector('.msg[data-run-id="code1"] .codeblock .hljs-keyword');
    await h.page.evaluate(() => ((window as unknown as { __cb: Element }).__cb = document.querySelector('.msg[data-run-id="code1"] .codeblock')!));
    await h.post(patch([reply("code1", `${head}let y = 2;\n\`\`\`\n\nAnd after the code`)], "code1"));
    await waitText("code1", "after the code");
    const kept = await h.page.evaluate(() => document.querySelector('.msg[data-run-id="code1"] .codeblock') === (window as unknown as { __cb: Element }).__cb);
    assert.equal(kept, true, "the closed, highlighted block keeps its node");
  });

  test("an unclosed fence is highlighted when the reply finishes", async () => {
    const text = "```python\ndef f():\n    return 1\n";
    await h.post(patch([reply("code2", text)], "code2"));
    await waitText("code2", "return 1");
    assert.equal(await h.page.locator('.msg[data-run-id="code2"] .codeblock code span').count(), 0);
    await h.post(patch([reply("code2", text, "final")]));
    await h.page.waitForSelector('.msg[data-run-id="code2"] .codeblock .hljs-keyword');
  });

  let n = 0;
  for (const [name, full] of Object.entries(CASES)) {
    test(`streamed in pieces, the final DOM equals a whole render: ${name}`, async () => {
      const run = `eq${n++}`;
      // Cut points at every 5th character (mid-word, mid-line, mid-fence), frames drawn in between.
      for (let at = 1; at < full.length; at += 5) {
        await h.post(patch([reply(run, full.slice(0, at))], run));
        if (at % 15 === 1) await nextFrames();
      }
      await h.post(patch([reply(run, full, "final")]));
      await h.post(patch([{ id: `whole:${run}`, role: "assistant", runId: `whole-${run}`, status: "final", text: full }]));
      await h.page.waitForSelector(`.msg.final[data-run-id="${run}"]`);
      await h.page.waitForSelector(`.msg[data-run-id="whole-${run}"] .body`);
      await nextFrames();
      const r = await h.page.evaluate((run) => ({
        streamed: document.querySelector(`.msg[data-run-id="${run}"] .body`)!.innerHTML,
        whole: document.querySelector(`.msg[data-run-id="whole-${run}"] .body`)!.innerHTML,
      }), run);
      assert.equal(r.streamed, r.whole);
    });
  }

  test("aligned table columns keep their alignment as `align` (no inline style for the CSP to refuse); ordered lists keep `start`", async () => {
    await h.post(patch([{ id: "run:align", role: "assistant", runId: "align", status: "final", text: "| a | b |\n|:--|--:|\n| 1 | 2 |\n" }]));
    await h.page.waitForSelector('.msg[data-run-id="align"] th');
    const r = await h.page.evaluate(() => [...document.querySelectorAll('.msg[data-run-id="align"] th')].map((th) => [th.getAttribute("align"), th.getAttribute("style"), getComputedStyle(th).textAlign.replace("-webkit-", "")]));
    // (Chromium computes the presentational `align` as -webkit-left/-webkit-right.)
    assert.deepEqual(r, [["left", null, "left"], ["right", null, "right"]]);
    // The same value check used to drop an ordered list's start number.
    await h.post(patch([{ id: "run:ol", role: "assistant", runId: "ol", status: "final", text: "3. three\n4. four\n" }]));
    await h.page.waitForSelector('.msg[data-run-id="ol"] ol');
    assert.equal(await h.page.getAttribute('.msg[data-run-id="ol"] ol', "start"), "3");
  });

  test("nothing was posted that failed the contract, and nothing broke the CSP", () => {
    assert.deepEqual(h.invalidFromWebview, []);
    assert.deepEqual(h.cspViolations, []);
  });
});
