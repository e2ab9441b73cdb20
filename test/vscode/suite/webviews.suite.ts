// The chat view and the dashboard inside a real VS Code, against the real gateway started by the test
// harness: both webviews load under their CSP, say `ready`, and draw what the gateway answers. The webviews
// report what they drew (counts and the last reply's text) to the host, read here through the activation
// API's test-only `testing` (present only in a test run; never a command other extensions could call).
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as vscode from "vscode";
import type { KrabKrabApi } from "../../../src/extension/extension";

const EXTENSION_ID = "krabkrab.krabkrab-vscode";

interface Rendered {
  view: string;
  items: number;
  domRows: number;
  lastText?: string;
  status?: string;
  nodes?: number;
  facts?: number;
  /** How many times this view has reported a render. */
  count: number;
}

function gateway(): { port: number; token: string } {
  const file = process.env.KRABKRAB_TEST_GATEWAY_HANDLE;
  if (!file) throw new Error("KRABKRAB_TEST_GATEWAY_HANDLE is unset: the real gateway is started by `npm test` (scripts/test.mjs).");
  return JSON.parse(readFileSync(file, "utf8")) as { port: number; token: string };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let probe: () => Promise<Record<string, Rendered>> = async () => ({});

describe("chat view and dashboard webviews (real VS Code, real gateway)", function () {
  this.timeout(240_000);
  let api: KrabKrabApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<KrabKrabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    const testing = api.testing;
    assert.ok(testing, "the activation API has no `testing` although KRABKRAB_VSCODE_TEST_RUN=1");
    probe = async () => testing.rendered() as Record<string, Rendered>;
    const gw = gateway();
    process.env.KRABKRAB_GATEWAY_PORT = String(gw.port);
    process.env.KRABKRAB_GATEWAY_TOKEN = gw.token;
    await vscode.commands.executeCommand("krabkrab.connectLocal");
    await until("connected", () => api.connections.view().status === "connected");
  });

  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  it("the chat view opens, renders, and shows the real model's streamed reply", async () => {
    await vscode.commands.executeCommand("krabkrab.openChat");
    await until("the chat webview to render", async () => (await probe()).chat);
    // The view follows the "main" session; a send through the same ChatSession must appear in the webview.
    const chat = api.connections.chat("main");
    assert.ok(chat);
    await chat.open();
    const marker = `webview e2e ${Date.now()}`;
    chat.send(`from the suite [[echo:${marker}]]`);
    const r = await until("the reply in the chat webview", async () => {
      const c = (await probe()).chat;
      return c && c.status === "final" && c.lastText === marker ? c : null;
    }, 150_000);
    assert.ok(r.items >= 2, `expected the user message and the reply, got ${r.items} items`);
    assert.ok(r.domRows >= 2 && r.domRows < 100, `DOM rows: ${r.domRows}`);
  });

  it("New Chat Session switches the view to an empty session", async () => {
    await vscode.commands.executeCommand("krabkrab.newChatSession");
    await until("an empty session in the chat webview", async () => {
      const c = (await probe()).chat;
      return c && c.items === 0 ? c : null;
    });
  });

  it("sessions the chat view left are released: a dozen switches leave no chat listener behind", async () => {
    await vscode.commands.executeCommand("krabkrab.openChat");
    await until("the chat webview", async () => (await probe()).chat);
    const client = api.connections.current!;
    const before = client.listenerCount("chat");
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      for (let i = 0; i < 12; i++) await vscode.commands.executeCommand("krabkrab.newChatSession");
    } finally {
      process.off("warning", onWarning);
    }
    // Only the session on screen still listens (the view shows the last one it switched to).
    assert.ok(client.listenerCount("chat") <= before, `chat listeners grew from ${before} to ${client.listenerCount("chat")}`);
    assert.deepEqual(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message), []);
  });

  it("the dashboard opens as a panel and shows the real gateway's health figures", async () => {
    await vscode.commands.executeCommand("krabkrab.openDashboard");
    await until("the dashboard tab", () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === "KrabKrab Dashboard")));
    const d = await until("dashboard figures", async () => {
      const r = (await probe()).dashboard;
      return r && (r.facts ?? 0) >= 3 ? r : null;
    });
    // The same nodes as node.list (the nodes suite leaves its paired node behind, offline).
    assert.equal(d.nodes, (await api.connections.current!.nodeList()).length);
    // Live from events, not a refresh loop: over 3 s of quiet, at most a couple of event-driven refreshes.
    const before = (await probe()).dashboard!.count;
    await new Promise((r) => setTimeout(r, 3000));
    const renders = (await probe()).dashboard!.count - before;
    assert.ok(renders <= 3, `the dashboard re-rendered ${renders} times in 3 s without anything happening`);
    // The dashboard embeds the chat too: it reported drawing it.
    await until("the dashboard's chat", async () => (await probe())["dashboard-chat"]);
  });
});
