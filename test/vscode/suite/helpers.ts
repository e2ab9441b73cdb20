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
