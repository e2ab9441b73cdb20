// The UI tier's set-up, shared by its suites: the packaged .vsix (`npm run package`'s, made by @vscode/vsce)
// installed into a fresh code-server with its own `--install-extension`, a throw-away workspace folder, the
// workbench opened in headless Chromium (playwright-core), plus what every suite drives it with: the command
// palette, the chat view's document, and screenshots. `shot` crops to the feature it shows; with
// KRABKRAB_UPDATE_SCREENSHOTS=1 it also writes the committed copy the README embeds (docs/screenshots/).
import { copyFileSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { realGateway } from "./real-peers";

/** Test bundles are built into out/test/<tier>/: three levels up is the checkout. */
export const repoRoot = path.resolve(__dirname, "..", "..", "..");
/** Where the README's screenshots live (kept out of the .vsix by .vscodeignore). */
export const docsScreenshots = path.join(repoRoot, "docs", "screenshots");
/** A committed screenshot must stay small (the README loads every one). */
export const MAX_SCREENSHOT_BYTES = 150 * 1024;

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

export interface UiWorkbench {
  page: Page;
  /** The code-server's root (its extensions/ folder holds the installed .vsix). */
  rootDir: string;
  /** The workspace folder the window has open. */
  folder: string;
  /** A whole-window screenshot into test-results/<name>/ only. */
  screenshot(name: string): Promise<string | undefined>;
  /**
   * A screenshot of the smallest area holding `areas` (plus a margin), into test-results/<name>/ and, with
   * KRABKRAB_UPDATE_SCREENSHOTS=1, into docs/screenshots/. Throws when it is over MAX_SCREENSHOT_BYTES.
   */
  shot(name: string, ...areas: Locator[]): Promise<string>;
  /** Runs a command from the palette (F1), as a user would: its title typed, its row picked. */
  runCommand(title: string): Promise<void>;
  /** The chat view's document (VS Code nests each webview's content in an inner frame). */
  chatFrame(): Promise<FrameLocator>;
  close(): Promise<void>;
}

/** Starts code-server with the packaged extension against the real gateway, and opens it in Chromium. */
export async function openWorkbench(name: string, o: { prepareFolder?: (folder: string) => void } = {}): Promise<UiWorkbench> {
  // Variable paths keep esbuild from bundling the .mjs helpers; they are loaded as they are at run time.
  const helper = pathToFileURL(path.join(repoRoot, "scripts", "vscode-server.mjs")).href;
  const { startVsCodeServer, openInChromium } = (await import(helper)) as {
    startVsCodeServer(o: Record<string, unknown>): Promise<Server>;
    openInChromium(url: string, o: Record<string, unknown>): Promise<Browser>;
  };
  const { packageVsix } = (await import(pathToFileURL(path.join(repoRoot, "scripts", "package.mjs")).href)) as { packageVsix(out: string): string };
  const shots = path.join(repoRoot, "test-results", name);
  const rootDir = mkdtempSync(path.join(os.tmpdir(), `kk-${name}-`));
  const folder = mkdtempSync(path.join(os.tmpdir(), `kk-${name}-ws-`));
  o.prepareFolder?.(folder);
  const vsix = packageVsix(path.join(rootDir, "krabkrab-vscode.vsix"));
  const gw = realGateway();
  const server = await startVsCodeServer({ rootDir, installExtensions: [vsix], folder, env: { KRABKRAB_GATEWAY_PORT: String(gw.port), KRABKRAB_GATEWAY_TOKEN: gw.token } });
  let browser: Browser | undefined;
  try {
    browser = await openInChromium(server.url, { rootDir, screenshotDir: shots, viewport: { width: 1400, height: 900 } });
    await browser.page.locator(".monaco-workbench").waitFor({ timeout: 90_000 });
  } catch (err) {
    await browser?.close();
    await server.stop();
    throw err;
  }
  const page = browser.page;

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

  async function chatFrame(): Promise<FrameLocator> {
    const frame = page.frameLocator("iframe.webview.ready").frameLocator("iframe#active-frame");
    await frame.locator("#input").waitFor({ timeout: 60_000 });
    return frame;
  }

  async function shot(shotName: string, ...areas: Locator[]): Promise<string> {
    // Boxes of elements inside the webview frames are in the page's coordinates too.
    const boxes = (await Promise.all(areas.map((a) => a.boundingBox()))).filter((b) => b !== null);
    if (!boxes.length) throw new Error(`screenshot ${shotName}: none of its areas is on screen`);
    const margin = 8;
    const vp = page.viewportSize() ?? { width: 1400, height: 900 };
    const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - margin);
    const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - margin);
    const right = Math.min(vp.width, Math.max(...boxes.map((b) => b.x + b.width)) + margin);
    const bottom = Math.min(vp.height, Math.max(...boxes.map((b) => b.y + b.height)) + margin);
    mkdirSync(shots, { recursive: true });
    const file = path.join(shots, `${shotName}.png`);
    await page.screenshot({ path: file, clip: { x, y, width: right - x, height: bottom - y }, animations: "disabled", caret: "hide", timeout: 15_000 });
    const size = statSync(file).size;
    if (size > MAX_SCREENSHOT_BYTES) throw new Error(`screenshot ${shotName} is ${Math.round(size / 1024)} KB (over ${MAX_SCREENSHOT_BYTES / 1024} KB): crop it further`);
    if (process.env.KRABKRAB_UPDATE_SCREENSHOTS === "1") {
      mkdirSync(docsScreenshots, { recursive: true });
      copyFileSync(file, path.join(docsScreenshots, `${shotName}.png`));
    }
    return file;
  }

  return {
    page,
    rootDir: server.rootDir,
    folder,
    screenshot: (n) => browser.screenshot(n),
    shot,
    runCommand,
    chatFrame,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
}
