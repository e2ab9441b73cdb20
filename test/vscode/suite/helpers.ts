// Shared by the suites: the real gateway the harness started, the extension's API, and polling.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as vscode from "vscode";
import type { KrabKrabApi } from "../../../src/extension/extension";

export const EXTENSION_ID = "krabkrab.krabkrab-vscode";

/** The real gateway scripts/test.mjs started (re-read each time: a test may have restarted it). */
export function gateway(): { port: number; token: string } {
  const file = process.env.KRABKRAB_TEST_GATEWAY_HANDLE;
  if (!file) throw new Error("KRABKRAB_TEST_GATEWAY_HANDLE is unset: the real gateway is started by `npm test` (scripts/test.mjs).");
  const h = JSON.parse(readFileSync(file, "utf8")) as { port: number; token: string };
  return { port: h.port, token: h.token };
}

export async function api(): Promise<KrabKrabApi> {
  const ext = vscode.extensions.getExtension<KrabKrabApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in this VS Code`);
  return ext.activate();
}

export async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Connect Local to the run's gateway, through the environment (as a user with KRABKRAB_GATEWAY_* set would). */
export async function connectLocalToTestGateway(): Promise<void> {
  const gw = gateway();
  process.env.KRABKRAB_GATEWAY_PORT = String(gw.port);
  process.env.KRABKRAB_GATEWAY_TOKEN = gw.token;
  const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connectLocal");
  assert.equal(ok, true, "Connect Local failed (see the KrabKrab log)");
}

export interface ShownMessage {
  kind: "info" | "warning" | "error";
  message: string;
  modal: boolean;
  detail?: string;
  items: string[];
}

/**
 * Answers the extension's message boxes for a test: `answer` sees each one (modal or not, with its detail
 * and buttons) and returns the button to "press", null to close it without pressing any (Escape, Cancel),
 * or undefined to leave it to the real VS Code UI. The
 * extension and this suite share one `vscode` API object, so replacing its functions intercepts the
 * extension's own calls. Returns everything seen and a restore function.
 */
export function answerMessages(answer: (m: ShownMessage) => string | null | undefined): { seen: ShownMessage[]; restore: () => void } {
  const w = vscode.window as unknown as Record<string, (...a: unknown[]) => Thenable<unknown>>;
  const names = { info: "showInformationMessage", warning: "showWarningMessage", error: "showErrorMessage" } as const;
  const originals = Object.fromEntries(Object.values(names).map((n) => [n, w[n]!])) as Record<string, (...a: unknown[]) => Thenable<unknown>>;
  const seen: ShownMessage[] = [];
  for (const [kind, name] of Object.entries(names) as [ShownMessage["kind"], string][]) {
    w[name] = (message: unknown, ...rest: unknown[]) => {
      const opts = rest[0] && typeof rest[0] === "object" && !("title" in (rest[0] as object)) ? (rest.shift() as vscode.MessageOptions) : undefined;
      const items = rest.map((r) => (typeof r === "string" ? r : (r as vscode.MessageItem).title));
      const m: ShownMessage = { kind, message: String(message), modal: opts?.modal === true, detail: opts?.detail, items };
      seen.push(m);
      const pick = answer(m);
      if (pick === undefined) return originals[name]!.call(vscode.window, message, ...(opts ? [opts] : []), ...rest);
      if (pick === null) return Promise.resolve(undefined);
      assert.ok(items.includes(pick), `the test pressed “${pick}”, which is not among ${JSON.stringify(items)}`);
      return Promise.resolve(pick);
    };
    assert.notEqual(w[name], originals[name], `vscode.window.${name} cannot be replaced in this VS Code`);
  }
  return { seen, restore: () => Object.assign(w, originals) };
}
