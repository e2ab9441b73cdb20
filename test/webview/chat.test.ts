// The chat webview bundle in real Chromium, with a stand-in host speaking the real contract: streaming,
// markdown and code blocks, tool cards, composer keyboard flow, attachments, sessions, stop, queued
// messages, invalid messages, virtualization and theme readability.
import { strict as assert } from "node:assert";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ChatStateView, HostMessage, TranscriptItem } from "../../src/shared/contract";
import { contrast, openWebview, repoRoot, type Harness } from "../support/webview-harness";

// The variables VS Code sets on <html> for its default light, dark and high-contrast themes (the subset we use).
const THEMES = [
  {
    name: "light",
    vars: { "--vscode-foreground": "#3b3b3b", "--vscode-sideBar-background": "#f8f8f8", "--vscode-editor-background": "#ffffff", "--vscode-input-background": "#ffffff", "--vscode-input-foreground": "#3b3b3b", "--vscode-textLink-foreground": "#005fb8", "--vscode-descriptionForeground": "#3b3b3b", "--vscode-panel-border": "#e5e5e5" },
  },
  {
    name: "dark",
    vars: { "--vscode-foreground": "#cccccc", "--vscode-sideBar-background": "#181818", "--vscode-editor-background": "#1f1f1f", "--vscode-input-background": "#313131", "--vscode-input-foreground": "#cccccc", "--vscode-textLink-foreground": "#4daafc", "--vscode-descriptionForeground": "#9d9d9d", "--vscode-panel-border": "#2b2b2b" },
  },
  {
    name: "high contrast",
    vars: { "--vscode-foreground": "#ffffff", "--vscode-sideBar-background": "#000000", "--vscode-editor-background": "#000000", "--vscode-input-background": "#000000", "--vscode-input-foreground": "#ffffff", "--vscode-textLink-foreground": "#21a6ff", "--vscode-descriptionForeground": "#ffffff", "--vscode-panel-border": "#6fc3df", "--vscode-contrastBorder": "#6fc3df" },
  },
];

const connected: HostMessage = { type: "connection", connection: { status: "connected", target: "local :18789", serverVersion: "2026.9.6" }, policy: { maxImageBytes: 2048, maxBytes: 4096, maxPayload: 1_000_000 } };
const chat = (items: TranscriptItem[], extra: Partial<ChatStateView> = {}): HostMessage => ({ type: "chat", chat: { sessionKey: "agent:main:main", items, hasMore: false, activeRunId: null, ...extra } });
const patch = (upsert: TranscriptItem[], activeRunId: string | null = null): HostMessage => ({ type: "chatPatch", patch: { sessionKey: "agent:main:main", upsert, hasMore: false, activeRunId } });

describe("chat webview in Chromium", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("chat");
  });
  after(async () => {
    await h?.close();
  });

  test("the shell carries the strict CSP and the webview says ready with the contract", async () => {
    const csp = await h.page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
    assert.ok(csp);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.deepEqual(h.received[0], { type: "ready", view: "chat", sessionKey: undefined });
    assert.deepEqual(h.invalidFromWebview, []);
  });

  test("the CSP blocks inline script and inline event handlers", async () => {
    await h.page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inlineRan = 1";
      document.body.append(s);
      const d = document.createElement("div");
      d.innerHTML = '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onload="window.__handlerRan = 1">';
      document.body.append(d);
    });
    await new Promise((r) => setTimeout(r, 300));
    const ran = await h.page.evaluate(() => ({ inline: (window as unknown as Record<string, unknown>).__inlineRan, handler: (window as unknown as Record<string, unknown>).__handlerRan, csp: (window as unknown as { __csp?: string[] }).__csp ?? [] }));
    assert.equal(ran.inline, undefined);
    assert.equal(ran.handler, undefined);
    assert.ok(ran.csp.some((v) => v.startsWith("script-src")), `expected a script-src violation, got ${JSON.stringify(ran.csp)}`);
  });

  test("500 streamed deltas (whole text each) render the final text once, in one bubble, coalesced to frames", async () => {
    await h.post(connected);
    const user: TranscriptItem = { id: "send:1", role: "user", text: "stream please", status: "sent" };
    await h.post(chat([user]));
    await h.waitForRendered((m) => m.items === 1);
    // Count how often the transcript DOM changes while the burst arrives.
    await h.page.evaluate(() => {
      const w = window as unknown as { __mutations: number };
      w.__mutations = 0;
      new MutationObserver((list) => (w.__mutations += list.length)).observe(document.getElementById("vl-content")!, { childList: true, subtree: true });
    });
    const words = Array.from({ length: 500 }, (_, i) => `w${i}`);
    const deltas: HostMessage[] = words.map((_, i) => patch([{ id: "run:r1", role: "assistant", runId: "r1", status: "streaming", text: words.slice(0, i + 1).join(" ") }], "r1"));
    await h.postBurst(deltas);
    const finalText = words.join(" ");
    await h.post(patch([{ id: "run:r1", role: "assistant", runId: "r1", status: "final", text: finalText }]));
    await h.waitForRendered((m) => m.status === "final" && m.lastText === finalText.slice(0, 2000));
    const dom = await h.page.evaluate(() => ({
      bubbles: document.querySelectorAll('.msg.assistant[data-run-id="r1"]').length,
      text: document.querySelector('.msg.assistant[data-run-id="r1"] .body')?.textContent?.trim(),
      mutations: (window as unknown as { __mutations: number }).__mutations,
      streamingBadge: document.querySelectorAll(".badge.streaming").length,
    }));
    assert.equal(dom.bubbles, 1);
    assert.equal(dom.text, finalText);
    assert.equal(dom.streamingBadge, 0);
    // 500 deltas in one burst are drawn in a few frames, not 500 times (each render replaces one row's children).
    assert.ok(dom.mutations < 60, `expected coalesced renders, saw ${dom.mutations} DOM mutation records`);
    const count = await h.page.evaluate((t) => document.body.innerText.split(t).length - 1, finalText);
    assert.equal(count, 1, "the final text appears exactly once");
  });

  test("run phases, the typing indicator, aborted and error states", async () => {
    await h.post(chat([{ id: "run:p", role: "assistant", runId: "p", status: "streaming", text: "", phase: "preparing_context" }], { activeRunId: "p" }));
    await h.page.waitForSelector('.msg[data-run-id="p"] .typing');
    assert.match((await h.page.textContent('.msg[data-run-id="p"] .meta')) ?? "", /preparing context…/);
    assert.equal(await h.page.isVisible("#stop"), true);
    await h.post(patch([{ id: "run:p", role: "assistant", runId: "p", status: "aborted", text: "partial" }]));
    await h.page.waitForSelector('.msg.aborted[data-run-id="p"]');
    assert.equal(await h.page.isVisible("#stop"), false);
    await h.post(chat([{ id: "run:e", role: "assistant", runId: "e", status: "error", text: "", error: "missing scope: operator.write — reconnect with write access." }]));
    await h.page.waitForSelector('.msg.error[data-run-id="e"]');
    assert.match((await h.page.textContent('.msg.error[data-run-id="e"] .meta')) ?? "", /missing scope: operator\.write/);
  });

  test("Stop sends chat.abort through the host", async () => {
    await h.post(chat([{ id: "run:s", role: "assistant", runId: "s", status: "streaming", text: "slow…" }], { activeRunId: "s" }));
    await h.page.waitForSelector("#stop:not([hidden])");
    const n = h.received.length;
    await h.page.click("#stop");
    await h.waitFor("abort request", () => h.received.slice(n).find((m) => m.type === "abort"));
  });

  test("markdown renders; code blocks are highlighted with Copy / Insert / Open actions that go to the host", async () => {
    const md = "# Title\n\nSome **bold** and `code`, a [link](https://example.com/a?b=1).\n\n- one\n- two\n\n```ts\nconst x: number = 1;\nfunction f() { return x; }\n```\n";
    await h.post(chat([{ id: "run:m", role: "assistant", runId: "m", status: "final", text: md }]));
    await h.page.waitForSelector('.msg[data-run-id="m"] .codeblock');
    const dom = await h.page.evaluate(() => {
      const row = document.querySelector('.msg[data-run-id="m"]')!;
      return {
        h1: row.querySelector("h1")?.textContent,
        strong: row.querySelector("strong")?.textContent,
        li: row.querySelectorAll("li").length,
        keyword: row.querySelectorAll(".codeblock .hljs-keyword").length,
        lang: row.querySelector(".codeblock")?.getAttribute("data-lang"),
        actions: [...row.querySelectorAll(".code-action")].map((b) => b.getAttribute("data-action")),
        href: row.querySelector("a")?.getAttribute("href"),
      };
    });
    assert.deepEqual({ h1: dom.h1, strong: dom.strong, li: dom.li, lang: dom.lang, actions: dom.actions }, { h1: "Title", strong: "bold", li: 2, lang: "ts", actions: ["copy", "insert", "open"] });
    assert.ok(dom.keyword >= 2, "highlight.js marked keywords");
    assert.equal(dom.href, "https://example.com/a?b=1");
    const code = "const x: number = 1;\nfunction f() { return x; }\n";
    for (const [action, type] of [["copy", "copyText"], ["insert", "insertCode"], ["open", "openCode"]] as const) {
      const n = h.received.length;
      await h.page.click(`.msg[data-run-id="m"] .code-action[data-action="${action}"]`);
      const req = await h.waitFor(`${type} request`, () => h.received.slice(n).find((m) => m.type === type));
      assert.equal("text" in req ? req.text : "code" in req ? req.code : undefined, code);
      if (req.type === "openCode") assert.equal(req.language, "ts");
    }
    // A link click never navigates the webview: it asks the host (which uses openExternal).
    const url = h.page.url();
    const n = h.received.length;
    await h.page.click('.msg[data-run-id="m"] a');
    const open = await h.waitFor("openLink request", () => h.received.slice(n).find((m) => m.type === "openLink"));
    assert.equal(open.type === "openLink" && open.href, "https://example.com/a?b=1");
    assert.equal(h.page.url(), url);
  });

  test("tool cards: name, arguments, result and error, collapsible", async () => {
    await h.post(
      chat([
        {
          id: "run:t",
          role: "assistant",
          runId: "t",
          status: "final",
          text: "done",
          tools: [
            { toolCallId: "c1", name: "fs.listDir", args: { path: "/tmp" }, result: "a.txt\nb.txt", phase: "result" },
            { toolCallId: "c2", name: "system.run", args: { cmd: "false" }, result: "exit 1", isError: true, phase: "result" },
          ],
        },
      ]),
    );
    await h.page.waitForSelector('.tool-card[data-tool-call-id="c2"]');
    const cards = await h.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement & { heading: string; open: boolean }>(".tool-card")].map((c) => ({ name: c.heading, open: c.open, cls: c.className, text: c.textContent })),
    );
    assert.equal(cards.length, 2);
    assert.equal(cards[0]!.name, "fs.listDir");
    assert.equal(cards[0]!.open, false);
    assert.match(cards[0]!.text ?? "", /"path": "\/tmp"/);
    assert.match(cards[0]!.text ?? "", /a\.txt/);
    assert.equal(cards[1]!.open, true, "a failed tool call is shown open");
    assert.match(cards[1]!.cls, /error/);
    assert.match(cards[1]!.text ?? "", /Error[\s\S]*exit 1/);
  });

  test("composer: Enter sends, Shift+Enter is a newline, ↑ recalls; a failed send gives the text back with the error", async () => {
    await h.post(chat([]));
    const n = h.received.length;
    await h.page.click("#input");
    await h.page.keyboard.type("line one");
    await h.page.keyboard.press("Shift+Enter");
    await h.page.keyboard.type("line two");
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("send", () => h.received.slice(n).find((m) => m.type === "send"));
    assert.equal(sent.type === "send" && sent.text, "line one\nline two");
    assert.equal(await h.page.inputValue("#input"), "");
    await h.page.keyboard.press("ArrowUp");
    assert.equal(await h.page.inputValue("#input"), "line one\nline two");
    // The host refuses (e.g. missing scope): the text comes back and the error says what to do.
    h.onRequest((r) => {
      if (r.type === "send") throw new Error("missing scope: operator.write. Reconnect with write access.");
      return undefined;
    });
    await h.page.fill("#input", "will fail");
    await h.page.keyboard.press("Enter");
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /missing scope: operator\.write/);
    assert.equal(await h.page.inputValue("#input"), "will fail");
    h.onRequest(() => undefined);
    await h.page.click("#error-dismiss");
  });

  test("a message queued while disconnected is visibly queued", async () => {
    await h.post({ type: "connection", connection: { status: "disconnected" } });
    await h.post(chat([{ id: "offline:1", role: "user", text: "later", status: "queued" }]));
    await h.page.waitForSelector('.msg.queued .badge.queued');
    assert.match((await h.page.textContent(".msg.queued .meta")) ?? "", /Queued/);
    assert.equal(await h.page.isVisible("#banner"), true);
    assert.match((await h.page.textContent("#banner-text")) ?? "", /Not connected/);
    const n = h.received.length;
    await h.page.click("#connect-btn");
    await h.waitFor("connect request", () => h.received.slice(n).find((m) => m.type === "connect"));
    await h.post(connected);
  });

  test("images: over the policy limit is refused with the limit named; a small one is attached and sent", async () => {
    await h.post(connected);
    const big = { name: "big.png", mimeType: "image/png", buffer: Buffer.alloc(5000, 1) };
    await h.page.setInputFiles("#file", big);
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /big\.png.*accepts images up to 2\.0 KB/);
    await h.page.click("#error-dismiss");
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
    await h.page.setInputFiles("#file", { name: "dot.png", mimeType: "image/png", buffer: png });
    await h.page.waitForSelector(".chip img");
    assert.match((await h.page.getAttribute(".chip img", "src")) ?? "", /^blob:/);
    const n = h.received.length;
    await h.page.fill("#input", "see image");
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("send with image", () => h.received.slice(n).find((m) => m.type === "send"));
    assert.equal(sent.type === "send" && sent.attachments?.[0]?.fileName, "dot.png");
    assert.equal(sent.type === "send" && Buffer.from(sent.attachments![0]!.content, "base64").equals(png), true);
    // Pasting an image attaches it too.
    await h.page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "pasted.png", { type: "image/png" }));
      document.getElementById("input")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png.toString("base64"));
    await h.page.waitForSelector(".chip >> text=pasted.png");
    const m = h.received.length;
    await h.page.click("#send");
    const pasted = await h.waitFor("send with the pasted image", () => h.received.slice(m).find((x) => x.type === "send"));
    assert.equal(pasted.type === "send" && pasted.attachments?.[0]?.fileName, "pasted.png");
    const bad = { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hi") };
    await h.page.setInputFiles("#file", bad);
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /not a PNG, JPEG, GIF or WebP/);
    await h.page.click("#error-dismiss");
  });

  test("editor context from the host becomes a chip and goes with the next message", async () => {
    await h.post({ type: "addContext", context: { label: "src/a.ts:1-3", text: "let a = 1;", language: "typescript" } });
    await h.page.waitForSelector(".chip >> text=src/a.ts:1-3");
    const n = h.received.length;
    await h.page.fill("#input", "explain");
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("send with context", () => h.received.slice(n).find((m) => m.type === "send"));
    assert.deepEqual(sent.type === "send" && sent.context, [{ label: "src/a.ts:1-3", text: "let a = 1;", language: "typescript" }]);
  });

  test("session picker lists, searches and switches sessions; New asks for a new session", async () => {
    h.onRequest((r) => {
      if (r.type === "listSessions") return [
        { key: "agent:main:main", title: "Main" },
        { key: "agent:main:vscode-x", title: r.search ? `Match for ${r.search}` : "Other" },
      ];
      return undefined;
    });
    await h.page.click("#session-btn");
    await h.page.waitForSelector('.session-row[data-key="agent:main:vscode-x"]');
    await h.page.locator("#session-search").pressSequentially("abc");
    await h.page.waitForSelector(".session-row >> text=Match for abc");
    const n = h.received.length;
    await h.page.click('.session-row[data-key="agent:main:vscode-x"]');
    const sw = await h.waitFor("switchSession", () => h.received.slice(n).find((m) => m.type === "switchSession"));
    assert.equal(sw.type === "switchSession" && sw.sessionKey, "agent:main:vscode-x");
    await h.page.click("#new-session");
    await h.waitFor("newSession", () => h.received.slice(n).find((m) => m.type === "newSession"));
    h.onRequest(() => undefined);
  });

  test("a result that does not fit the request's declared result rejects the request with the reason, and is reported", async () => {
    h.onRequest((r) => (r.type === "listSessions" ? [{ key: "has space", title: 1 }] : undefined));
    const n = h.received.length;
    await h.page.click("#session-btn");
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /answer to “listSessions” does not fit the contract \(0\.key: /);
    await h.waitFor("the report to the host log", () => h.received.slice(n).find((m) => m.type === "log" && m.level === "warn" && /listSessions/.test(m.message)));
    assert.equal(await h.page.locator(".session-row").count(), 0, "nothing from the bad result is shown");
    h.onRequest(() => undefined);
    await h.page.click("#session-btn"); // closes the picker
    await h.page.click("#error-dismiss");
  });

  test("invalid host messages are dropped (and reported), valid ones still render", async () => {
    await h.post(chat([{ id: "ok:1", role: "assistant", text: "still here", status: "final" }]));
    await h.page.waitForSelector('.msg[data-id="ok:1"]');
    const n = h.received.length;
    const bad = [
      { type: "chat", chat: { sessionKey: "x", items: [{ id: 1, role: "assistant", text: "<b>x</b>" }], hasMore: false, activeRunId: null } },
      { type: "chat", chat: { sessionKey: "x", items: [{ id: "a", role: "hacker", text: "x" }], hasMore: false, activeRunId: null } },
      { type: "evil", html: "<img src=x onerror=alert(1)>" },
      { type: "response", requestId: "1", ok: true },
      "just a string",
      null,
      { type: "notice", level: "shout", message: "x" },
    ];
    await h.postBurst(bad);
    await h.waitFor("drop reports", () => h.received.slice(n).filter((m) => m.type === "log" && /dropped invalid host message/.test(m.message)).length >= bad.length);
    assert.equal(await h.page.locator('.msg[data-id="ok:1"]').count(), 1);
    assert.equal(await h.page.locator(".msg").count(), 1);
    assert.equal(h.dialogs.length, 0);
  });

  test("virtualization: 10,000 messages keep the DOM small, and scrolling shows the right rows", async () => {
    const items: TranscriptItem[] = Array.from({ length: 10_000 }, (_, i) => ({ id: `h:${i}`, role: i % 2 ? "assistant" : "user", text: `message number ${i}${i % 7 === 0 ? "\n\nwith a second paragraph" : ""}`, status: i % 2 ? "final" : "sent" }));
    const t0 = Date.now();
    await h.post(chat(items, { hasMore: true }));
    const r = await h.waitForRendered((m) => m.items === 10_000);
    const ms = Date.now() - t0;
    assert.ok(r.domRows > 0 && r.domRows < 80, `expected a small window of rows, got ${r.domRows}`);
    assert.ok(ms < 5000, `rendering 10,000 messages took ${ms} ms`);
    assert.ok(await h.page.isVisible('.msg[data-id="h:9999"]'), "sticks to the newest message");
    assert.equal(await h.page.isVisible("#older"), true, "load older is offered when history has more");
    // Jump to the top: the first rows render, the DOM stays small.
    await h.page.evaluate(() => (document.getElementById("transcript")!.scrollTop = 0));
    await h.page.waitForSelector('.msg[data-id="h:0"]');
    assert.ok((await h.page.locator(".msg").count()) < 80);
    const n = h.received.length;
    await h.page.click("#older-btn");
    await h.waitFor("loadOlder", () => h.received.slice(n).find((m) => m.type === "loadOlder"));
    // A new streaming reply while scrolled up must not pull the view down.
    await h.post(patch([{ id: "run:new", role: "assistant", runId: "new", status: "streaming", text: "hi" }], "new"));
    await h.page.waitForTimeout(150);
    assert.ok(await h.page.isVisible('.msg[data-id="h:0"]'));
  });

  for (const theme of THEMES) {
    test(`theme ${theme.name}: message text, links and the composer are readable (contrast ≥ 4.5)`, async () => {
      await h.page.evaluate((vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.className = "";
      }, theme.vars);
      await h.post(chat([{ id: "th:1", role: "assistant", text: "Readable text with a [link](https://example.com).", status: "final" }, { id: "th:2", role: "user", text: "mine", status: "sent" }]));
      await h.page.waitForSelector('.msg[data-id="th:1"] a');
      const pairs = await h.page.evaluate(() => {
        const bgOf = (el: Element | null): string => {
          for (let e = el; e; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (c && c !== "transparent" && !/rgba\(\d+, \d+, \d+, 0\)/.test(c)) return c;
          }
          return "rgb(255, 255, 255)";
        };
        const pick = (sel: string) => {
          const el = document.querySelector(sel)!;
          return { sel, fg: getComputedStyle(el).color, bg: bgOf(el) };
        };
        return [pick('.msg[data-id="th:1"] .body p'), pick('.msg[data-id="th:1"] .body a'), pick('.msg[data-id="th:2"] .body'), pick("#input")];
      });
      // An artifact to look at: test-results/webview/chat-<theme>.png
      mkdirSync(path.join(repoRoot, "test-results", "webview"), { recursive: true });
      await h.page.screenshot({ path: path.join(repoRoot, "test-results", "webview", `chat-${theme.name.replace(/\s+/g, "-")}.png`) });
      for (const p of pairs) {
        const ratio = contrast(p.fg, p.bg);
        assert.ok(ratio >= 4.5, `${theme.name} ${p.sel}: ${p.fg} on ${p.bg} has contrast ${ratio.toFixed(2)}`);
      }
    });
  }

  test("nothing the page did needed the network after load, broke the CSP, or posted an invalid message", async () => {
    // The one script loaded late is our own chat-tools script (the session picker opened it), from the shell's origin.
    assert.deepEqual(h.lateRequests.filter((u) => !u.startsWith("blob:") && !u.startsWith("data:")), [`${h.origin}/dist/webview/lazy-chat-tools.js`]);
    assert.deepEqual(h.invalidFromWebview, []);
    // Only the deliberate inline script/handler of the CSP test may have been refused: our own UI (and the
    // @vscode-elements components) needs no inline style or script.
    const violations = await h.page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
    assert.deepEqual(violations.filter((v) => !v.startsWith("script-src")), []);
    assert.ok(violations.filter((v) => v.startsWith("script-src")).length <= 2, JSON.stringify(violations));
  });
});
