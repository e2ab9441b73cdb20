// UI smoke in the real VS Code (code-server's 1.139 workbench, headless Chromium via playwright-core), as a
// user drives it: the command palette → "KrabKrab: Connect Local" → the status bar says connected; the
// KrabKrab container shows the Nodes and Health views with real data. Screenshots go to test-results/ui-smoke/.
// What runs is what a user installs: `npm run package`'s .vsix (made by @vscode/vsce), installed into the VS
// Code server with its own `--install-extension` — not the development folder.
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { operator, realGateway } from "../support/real-peers";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const shots = path.join(repoRoot, "test-results", "ui-smoke");

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
  // A variable path keeps esbuild from bundling the .mjs helper; it is loaded as it is at run time.
  const helper = pathToFileURL(path.join(repoRoot, "scripts", "vscode-server.mjs")).href;
  const { startVsCodeServer, openInChromium } = (await import(helper)) as {
    startVsCodeServer(o: Record<string, unknown>): Promise<Server>;
    openInChromium(url: string, o: Record<string, unknown>): Promise<Browser>;
  };
  const { packageVsix } = (await import(pathToFileURL(path.join(repoRoot, "scripts", "package.mjs")).href)) as { packageVsix(out: string): string };
  const rootDir = mkdtempSync(path.join(os.tmpdir(), "kk-ui-smoke-"));
  const folder = mkdtempSync(path.join(os.tmpdir(), "kk-ui-ws-"));
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
  // F1 toggles: make sure no quick input is still open (or closing) from the previous command.
  const widget = page.locator(".quick-input-widget");
  if (await widget.isVisible()) await page.keyboard.press("Escape");
  await widget.waitFor({ state: "hidden", timeout: 15_000 }).catch(() => undefined);
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ timeout: 15_000 });
  await input.fill(`>${title}`);
  // Wait for the exact entry, then run it.
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await widget.waitFor({ state: "hidden", timeout: 15_000 });
}

test("the installed extension is the packaged one (no development folder)", () => {
  const extensions = path.join(server.rootDir, "extensions");
  const installed = readdirSync(extensions).filter((d) => d.startsWith("krabkrab.krabkrab-vscode-"));
  assert.equal(installed.length, 1, `extensions dir holds: ${readdirSync(extensions).join(", ")}`);
  const dir = path.join(extensions, installed[0]!);
  assert.ok(existsSync(path.join(dir, "dist", "extension.js")), "the bundle is installed");
  assert.ok(!existsSync(path.join(dir, "src")) && !existsSync(path.join(dir, "node_modules")), "no sources or node_modules in the install");
});

test("the status bar item appears once the extension activates", async () => {
  const item = page.locator(".statusbar-item", { hasText: "KrabKrab" }).first();
  await item.waitFor({ timeout: 90_000 });
  assert.match((await item.innerText()).trim(), /KrabKrab/);
});

test("command palette → KrabKrab: Connect Local → the status bar says connected", async () => {
  const gw = realGateway();
  await runCommand("KrabKrab: Connect Local");
  const connected = page.locator(".statusbar-item", { hasText: `local :${gw.port}` }).first();
  await connected.waitFor({ timeout: 60_000 });
  assert.match(await connected.innerText(), new RegExp(`KrabKrab · local :${gw.port}`));
  await browser.screenshot("1-connected");
});

test("the KrabKrab container shows the Nodes and Health views with the gateway's data", async () => {
  await runCommand("KrabKrab: Show Health");
  const version = page.locator(".monaco-list-row", { hasText: "2026.9.6" }).first();
  await version.waitFor({ timeout: 30_000 });
  await page.locator(".monaco-list-row", { hasText: "Event loop" }).first().waitFor({ timeout: 30_000 });
  await browser.screenshot("2-health");
  await runCommand("KrabKrab: Show Nodes");
  await page.locator(".pane-header", { hasText: "Nodes" }).first().waitFor({ timeout: 15_000 });
  // Whatever node.list says is what the tree shows (in a full run the VS Code suite has paired a real node host).
  const c = operator();
  await c.connect();
  const nodes = await c.nodeList();
  await c.disconnect();
  if (nodes.length === 0) await page.locator(".monaco-list-row", { hasText: "No nodes yet" }).first().waitFor({ timeout: 15_000 });
  for (const n of nodes) await page.locator(".monaco-list-row", { hasText: n.displayName ?? n.nodeId }).first().waitFor({ timeout: 15_000 });
  await browser.screenshot("3-nodes");
});
