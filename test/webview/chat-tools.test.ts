// The chat tools in real Chromium (the chat bundle, its lazily loaded lazy-chat-tools.js under the real CSP,
// a stand-in host speaking the real contract): the composer's slash-command menu — entries only from the
// host's listCommands, keyboard navigation, prefix filtering, insertion, escaping — and the session picker's
// keyboard and its Rename / Fork / Delete actions (Delete only asks the host, which confirms).
import { strict as assert } from "node:assert";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { HostMessage, SessionRowView, SlashCommandView, WebviewMessage } from "../../src/shared/contract";
import { openWebview, repoRoot, type Harness } from "../support/webview-harness";

/** An artifact to look at: test-results/webview/<name>.png */
async function shot(h: Harness, name: string) {
  const dir = path.join(repoRoot, "test-results", "webview");
  mkdirSync(dir, { recursive: true });
  await h.page.screenshot({ path: path.join(dir, `${name}.png`) });
}

const EVIL = `<img src=x onerror="window.__xss=1"><b>bold</b>`;
const COMMANDS: SlashCommandView[] = [
  { name: "/help", aliases: [], description: "Show available commands." },
  { name: "/status", aliases: [], description: "Show current status.", args: "[detail]" },
  { name: "/stop", aliases: [], description: "Stop the current run." },
  { name: "/model", aliases: ["/m"], description: `Pick a model ${EVIL}`, args: "<model>" },
  { name: "/skill", aliases: [], description: "Run a skill by name.", args: "<name> [input]" },
];
const connected: HostMessage = { type: "connection", connection: { status: "connected", target: "local :18789" } };
const chat = (activeRunId: string | null = null): HostMessage => ({ type: "chat", chat: { sessionKey: "agent:main:main", items: [], hasMore: false, activeRunId } });

describe("chat tools in Chromium", () => {
  let h: Harness;
  let commands: SlashCommandView[] = COMMANDS;
  let sessions: SessionRowView[] = [];
  before(async () => {
    h = await openWebview("chat");
    // VS Code's dark theme variables (a subset), so the screenshots look like the real thing.
    await h.page.evaluate(() => {
      const vars = { "--vscode-foreground": "#cccccc", "--vscode-sideBar-background": "#181818", "--vscode-input-background": "#313131", "--vscode-input-foreground": "#cccccc", "--vscode-descriptionForeground": "#9d9d9d", "--vscode-panel-border": "#2b2b2b", "--vscode-focusBorder": "#0078d4", "--vscode-editorSuggestWidget-background": "#202020", "--vscode-editorSuggestWidget-border": "#454545", "--vscode-editorSuggestWidget-selectedBackground": "#04395e", "--vscode-list-hoverBackground": "#2a2d2e", "--vscode-menu-background": "#1f1f1f", "--vscode-menu-border": "#454545", "--vscode-menu-selectionBackground": "#0078d4", "--vscode-errorForeground": "#f85149", "--vscode-widget-shadow": "rgba(0,0,0,0.36)", "--vscode-list-activeSelectionBackground": "#04395e" };
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    });
    h.onRequest((r) => {
      if (r.type === "listCommands") return { commands };
      if (r.type === "listSessions") return sessions;
      return undefined;
    });
    await h.post(connected);
    await h.post(chat());
  });
  after(async () => {
    await h?.close();
  });

  const since = (n: number, type: WebviewMessage["type"]) => h.received.slice(n).filter((m) => m.type === type);
  const menuState = () =>
    h.page.evaluate(() => {
      const menu = document.getElementById("slash-menu");
      const input = document.getElementById("input")!;
      return {
        open: !!menu && !menu.hidden,
        role: menu?.getAttribute("role"),
        names: [...(menu?.querySelectorAll(".slash-option .slash-name") ?? [])].map((e) => e.textContent),
        selected: [...(menu?.querySelectorAll('[role="option"][aria-selected="true"] .slash-name') ?? [])].map((e) => e.textContent),
        activeDescendant: input.getAttribute("aria-activedescendant"),
        activeName: document.getElementById(input.getAttribute("aria-activedescendant") ?? "")?.querySelector(".slash-name")?.textContent ?? null,
        value: (input as HTMLTextAreaElement).value,
        focused: document.activeElement === input,
      };
    });
  async function typeFresh(text: string) {
    await h.page.fill("#input", "");
    await h.page.focus("#input");
    await h.page.keyboard.type(text);
  }

  test('"/" at the start opens a listbox of the host\'s commands (loaded with the lazy script), the first one active', async () => {
    const n = h.received.length;
    await typeFresh("/");
    await h.page.waitForSelector("#slash-menu:not([hidden]) .slash-option");
    const s = await menuState();
    assert.equal(s.role, "listbox");
    assert.deepEqual(s.names, COMMANDS.map((c) => c.name), "exactly the host's commands, in its order");
    assert.deepEqual(s.selected, ["/help"]);
    assert.equal(s.activeName, "/help", "aria-activedescendant names the active option");
    assert.equal(s.focused, true, "the composer keeps the focus");
    assert.equal(await h.page.getAttribute("#input", "aria-controls"), "slash-menu");
    assert.equal(since(n, "listCommands").length, 1);
    const scripts = await h.page.evaluate(() => [...document.scripts].map((x) => new URL(x.src).pathname));
    assert.ok(scripts.includes("/dist/webview/lazy-chat-tools.js"), `the chat-tools script was loaded: ${scripts.join(", ")}`);
  });

  test("typing filters by prefix (names and aliases); ↓/↑ move and wrap; no match closes the menu", async () => {
    await typeFresh("/st");
    await h.page.waitForFunction(() => document.querySelectorAll("#slash-menu .slash-option").length === 2);
    assert.deepEqual((await menuState()).names, ["/status", "/stop"]);
    await h.page.keyboard.press("ArrowDown");
    assert.equal((await menuState()).activeName, "/stop");
    await shot(h, "slash-menu");
    await h.page.keyboard.press("ArrowDown");
    assert.equal((await menuState()).activeName, "/status", "wraps to the first");
    await h.page.keyboard.press("ArrowUp");
    assert.equal((await menuState()).activeName, "/stop", "wraps to the last");
    await typeFresh("/M");
    await h.page.waitForFunction(() => document.querySelectorAll("#slash-menu .slash-option").length === 1);
    assert.deepEqual((await menuState()).names, ["/model"], "case-insensitive; /m is an alias of /model");
    await h.page.keyboard.type("x");
    await h.page.waitForSelector("#slash-menu", { state: "hidden" });
    await typeFresh("hello /he");
    await h.page.waitForTimeout(100);
    assert.equal((await menuState()).open, false, "only a leading /word opens the menu");
  });

  test("Enter inserts the command (a space after one that takes arguments) without sending; the next Enter sends the text as typed", async () => {
    const n = h.received.length;
    await typeFresh("/st");
    await h.page.waitForFunction(() => document.querySelectorAll("#slash-menu .slash-option").length === 2);
    await h.page.keyboard.press("ArrowDown");
    await h.page.keyboard.press("Enter");
    let s = await menuState();
    assert.equal(s.value, "/stop");
    assert.equal(s.open, false);
    assert.equal(since(n, "send").length, 0, "inserting did not send");
    await h.page.keyboard.press("Enter");
    const sent = await h.waitFor("send", () => since(n, "send")[0]);
    assert.equal(sent.type === "send" && sent.text, "/stop");
    await typeFresh("/sk");
    await h.page.waitForSelector("#slash-menu:not([hidden])");
    await h.page.keyboard.press("Tab");
    s = await menuState();
    assert.equal(s.value, "/skill ", "Tab inserts too; a command with arguments gets a space");
    assert.equal(s.focused, true);
    await h.page.keyboard.type("deploy");
    assert.equal((await menuState()).value, "/skill deploy");
  });

  test("inserting replaces only the leading word: what follows it stays", async () => {
    await h.page.fill("#input", "/he please");
    await h.page.focus("#input");
    // The caret moves back into the command word (as ← would): the menu opens for "/he".
    await h.page.evaluate(() => {
      const i = document.getElementById("input") as HTMLTextAreaElement;
      i.setSelectionRange(3, 3);
      i.dispatchEvent(new KeyboardEvent("keyup", { key: "End", bubbles: true }));
    });
    await h.page.waitForSelector("#slash-menu:not([hidden])");
    await h.page.keyboard.press("Enter");
    assert.equal((await menuState()).value, "/help please");
  });

  test("Escape closes the menu and does not stop the running reply; it stays closed until the word changes", async () => {
    await h.post(chat("run-1"));
    const n = h.received.length;
    await typeFresh("/s");
    await h.page.waitForSelector("#slash-menu:not([hidden])");
    await h.page.keyboard.press("Escape");
    assert.equal((await menuState()).open, false);
    await h.page.waitForTimeout(100);
    assert.equal(since(n, "abort").length, 0, "Escape belonged to the menu, not to Stop");
    assert.equal((await menuState()).value, "/s", "the text stays");
    await h.page.keyboard.type("t");
    await h.page.waitForSelector("#slash-menu:not([hidden])");
    assert.deepEqual((await menuState()).names, ["/status", "/stop"]);
    await h.page.keyboard.press("Escape");
    await h.page.keyboard.press("Escape");
    await h.waitFor("abort on the second Escape (the menu was closed)", () => since(n, "abort")[0]);
    await h.post(chat());
  });

  test("a click on an option inserts it; descriptions and hints are text, never markup", async () => {
    await typeFresh("/mo");
    await h.page.waitForSelector("#slash-menu:not([hidden]) .slash-option");
    const dom = await h.page.evaluate(() => {
      const o = document.querySelector("#slash-menu .slash-option")!;
      return { desc: o.querySelector(".slash-desc")?.textContent, args: o.querySelector(".slash-args")?.textContent, imgs: o.querySelectorAll("img, b").length, title: o.getAttribute("title"), xss: (window as unknown as { __xss?: unknown }).__xss };
    });
    assert.deepEqual(dom, { desc: `Pick a model ${EVIL}`, args: "<model>", imgs: 0, title: "Also /m", xss: undefined });
    await h.page.click("#slash-menu .slash-option");
    const s = await menuState();
    assert.equal(s.value, "/model ");
    assert.equal(s.focused, true);
  });

  test("with no commands from the host (not connected, no commands.list) no menu appears, and nothing is reported as an error", async () => {
    commands = [];
    await typeFresh("");
    await h.page.keyboard.type("/");
    await h.page.waitForTimeout(200);
    assert.equal((await menuState()).open, false);
    assert.equal(await h.page.isVisible("#error-bar"), false);
    // Commands are asked for again when a new "/" starts: once there are some, the menu shows them.
    commands = COMMANDS.slice(0, 1);
    await typeFresh("/");
    await h.page.waitForSelector("#slash-menu:not([hidden])");
    assert.deepEqual((await menuState()).names, ["/help"]);
    commands = COMMANDS;
    await h.page.fill("#input", "");
  });

  // ---- the session picker ----

  const pickerState = () =>
    h.page.evaluate(() => {
      const search = document.getElementById("session-search")!;
      const activeId = search.getAttribute("aria-activedescendant");
      return {
        role: search.getAttribute("role"),
        focused: document.activeElement === search,
        rows: [...document.querySelectorAll(".session-row")].map((r) => (r as HTMLElement).dataset.key),
        active: activeId ? (document.getElementById(activeId) as HTMLElement | null)?.dataset.key : null,
        selected: [...document.querySelectorAll('.session-row[aria-selected="true"]')].map((r) => (r as HTMLElement).dataset.key),
        menu: [...document.querySelectorAll('.session-menu [role="menuitem"]')].map((m) => (m as HTMLElement).dataset.action),
        open: !document.getElementById("session-picker")!.hidden,
      };
    });
  async function openPicker() {
    if ((await pickerState()).open) await h.page.click("#session-btn");
    await h.page.click("#session-btn");
    await h.page.waitForSelector(`.session-row[data-key="${sessions.at(-1)!.key}"]`);
  }

  test("picker: the search field drives the listbox — ↓/↑ choose a row (aria-activedescendant), Enter switches, Escape closes", async () => {
    sessions = [
      { key: "agent:main:main", title: "Main", actions: ["rename", "fork"] },
      { key: "agent:main:vscode-x", title: "Deploy notes", label: "Deploy notes", actions: ["rename", "fork", "delete"] },
      { key: "agent:main:vscode-y", title: EVIL },
    ];
    await openPicker();
    let s = await pickerState();
    assert.equal(s.role, "combobox");
    assert.equal(s.focused, true);
    assert.deepEqual(s.rows, sessions.map((r) => r.key));
    await h.page.keyboard.press("ArrowDown");
    await h.page.keyboard.press("ArrowDown");
    s = await pickerState();
    assert.equal(s.active, "agent:main:vscode-x");
    assert.deepEqual(s.selected, ["agent:main:vscode-x"]);
    await h.page.keyboard.press("ArrowUp");
    assert.equal((await pickerState()).active, "agent:main:main");
    const n = h.received.length;
    await h.page.keyboard.press("Enter");
    const sw = await h.waitFor("switchSession", () => since(n, "switchSession")[0]);
    assert.equal(sw.type === "switchSession" && sw.sessionKey, "agent:main:main");
    assert.equal((await pickerState()).open, false);
    await openPicker();
    await h.page.keyboard.press("Escape");
    s = await pickerState();
    assert.equal(s.open, false);
    assert.equal(await h.page.evaluate(() => document.activeElement?.id), "session-btn", "the focus goes back to the session button");
    // Titles from the gateway are text.
    await openPicker();
    assert.equal(await h.page.textContent('.session-row[data-key="agent:main:vscode-y"] .title'), EVIL);
    assert.equal(await h.page.locator(".session-row img, .session-row b").count(), 0);
    // Opened four times, mounted once.
    assert.equal(await h.page.locator(".session-keys").count(), 1);
    assert.equal(await h.page.getAttribute("#session-search", "aria-describedby"), "session-keys");
  });

  test("picker: F2 renames the chosen row in place — Enter sends renameSession with the new name, Escape keeps the old one", async () => {
    await openPicker();
    await h.page.keyboard.press("ArrowDown");
    await h.page.keyboard.press("ArrowDown");
    await h.page.keyboard.press("F2");
    const field = h.page.locator('.session-row[data-key="agent:main:vscode-x"] input.session-rename');
    await field.waitFor();
    assert.equal(await field.inputValue(), "Deploy notes", "starts from the custom name");
    assert.match((await field.getAttribute("aria-label")) ?? "", /New name for Deploy notes/);
    let n = h.received.length;
    await h.page.keyboard.press("Escape");
    await h.page.waitForTimeout(100);
    assert.equal(since(n, "renameSession").length, 0);
    assert.equal(await h.page.textContent('.session-row[data-key="agent:main:vscode-x"] .title'), "Deploy notes");
    assert.equal((await pickerState()).focused, true, "back in the search field");
    await h.page.keyboard.press("F2");
    await field.waitFor();
    await h.page.keyboard.press("Enter");
    await h.page.waitForTimeout(100);
    assert.equal(since(n, "renameSession").length, 0, "an unchanged name is not sent");
    assert.equal((await pickerState()).active, "agent:main:vscode-x", "the row stays chosen");
    await h.page.keyboard.press("F2");
    await field.waitFor();
    n = h.received.length;
    await field.fill("  Release plan  ");
    await h.page.keyboard.press("Enter");
    const r = await h.waitFor("renameSession", () => since(n, "renameSession")[0]);
    assert.deepEqual(r.type === "renameSession" && { key: r.sessionKey, label: r.label }, { key: "agent:main:vscode-x", label: "Release plan" });
    await h.waitFor("the list read again", () => since(n, "listSessions")[0]);
  });

  test("picker: Shift+F10 opens the row's actions as a menu (only those the host offers); Fork and Delete go to the host", async () => {
    await openPicker();
    await h.page.keyboard.press("ArrowDown");
    await h.page.keyboard.press("Shift+F10");
    await h.page.waitForSelector('.session-menu[role="menu"]');
    assert.deepEqual((await pickerState()).menu, ["rename", "fork"], "the main session cannot be deleted: no Delete");
    assert.equal(await h.page.evaluate(() => (document.activeElement as HTMLElement)?.dataset.action), "rename", "the menu has the focus");
    await h.page.keyboard.press("Escape");
    let s = await pickerState();
    assert.deepEqual(s.menu, []);
    assert.equal(s.focused, true);
    // A row without actions has no menu (and no actions button).
    await h.page.keyboard.press("ArrowUp");
    await h.page.keyboard.press("ContextMenu");
    await h.page.waitForTimeout(100);
    assert.deepEqual((await pickerState()).menu, []);
    assert.equal(await h.page.locator('.session-row[data-key="agent:main:vscode-y"] .session-more').count(), 0);
    // Delete: only a request — the host asks in its own modal dialog and answers whether it deleted.
    await h.page.keyboard.press("ArrowUp");
    await h.page.keyboard.press("Shift+F10");
    await h.page.waitForSelector('.session-menu[role="menu"]');
    assert.deepEqual((await pickerState()).menu, ["rename", "fork", "delete"]);
    await shot(h, "session-actions");
    let n = h.received.length;
    h.onRequest((r) => {
      if (r.type === "deleteSession") return { deleted: true };
      if (r.type === "listSessions") return sessions;
      return undefined;
    });
    await h.page.keyboard.press("End");
    await h.page.keyboard.press("Enter");
    const del = await h.waitFor("deleteSession", () => since(n, "deleteSession")[0]);
    assert.equal(del.type === "deleteSession" && del.sessionKey, "agent:main:vscode-x");
    await h.waitFor("the list read again after the delete", () => since(n, "listSessions")[0]);
    assert.equal(h.dialogs.length, 0, "the webview itself asked nothing (no confirm())");
    // Fork, from the row's actions button (the mouse path).
    n = h.received.length;
    await h.page.hover('.session-row[data-key="agent:main:vscode-x"]');
    await h.page.click('.session-row[data-key="agent:main:vscode-x"] .session-more');
    await h.page.click('.session-menu [data-action="fork"]');
    const fork = await h.waitFor("forkSession", () => since(n, "forkSession")[0]);
    assert.equal(fork.type === "forkSession" && fork.sessionKey, "agent:main:vscode-x");
    await h.page.waitForSelector("#session-picker", { state: "hidden" });
    assert.equal(since(n, "switchSession").length, 0, "the host switches to the fork itself");
    s = await pickerState();
    assert.equal(s.open, false);
    assert.equal(await h.page.evaluate(() => document.activeElement?.id), "input", "the composer has the focus for the fork");
  });

  test("nothing broke the CSP or the contract", async () => {
    assert.deepEqual(h.invalidFromWebview, []);
    assert.deepEqual(await h.page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), []);
    assert.deepEqual(h.dialogs, []);
  });
});
