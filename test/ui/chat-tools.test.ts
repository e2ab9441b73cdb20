// The chat tools in the real VS Code workbench (code-server's 1.139, headless Chromium via playwright-core), as
// installed from the packaged .vsix, against the real gateway and the stand-in model: the chat webview loads
// its lazy scripts under VS Code's own webview CSP and resource loader; "/" in the composer shows the gateway's
// slash commands with their descriptions (keyboard: ↓, Enter inserts); "@" offers the workspace's files; the
// header shows the session's model and its context meter; the session picker lists the gateway's sessions
// with the row actions; an agent question shows inline and the answer resumes the run; "Review changes" opens
// the agent's edit in VS Code's native diff editor. Each feature is screenshotted (cropped to it) into
// test-results/ui-chat-tools/ — and into docs/screenshots/ for the README with KRABKRAB_UPDATE_SCREENSHOTS=1.
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { listSlashCommands } from "../../src/gateway/session-management";
import { operator, realGateway } from "../support/real-peers";
import { openWorkbench, type UiWorkbench } from "../support/ui-workbench";

let wb: UiWorkbench;
let page: Page;
const runCommand = (title: string) => wb.runCommand(title);
const chatFrame = () => wb.chatFrame();
/** The chat view as a whole (the outer webview frame element), for screenshots. */
const chatView = () => page.locator("iframe.webview.ready").first();

/** Drags the sash at the side bar's edge so the chat view is `width` px wide (the default ~300 px cramps the header). */
async function widenSideBar(width: number): Promise<void> {
  const bar = await page.locator(".part.sidebar").boundingBox();
  if (!bar) throw new Error("no side bar");
  const edge = bar.x + bar.width;
  // The vertical sash whose centre is on the side bar's right edge.
  const sashes = page.locator(".monaco-sash.vertical");
  let sash: { x: number; y: number; width: number; height: number } | null = null;
  for (let i = 0; i < (await sashes.count()); i++) {
    const b = await sashes.nth(i).boundingBox();
    if (b && b.height > bar.height / 2 && Math.abs(b.x + b.width / 2 - edge) < 6) sash = b;
  }
  if (!sash) throw new Error("no sash at the side bar's edge");
  const x = sash.x + sash.width / 2;
  const y = sash.y + sash.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (width - bar.width) / 2, y, { steps: 5 });
  await page.mouse.move(bar.x + width, y, { steps: 5 });
  await page.mouse.up();
  const now = await page.locator(".part.sidebar").boundingBox();
  assert.ok(now && Math.abs(now.width - width) < 40, `side bar ${now?.width} px wide`);
}

before(async () => {
  wb = await openWorkbench("ui-chat-tools", {
    // A small project, so "@" has files to offer.
    prepareFolder: (folder) => {
      mkdirSync(path.join(folder, "src"));
      writeFileSync(path.join(folder, "src", "greeting.ts"), 'export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n');
      writeFileSync(path.join(folder, "src", "greeting.test.ts"), 'import { greet } from "./greeting";\nconsole.assert(greet("Ada") === "Hello, Ada!");\n');
      writeFileSync(path.join(folder, "README.md"), "# Demo project\n");
    },
  });
  page = wb.page;
});

after(async () => {
  await wb?.close();
});

test("connect, open the chat; '/' shows the real gateway's slash commands from the lazily loaded script; Enter inserts one", async () => {
  const gw = realGateway();
  // The extension is up once its status bar item shows (its commands are in the palette from then on).
  await page.locator(".statusbar-item", { hasText: "KrabKrab" }).first().waitFor({ timeout: 90_000 });
  await runCommand("KrabKrab: Connect Local");
  await page.locator(".statusbar-item", { hasText: `local :${gw.port}` }).first().waitFor({ timeout: 60_000 });
  await runCommand("KrabKrab: Open Chat");
  const chat = await chatFrame();
  await widenSideBar(480);
  await chat.locator("#input").click();
  await page.keyboard.type("/he");
  const help = chat.locator("#slash-menu .slash-option", { hasText: "/help" }).first();
  await help.waitFor({ timeout: 30_000 });
  // What the gateway says /help is, straight from commands.list.
  const c = operator();
  await c.connect();
  const expected = (await listSlashCommands(c)).filter((x) => [x.name, ...x.aliases].some((a) => a.toLowerCase().startsWith("/he")));
  await c.disconnect();
  assert.ok(expected.length > 0);
  const shown = await chat.locator("#slash-menu .slash-option").evaluateAll((os) => os.map((o) => [o.querySelector(".slash-name")?.textContent, o.querySelector(".slash-desc")?.textContent]));
  assert.deepEqual(shown, expected.map((x) => [x.name, x.description]));
  assert.equal(await chat.locator("#slash-menu").getAttribute("role"), "listbox");
  await wb.shot("chat-slash-commands", chat.locator("#slash-menu"), chat.locator("#input"));
  await page.keyboard.press("Enter");
  assert.equal(await chat.locator("#input").inputValue(), expected[0]!.name + (expected[0]!.args ? " " : ""));
  assert.equal(await chat.locator("#slash-menu").isHidden(), true);
  await chat.locator("#input").fill("");
});

test("the session picker (same lazy script) lists the gateway's sessions with their actions", async () => {
  const chat = await chatFrame();
  // A new session with a message, so the gateway has a session to list that may also be deleted (main may not).
  await chat.locator("#new-session").click();
  await chat.locator("#session-title", { hasText: /^(?!main$)/ }).waitFor({ timeout: 30_000 });
  await chat.locator("#input").click();
  await page.keyboard.type("hello [[echo:from the ui test]]");
  await page.keyboard.press("Enter");
  await chat.locator(".msg.assistant", { hasText: "from the ui test" }).waitFor({ timeout: 150_000 });
  await chat.locator("#session-btn").click();
  await chat.locator(".session-row").first().waitFor({ timeout: 30_000 });
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Shift+F10");
  await chat.locator('.session-menu [role="menuitem"]').first().waitFor({ timeout: 10_000 });
  const actions = await chat.locator('.session-menu [role="menuitem"]').evaluateAll((ms) => ms.map((m) => (m as HTMLElement).dataset.action));
  assert.deepEqual(actions, ["rename", "fork", "delete"], "the new session (most recent, first row) offers all three");
  await wb.shot("chat-session-actions", chat.locator(".chat-header"), chat.locator("#session-picker"), chat.locator(".session-menu"));
  await page.keyboard.press("Escape");
  await page.keyboard.press("Escape");
});

test("'@' offers the workspace's files (VS Code's file search); Escape closes the list", async () => {
  const chat = await chatFrame();
  await chat.locator("#input").click();
  await page.keyboard.type("Explain @greet");
  const option = chat.locator("#mention-list .mention-option", { hasText: "greeting.ts" }).first();
  await option.waitFor({ timeout: 30_000 });
  const labels = await chat.locator("#mention-list .mention-option .mention-label").allInnerTexts();
  assert.ok(labels.some((l) => l.includes("greeting.test.ts")), `both matching files are offered: ${labels.join(", ")}`);
  assert.equal(await chat.locator("#mention-list").getAttribute("role"), "listbox");
  await wb.shot("chat-mentions", chat.locator("#mention-list"), chat.locator("#input"));
  await page.keyboard.press("Escape");
  await chat.locator("#mention-list .mention-option").first().waitFor({ state: "hidden", timeout: 10_000 });
  await chat.locator("#input").fill("");
});

test("the header names the session's model, shows the context meter, and opens the model / thinking / fast-mode picker", async () => {
  const chat = await chatFrame();
  // The session has a reply (the test before), so its usage is known.
  const meter = chat.locator("#ctx-meter");
  await meter.waitFor({ timeout: 60_000 });
  assert.match((await meter.getAttribute("aria-valuetext")) ?? "", /^Context: ≈?[\d,]+ of [\d,]+ tokens \(\d+%\)$/);
  const button = chat.locator("#model-btn");
  assert.match((await button.getAttribute("title")) ?? "", /^Model: /);
  await button.click();
  await chat.locator('#model-list [role="option"]', { hasText: /demo/i }).first().waitFor({ timeout: 30_000 });
  const groups = await chat.locator("#model-list .model-group-label").allInnerTexts();
  assert.ok(groups.includes("Fast mode"), `groups: ${groups.join(", ")}`);
  await wb.shot("chat-model-picker", chat.locator(".chat-header"), chat.locator("#model-picker"));
  await page.keyboard.press("Escape");
  await chat.locator("#model-picker").waitFor({ state: "hidden", timeout: 10_000 });
});

test("an agent question (ask_user) shows inline in the transcript; picking an option answers it and the run goes on", async () => {
  const chat = await chatFrame();
  const args = { questions: [{ id: "target", header: "Deploy", question: "Where should I deploy the greeting service?", options: [{ label: "Staging", description: "the test cluster" }, { label: "Production" }] }] };
  await chat.locator("#input").click();
  await chat.locator("#input").fill(`Deploy it [[tool:ask_user ${JSON.stringify(args)}]]`);
  await page.keyboard.press("Enter");
  const card = chat.locator(".question-card.pending").first();
  await card.waitFor({ timeout: 150_000 });
  assert.match(await card.innerText(), /Where should I deploy the greeting service\?/);
  await wb.shot("chat-question", chat.locator(".msg.assistant").last(), card);
  await card.locator("button.question-option", { hasText: "Staging" }).click();
  await chat.locator(".msg.assistant", { hasText: "Tool ask_user returned" }).filter({ hasText: "Staging" }).first().waitFor({ timeout: 150_000 });
  await chat.locator(".question-card.pending").waitFor({ state: "detached", timeout: 30_000 }).catch(() => undefined);
  assert.equal(await chat.locator(".question-card.pending").count(), 0, "no question is left pending");
});

test("Review changes on the agent's edit opens VS Code's native diff editor: before and after of the file", async () => {
  const chat = await chatFrame();
  const file = path.join(wb.folder, "src", "greeting.ts");
  const before = readFileSync(file, "utf8");
  await chat.locator("#input").click();
  await chat.locator("#input").fill(`Make the greeting friendlier [[edit:${file}]]  return \`Hello, \${name}!\`;[[to]]  return \`Hi there, \${name}, welcome back!\`;[[/edit]]`);
  await page.keyboard.press("Enter");
  const review = chat.locator(".review-btn").last();
  await review.waitFor({ timeout: 150_000 });
  assert.equal(await review.getAttribute("aria-label"), "Review the changes of edit in the diff editor");
  assert.notEqual(readFileSync(file, "utf8"), before, "the real gateway's edit tool changed the file");
  await review.click();
  const diff = page.locator(".monaco-diff-editor").first();
  await diff.waitFor({ timeout: 30_000 });
  await diff.locator(".line-insert, .char-insert").first().waitFor({ timeout: 30_000 });
  await page.locator(".tab.active", { hasText: "greeting.ts" }).first().waitFor({ timeout: 10_000 });
  // Monaco renders spaces as no-break spaces.
  assert.ok((await diff.innerText()).replace(/\s/g, " ").includes("return `Hi there, ${name}, welcome back!`;"), "the modified side");
  await wb.shot("chat-review-changes", page.locator(".part.editor"), chatView());
});

test("Fork from here on a user message: a new session with the conversation before it, the message back in the composer", async () => {
  const chat = await chatFrame();
  // The edit's run (the test before) is over once its reply is in: the gateway forks only then.
  await chat.locator(".msg.assistant", { hasText: "Tool edit returned" }).first().waitFor({ timeout: 150_000 });
  const row = chat.locator(".msg.user", { hasText: "Make the greeting friendlier" }).last();
  const fork = row.locator("button.fork-btn:not([disabled])");
  await fork.waitFor({ timeout: 30_000 });
  assert.match((await fork.getAttribute("aria-label")) ?? "", /^Fork from here: a new session with the conversation before “Make the greeting friendlier/);
  const parent = await chat.locator("#session-title").innerText();
  await row.hover();
  await wb.shot("chat-fork-from-here", row);
  await fork.focus();
  await page.keyboard.press("Enter");
  await chat.locator("#session-title", { hasNotText: parent }).waitFor({ timeout: 30_000 });
  await chat.locator(".msg.user", { hasText: "Deploy it" }).first().waitFor({ timeout: 30_000 });
  assert.equal(await chat.locator(".msg.user", { hasText: "Make the greeting friendlier" }).count(), 0, "the fork ends before the message");
  assert.match(await chat.locator("#input").inputValue(), /^Make the greeting friendlier \[\[edit:/, "the message is back in the composer");
});
