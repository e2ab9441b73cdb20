// @-mentions in the chat composer, in real Chromium with the built bundles under the extension's CSP: the
// list loads on the first "@" (its own script, main-mentions.js, allowed by the page's nonce), filters as
// you type, is driven by the keyboard (↑/↓ wrap, Enter/Tab take, Escape closes without stopping a run), puts
// "@path" in the text and the content in a chip with its size, and the context goes with the next message.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { HostMessage, MentionItem, TranscriptItem } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

const FILES = ["src/webview/chat-app.ts", "src/webview/composer.ts", "src/extension/review/change-review.ts", "README.md"];
const CONTENT: Record<string, string> = { "README.md": "# KrabKrab\n\nThe readme.\n" };
const connected: HostMessage = { type: "connection", connection: { status: "connected", target: "local :18789" }, policy: { maxBytes: 4096, maxPayload: 1_000_000 } };

describe("@-mentions in the composer (Chromium)", () => {
  let h: Harness;
  const searches: string[] = [];
  before(async () => {
    h = await openWebview("chat");
    h.onRequest((r) => {
      if (r.type === "mentionSearch") {
        searches.push(r.query);
        const [path, lines] = r.query.split("#L");
        const range = lines ? { start: Number(lines.split("-")[0]), end: Number(lines.split("-")[1] ?? lines.split("-")[0]) } : undefined;
        const items: MentionItem[] = FILES.filter((f) => f.toLowerCase().includes((path ?? "").toLowerCase())).map((f) => ({ kind: "file", label: `${f}${lines ? `#L${lines}` : ""}`, ref: `file:///w/${f}`, range }));
        return { items: r.query === "" ? [{ kind: "selection", label: "src/a.ts#L3-4", ref: "file:///w/src/a.ts", range: { start: 3, end: 4 }, detail: "Selection" }, ...items] : items };
      }
      if (r.type === "mentionResolve") {
        const f = r.ref.replace("file:///w/", "");
        const text = CONTENT[f] ?? `// ${f}\n`.repeat(r.range ? r.range.end - r.range.start + 1 : 40);
        return { label: `${f}${r.range ? `#L${r.range.start}-${r.range.end}` : ""}`, text, language: "ts" };
      }
      return undefined;
    });
    await h.post(connected);
  });
  after(async () => {
    await h?.close();
  });

  const popup = () => h.page.evaluate(() => {
    const list = document.getElementById("mention-list");
    return {
      open: !!list && !list.hidden,
      labels: [...(list?.querySelectorAll(".mention-option .mention-label") ?? [])].map((e) => e.textContent),
      active: list?.querySelector('.mention-option[aria-selected="true"] .mention-label')?.textContent ?? null,
      activedescendant: document.getElementById("input")?.getAttribute("aria-activedescendant") ?? null,
      expanded: document.getElementById("input")?.getAttribute("aria-expanded") ?? null,
    };
  });
  const value = () => h.page.inputValue("#input");

  test("the first @ loads the list's script (same nonce, no CSP violation) and offers the selection and files", async () => {
    await h.page.click("#input");
    await h.page.keyboard.type("Look at @");
    await h.page.waitForSelector("#mention-list:not([hidden]) .mention-option");
    const p = await popup();
    assert.equal(p.labels[0], "src/a.ts#L3-4", "the selection comes first");
    assert.equal(p.active, "src/a.ts#L3-4");
    assert.equal(p.expanded, "true");
    assert.equal(p.activedescendant, "mention-0");
    assert.ok(h.lateRequests.some((u) => u.endsWith("/main-mentions.js")), `main-mentions.js was loaded on demand: ${JSON.stringify(h.lateRequests)}`);
    assert.deepEqual(h.cspViolations, []);
    assert.deepEqual(await h.page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), []);
  });

  test("typing filters (through the host's search); ↑/↓ move and wrap; Enter takes the mention instead of sending", async () => {
    await h.page.keyboard.type("webview");
    await h.page.waitForFunction(() => document.querySelectorAll("#mention-list .mention-option").length === 2);
    assert.ok(searches.includes("webview"), `searched for the typed text: ${JSON.stringify(searches)}`);
    assert.deepEqual((await popup()).labels, ["src/webview/chat-app.ts", "src/webview/composer.ts"]);
    await h.page.keyboard.press("ArrowDown");
    assert.equal((await popup()).active, "src/webview/composer.ts");
    assert.equal((await popup()).activedescendant, "mention-1");
    await h.page.keyboard.press("ArrowDown");
    assert.equal((await popup()).active, "src/webview/chat-app.ts", "↓ on the last wraps to the first");
    await h.page.keyboard.press("ArrowUp");
    assert.equal((await popup()).active, "src/webview/composer.ts", "↑ on the first wraps to the last");
    const n = h.received.length;
    await h.page.keyboard.press("Enter");
    await h.page.waitForSelector(".chip >> text=src/webview/composer.ts");
    assert.equal(await value(), "Look at @src/webview/composer.ts ");
    assert.equal((await popup()).open, false);
    assert.equal(h.received.slice(n).filter((m) => m.type === "send").length, 0, "Enter took the mention; nothing was sent");
    const resolve = h.received.slice(n).find((m) => m.type === "mentionResolve");
    assert.ok(resolve && resolve.type === "mentionResolve" && resolve.ref === "file:///w/src/webview/composer.ts");
    // The chip shows the mention's size.
    assert.equal(await h.page.getAttribute(".chip:has-text('src/webview/composer.ts')", "title"), "1.1 KB");
    const shown = await h.page.evaluate(() => getComputedStyle(document.querySelector(".chip")!, "::after").content);
    assert.equal(shown, '"1.1 KB"');
  });

  test("a line range (@file#L10-20) and Tab; Escape closes the list without stopping the running reply", async () => {
    await h.page.keyboard.type("and @readme#L1-2");
    await h.page.waitForFunction(() => [...document.querySelectorAll("#mention-list .mention-label")].map((e) => e.textContent).join() === "README.md#L1-2");
    await h.page.keyboard.press("Tab");
    await h.page.waitForSelector(".chip >> text=README.md#L1-2");
    assert.equal(await value(), "Look at @src/webview/composer.ts and @README.md#L1-2 ");
    const running: TranscriptItem = { id: "run:x", role: "assistant", runId: "x", status: "streaming", text: "working" };
    await h.post({ type: "chat", chat: { sessionKey: "agent:main:main", items: [running], hasMore: false, activeRunId: "x" } });
    await h.page.waitForSelector("#stop:not([hidden])");
    const n = h.received.length;
    await h.page.keyboard.type("@");
    await h.page.waitForSelector("#mention-list:not([hidden])");
    await h.page.keyboard.press("Escape");
    assert.equal((await popup()).open, false);
    assert.equal((await popup()).expanded, "false");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(h.received.slice(n).filter((m) => m.type === "abort").length, 0, "Escape closed the list only");
    // With the list closed, Escape is the composer's again: it stops the run.
    await h.page.keyboard.press("Escape");
    await h.waitFor("abort", () => h.received.slice(n).find((m) => m.type === "abort"));
  });

  test("the mentions go with the message as context; Send Selection to Chat (the host's addContext) adds a mention too", async () => {
    await h.post({ type: "chat", chat: { sessionKey: "agent:main:main", items: [], hasMore: false, activeRunId: null } });
    await h.page.fill("#input", "Explain");
    await h.page.focus("#input");
    await h.page.keyboard.press("End");
    await h.post({ type: "addContext", context: { label: "src/b.ts#L1-2", text: "let b = 1;\nlet c = 2;", language: "typescript" } });
    await h.page.waitForSelector(".chip >> text=src/b.ts#L1-2");
    assert.equal(await value(), "Explain @src/b.ts#L1-2 ");
    const n = h.received.length;
    await h.page.focus("#input");
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("send", () => h.received.slice(n).find((m) => m.type === "send"));
    assert.ok(sent.type === "send");
    assert.equal(sent.text, "Explain @src/b.ts#L1-2");
    assert.deepEqual(sent.context?.map((c) => c.label), ["src/webview/composer.ts", "README.md#L1-2", "src/b.ts#L1-2"]);
    assert.equal(sent.context?.[1]?.text, CONTENT["README.md"]);
    assert.equal(await h.page.locator(".chip").count(), 0, "the chips went with the message");
    assert.deepEqual(h.invalidFromWebview, []);
  });
});
