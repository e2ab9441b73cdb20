// The chat header's model picker, context meter and Compact button in real Chromium (the chat entry loads
// them as a second script, main-models.js, under the same CSP nonce), with a stand-in host speaking the real
// contract: the picker is reached and worked from the keyboard with aria labels, the meter renders the
// session's context use, hostile model names stay text, and nothing shows when the host sends no info.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { HostOutgoing, ModelChoiceView, SessionInfoView, WebviewRequest } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

const EVIL = `<img src=x onerror="window.__xss=1">**bold** [l](javascript:alert(1))`;
const PAYLOADS = [`<script>window.__xss=2</script>`, `<svg onload=window.__xss=3>`, `<iframe src="javascript:alert(4)"></iframe>`, `"><img src=x onerror=alert(5)>`, `<style>@import 'https://attacker.invalid/y.css'</style>`];
const MODELS: ModelChoiceView[] = [
  { ref: "demo/big", name: "Big model", provider: "demo", contextWindow: 128000, thinkingLevels: ["off"], isDefault: true },
  { ref: "demo/small", name: "Small model", provider: "demo", contextWindow: 16000, thinkingLevels: ["off", "low", "high"] },
  { ref: "demo/evil", name: EVIL, provider: "demo", thinkingLevels: [] },
  { ref: "demo/locked", name: "Locked model", provider: "demo", thinkingLevels: [], unavailable: "missing-auth" },
];
const info = (over: Partial<SessionInfoView> = {}): SessionInfoView => ({
  sessionKey: "main",
  model: "demo/small",
  modelName: "Small model",
  thinkingLevel: "low",
  thinkingLevels: ["off", "low", "high"],
  usedTokens: 4000,
  contextWindow: 16000,
  fresh: true,
  canPick: true,
  canCompact: true,
  ...over,
});
const push = (i: SessionInfoView | null): HostOutgoing => ({ type: "sessionInfo", info: i });

describe("model picker and context meter in Chromium", () => {
  let h: Harness;
  let current: SessionInfoView | null = info();
  let compactAnswer: { compacted: boolean; reason?: string } = { compacted: true };
  const requests = (type: WebviewRequest["type"]) => h.received.filter((m): m is WebviewRequest => "requestId" in m && m.type === type);

  before(async () => {
    h = await openWebview("chat");
    h.onRequest((req) => {
      if (req.type === "getSessionInfo") return { info: current };
      if (req.type === "listModels") return MODELS;
      if (req.type === "patchSession") {
        if (req.model === "demo/refused") throw new Error("The gateway refused the request: Unknown provider");
        return {};
      }
      if (req.type === "compactSession") return compactAnswer;
      return undefined;
    });
    await h.waitFor("the picker's script to ask for the session info", () => requests("getSessionInfo").length > 0);
    // Its first ask may have been answered before the handler above was set: the host's push is what counts.
    await h.post(push(current));
    await h.page.waitForSelector("#model-btn:not([hidden])");
  });
  after(async () => {
    await h?.close();
  });

  test("the second script loads under the page's CSP nonce and names the session's model", async () => {
    assert.deepEqual(h.cspViolations, []);
    const scripts = await h.page.evaluate(() => [...document.scripts].map((s) => ({ src: s.src.split("/").pop(), nonce: s.nonce !== "" })).sort((a, b) => String(a.src).localeCompare(String(b.src))));
    assert.deepEqual(scripts, [
      { src: "main-chat.js", nonce: true },
      { src: "main-models.js", nonce: true },
    ]);
    assert.equal(await h.page.textContent("#model-btn .model-name"), "Small model");
    const label = (await h.page.getAttribute("#model-btn", "aria-label")) ?? "";
    assert.match(label, /^Model: Small model · thinking low\. Change the model, thinking level or fast mode$/);
    assert.equal(await h.page.getAttribute("#model-btn", "aria-haspopup"), "listbox");
    assert.equal(await h.page.getAttribute("#model-btn", "aria-expanded"), "false");
    assert.deepEqual(h.invalidFromWebview, []);
  });

  test("the meter shows the context used, as text and as an aria meter; Compact only near the limit", async () => {
    await h.post(push(info({ usedTokens: 4000, contextWindow: 16000 })));
    const m = await h.page.evaluate(() => {
      const e = document.getElementById("ctx-meter")!;
      return { hidden: e.hidden, text: e.textContent, role: e.getAttribute("role"), now: e.getAttribute("aria-valuenow"), max: e.getAttribute("aria-valuemax"), valuetext: e.getAttribute("aria-valuetext"), width: (e.querySelector(".ctx-fill") as HTMLElement).style.width, near: e.classList.contains("near") };
    });
    assert.deepEqual(m, { hidden: false, text: "25%", role: "meter", now: "4000", max: "16000", valuetext: "Context: 4,000 of 16,000 tokens (25%)", width: "25%", near: false });
    assert.equal(await h.page.isVisible("#compact-btn"), false, "no Compact at 25 %");

    await h.post(push(info({ usedTokens: 13000, contextWindow: 16000, fresh: false })));
    assert.equal(await h.page.textContent("#ctx-meter .ctx-text"), "≈81%");
    assert.equal(await h.page.evaluate(() => document.getElementById("ctx-meter")!.classList.contains("near")), true);
    assert.match((await h.page.getAttribute("#ctx-meter", "title")) ?? "", /approximate until the next reply/);
    assert.equal(await h.page.isVisible("#compact-btn"), true, "Compact is offered near the limit");

    await h.post(push(info({ usedTokens: 13000, contextWindow: 16000, canCompact: false })));
    assert.equal(await h.page.isVisible("#compact-btn"), false, "not when the gateway has no sessions.compact");

    await h.post(push(info({ usedTokens: undefined })));
    assert.equal(await h.page.isVisible("#ctx-meter"), false, "no figure, no meter");
  });

  test("keyboard: Enter opens the listbox on the current model, arrows walk it, Enter picks (sessions.patch), focus returns", async () => {
    current = info();
    await h.post(push(current));
    await h.page.focus("#model-btn");
    await h.page.keyboard.press("Enter");
    await h.page.waitForSelector("#model-picker:not([hidden]) .model-option");
    await h.waitFor("the model list", () => requests("listModels").length > 0);
    await h.page.waitForFunction(() => document.querySelectorAll('#model-list [role="option"]').length >= 4 + 3 + 4);
    assert.equal(await h.page.getAttribute("#model-btn", "aria-expanded"), "true");
    const focused = () => h.page.evaluate(() => ({ label: document.activeElement?.querySelector(".model-option-label")?.textContent, role: document.activeElement?.getAttribute("role"), selected: document.activeElement?.getAttribute("aria-selected") }));
    await h.page.waitForFunction(() => document.activeElement?.textContent?.includes("Small model"));
    assert.deepEqual(await focused(), { label: "Small model", role: "option", selected: "true" });
    const groups = await h.page.evaluate(() => [...document.querySelectorAll('#model-list [role="group"]')].map((g) => document.getElementById(g.getAttribute("aria-labelledby")!)?.textContent));
    assert.deepEqual(groups, ["Model", "Thinking", "Fast mode"]);
    assert.equal(await h.page.getAttribute("#model-list", "aria-label"), "Model, thinking level and fast mode");

    await h.page.keyboard.press("ArrowUp");
    assert.equal((await focused()).label, "Big model");
    await h.page.keyboard.press("ArrowUp");
    assert.equal((await focused()).label, "Big model", "stays on the first option");
    await h.page.keyboard.press("End");
    assert.equal((await focused()).label, "Auto");
    await h.page.keyboard.press("Home");
    assert.equal((await focused()).label, "Big model");

    const before = requests("patchSession").length;
    await h.page.keyboard.press("Enter");
    await h.waitFor("the patch", () => requests("patchSession").length > before);
    const p = requests("patchSession").at(-1)!;
    assert.equal(p.type === "patchSession" && p.model, "demo/big");
    await h.page.waitForSelector("#model-picker", { state: "hidden" });
    assert.equal(await h.page.evaluate(() => document.activeElement?.id), "model-btn", "focus back on the picker button");
    assert.equal(await h.page.getAttribute("#model-btn", "aria-expanded"), "false");
  });

  test("keyboard: thinking and fast mode are picked the same way; Space picks; Escape closes; an unavailable model is not picked", async () => {
    await h.page.focus("#model-btn");
    await h.page.keyboard.press("ArrowDown"); // opens too
    await h.page.waitForFunction(() => document.activeElement?.getAttribute("role") === "option" && document.querySelectorAll('#model-list [role="option"]').length >= 11);
    // Models (4): Big, Small*, evil, Locked; Thinking: off, low*, high; Fast: Default*, On, Off, Auto.
    for (let i = 0; i < 2; i++) await h.page.keyboard.press("ArrowDown"); // Small → evil → Locked
    const before = requests("patchSession").length;
    await h.page.keyboard.press("Enter");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(requests("patchSession").length, before, "the unavailable model sends nothing");
    assert.equal(await h.page.isVisible("#model-picker"), true);
    for (let i = 0; i < 3; i++) await h.page.keyboard.press("ArrowDown"); // off, low, high
    await h.page.keyboard.press(" ");
    await h.waitFor("the thinking patch", () => requests("patchSession").length > before);
    const t = requests("patchSession").at(-1)!;
    assert.equal(t.type === "patchSession" && t.thinkingLevel, "high");
    await h.page.waitForSelector("#model-picker", { state: "hidden" });

    await h.page.keyboard.press("ArrowDown");
    await h.page.waitForSelector("#model-picker:not([hidden])");
    await h.page.waitForFunction(() => document.querySelectorAll('#model-list [role="option"]').length >= 11);
    await h.page.keyboard.press("End");
    await h.page.keyboard.press("ArrowUp"); // Off
    await h.page.keyboard.press("Enter");
    await h.waitFor("the fast-mode patch", () => requests("patchSession").length > before + 1);
    const f = requests("patchSession").at(-1)!;
    assert.equal(f.type === "patchSession" && f.fastMode, "off");
    await h.page.waitForSelector("#model-picker", { state: "hidden" });

    await h.page.keyboard.press("Enter");
    await h.page.waitForSelector("#model-picker:not([hidden])");
    await h.page.keyboard.press("Escape");
    await h.page.waitForSelector("#model-picker", { state: "hidden" });
    assert.equal(await h.page.evaluate(() => document.activeElement?.id), "model-btn");
  });

  test("a refused change shows the gateway's reason and keeps the list open", async () => {
    await h.page.click("#model-btn");
    await h.page.waitForFunction(() => document.querySelectorAll('#model-list [role="option"]').length >= 11);
    // The host refuses: the request went out, the error bar says why.
    h.onRequest((req) => {
      if (req.type === "patchSession") throw new Error("The gateway refused the request: Unknown provider");
      if (req.type === "listModels") return MODELS;
      if (req.type === "getSessionInfo") return { info: current };
      return undefined;
    });
    await h.page.click('#model-list [role="option"]');
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /Unknown provider/);
    assert.equal(await h.page.isVisible("#model-picker"), true);
    await h.page.keyboard.press("Escape");
    await h.page.click("#error-dismiss");
  });

  test("model names are text: hostile names in the list, the button and the tooltip execute nothing", async () => {
    await h.post(push(info({ model: "demo/evil", modelName: EVIL })));
    await h.page.click("#model-btn");
    await h.page.waitForFunction(() => document.querySelectorAll('#model-list [role="option"]').length >= 4);
    const dom = await h.page.evaluate(() => ({
      button: document.querySelector("#model-btn .model-name")?.textContent,
      title: document.getElementById("model-btn")?.title,
      options: [...document.querySelectorAll("#model-list .model-option-label")].map((e) => e.textContent),
      imgs: document.querySelectorAll("#model-picker img, .chat-header img").length,
      links: document.querySelectorAll("#model-picker a, .chat-header a").length,
      xss: (window as unknown as { __xss?: unknown }).__xss,
    }));
    assert.equal(dom.button, EVIL);
    assert.match(dom.title ?? "", /^Model: <img src=x/);
    assert.ok(dom.options.includes(EVIL));
    assert.equal(dom.imgs, 0, await h.page.evaluate(() => [...document.querySelectorAll("#model-picker img, .chat-header img")].map((e) => e.outerHTML).join("\n")));
    assert.equal(dom.links, 0, await h.page.evaluate(() => [...document.querySelectorAll("#model-picker a, .chat-header a")].map((e) => e.outerHTML).join("\n")));
    assert.equal(dom.xss, undefined);
    await h.page.keyboard.press("Escape");
    // Every payload of the XSS suite as a model name: still no element, no dialog, no request.
    await h.post(push(info({ modelName: PAYLOADS.join(" ") })));
    assert.equal(await h.page.textContent("#model-btn .model-name"), PAYLOADS.join(" "));
    assert.equal(await h.page.evaluate(() => document.querySelectorAll(":is(.chat-header, #model-picker) :is(img, script, iframe, svg, style, a, object, embed)").length), 0);
    assert.deepEqual(h.dialogs, []);
    assert.deepEqual(h.lateRequests, []);
  });

  test("Compact: sends sessions.compact through the host and shows the gateway's reason when nothing was compacted", async () => {
    await h.post(push(info({ usedTokens: 15000, contextWindow: 16000 })));
    compactAnswer = { compacted: false, reason: "no transcript" };
    h.onRequest((req) => (req.type === "compactSession" ? compactAnswer : req.type === "getSessionInfo" ? { info: current } : undefined));
    await h.page.focus("#compact-btn");
    await h.page.keyboard.press("Enter");
    await h.waitFor("compact request", () => requests("compactSession").length === 1);
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.equal(await h.page.textContent("#error-text"), "Nothing was compacted: no transcript.");
    await h.page.waitForFunction(() => document.getElementById("compact-btn")?.textContent === "Compact");
  });

  test("an invalid sessionInfo is dropped (and reported); null hides the picker and the meter", async () => {
    const logs = h.received.length;
    await h.post({ type: "sessionInfo", info: { sessionKey: "main", canPick: "yes" } });
    await h.waitFor("the webview's log of the dropped message", () => h.received.slice(logs).find((m) => m.type === "log" && /sessionInfo/.test(m.message)));
    assert.equal(await h.page.isVisible("#model-btn"), true, "the last valid state stays");
    await h.post(push(null));
    assert.equal(await h.page.isVisible("#model-btn"), false);
    assert.equal(await h.page.isVisible("#ctx-meter"), false);
    assert.equal(await h.page.isVisible("#compact-btn"), false);
    await h.post(push(info({ canPick: false })));
    assert.equal(await h.page.isVisible("#model-btn"), false, "no picker without models.list / sessions.patch");
    assert.equal(await h.page.isVisible("#ctx-meter"), true, "the meter still shows");
  });
});

describe("the dashboard's chat has no model picker", () => {
  test("main-models.js is not loaded there", async () => {
    const h = await openWebview("dashboard", { viewport: { width: 1200, height: 800 } });
    try {
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await h.page.evaluate(() => [...document.scripts].map((s) => s.src.split("/").pop()).join(",")), "main-dashboard.js");
      assert.equal(await h.page.$("#model-btn"), null);
    } finally {
      await h.close();
    }
  });
});
