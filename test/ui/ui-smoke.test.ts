// UI smoke in the real VS Code (code-server's 1.139 workbench, headless Chromium via playwright-core), as a
// user drives it: the command palette → "KrabKrab: Connect Local" → the status bar says connected; the
// KrabKrab container shows the Nodes and Health views with real data. Screenshots go to test-results/ui-smoke/.
// What runs is what a user installs: `npm run package`'s .vsix (made by @vscode/vsce), installed into the VS
// Code server with its own `--install-extension` — not the development folder.
import { strict as assert } from "node:assert";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { operator, realGateway } from "../support/real-peers";
import { openWorkbench, type UiWorkbench } from "../support/ui-workbench";

let wb: UiWorkbench;
let page: Page;
const runCommand = (title: string) => wb.runCommand(title);

before(async () => {
  wb = await openWorkbench("ui-smoke");
  page = wb.page;
});

after(async () => {
  await wb?.close();
});

test("the installed extension is the packaged one (no development folder)", () => {
  const extensions = path.join(wb.rootDir, "extensions");
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
  await wb.screenshot("1-connected");
});

test("the KrabKrab container shows the Nodes and Health views with the gateway's data", async () => {
  await runCommand("KrabKrab: Show Health");
  const version = page.locator(".monaco-list-row", { hasText: "2026.9.6" }).first();
  await version.waitFor({ timeout: 30_000 });
  await page.locator(".monaco-list-row", { hasText: "Event loop" }).first().waitFor({ timeout: 30_000 });
  await wb.screenshot("2-health");
  await runCommand("KrabKrab: Show Nodes");
  await page.locator(".pane-header", { hasText: "Nodes" }).first().waitFor({ timeout: 15_000 });
  // Whatever node.list says is what the tree shows (in a full run the VS Code suite has paired a real node host).
  const c = operator();
  await c.connect();
  const nodes = await c.nodeList();
  await c.disconnect();
  if (nodes.length === 0) await page.locator(".monaco-list-row", { hasText: "No nodes yet" }).first().waitFor({ timeout: 15_000 });
  for (const n of nodes) await page.locator(".monaco-list-row", { hasText: n.displayName ?? n.nodeId }).first().waitFor({ timeout: 15_000 });
  await wb.screenshot("3-nodes");
});
