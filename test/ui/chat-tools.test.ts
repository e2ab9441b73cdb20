// The chat tools in the real VS Code workbench (code-server's 1.139, headless Chromium via playwright-core), as
// installed from the packaged .vsix: the chat webview loads its lazy chat-tools script under VS Code's own
// webview CSP and resource loader, "/" in the composer shows the real gateway's slash commands with their
// descriptions (keyboard: ↓, Enter inserts), and the session picker lists the gateway's sessions with the
// row actions. Screenshots go to test-results/ui-chat-tools/.
import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import type { FrameLocator, Page } from "playwright-core";
import { listSlashCommands } from "../../src/gateway/session-management";
import { operator, realGateway } from "../support/real-peers";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const shots = path.join(repoRoot, "test-results", "ui-chat-tools");

interface Server {
  url: string;
  rootDir: string;
  stop(): Promise<void>;
}
interface Browser {
  page: Page;
  screenshot(name?: string): Promise<string | undefined>;
  close(): Promise<void>;
}

let server: Server;
let browser: Browser;
let page: Page;

before(async () => {
  // Variable paths keep esbuild from bundling the .mjs helpers; they are loaded as they are at run time.
  const helper = pathToFileURL(path.join(repoRoot, "scripts", "vscode-server.mjs")).href;
  const { startVsCodeServer, openInChromium } = (await import(helper)) as {
    startVsCodeServer(o: Record<string, unknown>): Promise<Server>;
    openInChromium(url: string, o: Record<string, unknown>): Promise<Browser>;
  };
  const { packageVsix } = (await import(pathToFileURL(path.join(repoRoot, "scripts", "package.mjs")).href)) as { packageVsix(out: string): string };
  const rootDir = mkdtempSync(path.join(os.tmpdir(), "kk-ui-tools-"));
  const folder = mkdtempSync(path.join(os.tmpdir(), "kk-ui-tools-ws-"));
  const vsix = packageVsix(path.join(rootDir, "krabkrab-vscode.vsix"));
  const gw = realGateway();
  server = await startVsCodeServer({ rootDir, installExtensions: [vsix], folder, env: { KRABKRAB_GATEWAY_PORT: String(gw.port), KRABKRAB_GATEWAY_TOKEN: gw.token } });
  browser = await openInChromium(server.url, { rootDir, screenshotDir: shots, viewport: { width: 1400, height: 900 } });
  page = browser.page;
  await page.locator(".monaco-workbench").waitFor({ timeout: 90_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function runCommand(title: string): Promise<void> {
  const widget = page.locator(".quick-input-widget");
  if (await widget.isVisible()) await page.keyboard.press("Escape");
  await widget.waitFor({ state: "hidden", timeout: 15_000 }).catch(() => undefined);
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await widget.waitFor({ state: "hidden", timeout: 15_000 });
}

/** The chat view's document (VS Code nests each webview's content in an inner frame). */
async function chatFrame(): Promise<FrameLocator> {
  const frame = page.frameLocator("iframe.webview.ready").frameLocator("iframe#active-frame");
  await frame.locator("#input").waitFor({ timeout: 60_000 });
  return frame;
}

test("connect, open the chat; '/' shows the real gateway's slash commands from the lazily loaded script; Enter inserts one", async () => {
  const gw = realGateway();
  // The extension is up once its status bar item shows (its commands are in the palette from then on).
  await page.locator(".statusbar-item", { hasText: "KrabKrab" }).first().waitFor({ timeout: 90_000 });
  await runCommand("KrabKrab: Connect Local");
  await page.locator(".statusbar-item", { hasText: `local :${gw.port}` }).first().waitFor({ timeout: 60_000 });
  await runCommand("KrabKrab: Open Chat");
  const chat = await chatFrame();
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
  await browser.screenshot("1-slash-menu");
  await page.keyboard.press("Enter");
  assert.equal(await chat.locator("#input").inputValue(), expected[0]!.name + (expected[0]!.args ? " " : ""));
  assert.equal(await chat.locator("#slash-menu").isHidden(), true);
  await chat.locator("#input").fill("");
});

test("the session picker (same lazy script) lists the gateway's sessions with their actions", async () => {
  const chat = await chatFrame();
  // A message first, so the gateway has a session to list.
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
  assert.ok(actions.includes("rename") && actions.includes("fork"), `actions: ${actions.join(", ")}`);
  await browser.screenshot("2-session-actions");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Escape");
});
