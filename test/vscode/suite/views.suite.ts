// The Health and Nodes views and the RPC commands, in a real VS Code against the real gateway: rows built
// from the gateway's real health/status/presence, Call Gateway Method opening a read-only JSON document,
// bad params refused before sending, viewsWelcome context keys.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { api, connectLocalToTestGateway, gateway, until } from "./helpers";

describe("views and gateway commands (real gateway)", function () {
  this.timeout(120_000);

  before(() => connectLocalToTestGateway());
  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  it("the Health view shows the gateway's version, uptime, event loop, memory and clients", async () => {
    const { health } = await api();
    await vscode.commands.executeCommand("krabkrab.showHealth");
    const rows = await until("health rows with memory", () => {
      const r = health.getChildren();
      return r.some((x) => x.label === "Memory") ? r : null;
    });
    const byLabel = new Map(rows.map((r) => [r.label, r]));
    assert.match(String(byLabel.get("Gateway")?.description), /^2026\.9\.6 · up \d+/);
    assert.match(String(byLabel.get("Memory")?.description), /^RSS \d+/);
    assert.ok(byLabel.get("Event loop"), "no event loop row");
    assert.ok(byLabel.get("Agents")?.children?.some((a) => a.label === "main"), "agent main missing");
    const clients = byLabel.get("Connected clients")!;
    assert.ok(clients.children!.some((c) => c.label.startsWith("KrabKrab for VS Code")), `our client is not among ${clients.children!.map((c) => c.label).join(", ")}`);
  });

  it("the Nodes view lists what node.list says", async () => {
    const { nodes, connections } = await api();
    await vscode.commands.executeCommand("krabkrab.showNodes");
    const real = await connections.current!.nodeList();
    const kids = nodes.getChildren();
    const nodeItems = kids.filter((k) => k.kind === "node");
    assert.equal(nodeItems.length, real.length);
    if (real.length === 0) assert.ok(kids.some((k) => k.kind === "message" && /No nodes yet/.test(k.text)));
  });

  it("Call Gateway Method opens the result as a read-only JSON document", async () => {
    const result = await vscode.commands.executeCommand<Record<string, unknown>>("krabkrab.callMethod", { method: "status", params: {} });
    assert.ok(result && typeof result === "object");
    const editor = await until("the JSON editor", () => (vscode.window.activeTextEditor?.document.uri.scheme === "krabkrab" ? vscode.window.activeTextEditor : null));
    assert.equal(editor.document.languageId, "json");
    const shown = JSON.parse(editor.document.getText()) as Record<string, unknown>;
    assert.equal(shown.runtimeVersion, "2026.9.6");
    assert.ok(!editor.document.getText().includes(gateway().token), "the token leaked into a result document");
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  it("parameters that fail the protocol's validator are refused before sending", async () => {
    const { connections } = await api();
    const result = await vscode.commands.executeCommand("krabkrab.callMethod", { method: "chat.history", params: { sessionKey: 42 } });
    assert.equal(result, undefined);
    assert.equal(connections.view().status, "connected");
  });

  it("a method the gateway does not offer is refused", async () => {
    const result = await vscode.commands.executeCommand("krabkrab.callMethod", { method: "no.such.method", params: {} });
    assert.equal(result, undefined);
  });

  it("Tail Gateway Logs reads logs.tail into an output channel until stopped", async () => {
    const { logs } = await api();
    await vscode.commands.executeCommand("krabkrab.tailLogs");
    assert.equal(logs.active, true);
    await until("log lines", () => logs.lines > 0, 20_000);
    await vscode.commands.executeCommand("krabkrab.stopTailLogs");
    assert.equal(logs.active, false);
  });
});
