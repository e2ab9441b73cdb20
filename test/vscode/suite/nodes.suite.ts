// A REAL node host (`openclaw node run`, test/fixtures/node-host.ts) joins the run's gateway: the pairing
// request reaches the extension (notification + Nodes view), is approved through the command, the node
// shows up connected with its commands, and Invoke Node Command `system.which` opens a real result document.
import * as assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { mkdtempSync } from "node:fs";
import * as vscode from "vscode";
import { startNodeHost, type NodeHostHandle } from "../../fixtures/node-host";
import { answerMessages, api, connectLocalToTestGateway, gateway, until } from "./helpers";

describe("nodes (real node host, real gateway)", function () {
  this.timeout(240_000);
  const displayName = `kk-vscode-node-${process.pid}`;
  let host: NodeHostHandle | undefined;

  before(() => connectLocalToTestGateway());
  after(async () => {
    await host?.stop();
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  it("a node host asking to pair shows up as pending, with a notification", async () => {
    const { nodes, notifications, connections } = await api();
    // Pending requests are only listed to a connection that holds operator.pairing: ask for it up front.
    await connections.upgradeScopes(["operator.pairing", "operator.admin"]);
    const gw = gateway();
    host = await startNodeHost({ gatewayPort: gw.port, token: gw.token, displayName, rootDir: mkdtempSync(path.join(os.tmpdir(), "kk-vscode-nodehost-")) });
    await vscode.commands.executeCommand("krabkrab.showNodes");
    const pending = await until(
      "the pending node in the Nodes view",
      () => nodes.getChildren().find((i) => i.kind === "pending" && i.request.displayName === displayName),
      150_000,
    );
    assert.equal(pending.kind, "pending");
    const item = nodes.getTreeItem(pending);
    assert.equal(item.contextValue, "pendingNode");
    assert.ok(notifications.shown.some((s) => s.kind === "pair-node" && pending.kind === "pending" && s.id === pending.request.requestId), "no pairing notification was shown");
  });

  it("the dashboard's Approve asks first, showing role and scopes; closing the question approves nothing", async () => {
    const { nodes, testing } = await api();
    assert.ok(testing, "the test-only activation API is missing");
    const pending = nodes.getChildren().find((i) => i.kind === "pending" && i.request.displayName === displayName);
    assert.ok(pending && pending.kind === "pending");
    await vscode.commands.executeCommand("krabkrab.openDashboard");
    await until("the dashboard", () => testing.rendered().dashboard);
    const ui = answerMessages((m) => (m.modal && /approve this node pairing request/.test(m.message) ? null : undefined));
    let res: unknown;
    try {
      res = await testing.dashboardRequest({ type: "pairApprove", requestId: 1, kind: "node", pairRequestId: pending.request.requestId });
    } finally {
      ui.restore();
    }
    assert.deepEqual(res, { ok: false });
    const confirm = ui.seen.find((m) => m.modal && /approve this node pairing request/.test(m.message));
    assert.ok(confirm?.detail, "the dashboard approved without asking");
    assert.ok(confirm.detail.includes(`Role: ${pending.request.role ?? "(not stated)"}`), confirm.detail);
    assert.ok(confirm.detail.includes("Scopes: "), confirm.detail);
    const still = await vscode.commands.executeCommand("krabkrab.refreshNodes").then(() => nodes.getChildren().find((i) => i.kind === "pending" && i.request.displayName === displayName));
    assert.ok(still, "the request is still pending");
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  it("Approve Pairing Request → the node is connected with its commands", async () => {
    const { nodes } = await api();
    const pending = nodes.getChildren().find((i) => i.kind === "pending" && i.request.displayName === displayName);
    assert.ok(pending && pending.kind === "pending");
    // The tree item is what the inline Approve action passes. Approving asks first, in a modal that shows
    // the role and scopes the node asked for; the suite presses Approve there.
    const ui = answerMessages((m) => (m.modal && /approve this node pairing request/.test(m.message) ? "Approve" : undefined));
    let ok: unknown;
    try {
      ok = await vscode.commands.executeCommand("krabkrab.approvePairing", pending);
    } finally {
      ui.restore();
    }
    assert.equal(ok, true);
    const confirm = ui.seen.find((m) => m.modal && /approve this node pairing request/.test(m.message));
    assert.ok(confirm?.detail, "no confirmation before approving");
    const req = pending.request;
    assert.ok(confirm.detail.includes(`Role: ${req.role ?? "(not stated)"}`), confirm.detail);
    assert.ok(confirm.detail.includes(`Scopes: ${req.scopes?.length ? req.scopes.join(", ") : "(none requested)"}`), confirm.detail);
    assert.ok(confirm.detail.includes(`Name: ${displayName}`), confirm.detail);
    assert.deepEqual(confirm.items, ["Approve"], "only Approve besides VS Code's own Cancel");
    const node = await until("the approved node", () => nodes.getChildren().find((i) => i.kind === "node" && i.node.displayName === displayName && i.node.commands?.includes("system.which")), 30_000);
    assert.equal(node.kind === "node" && node.node.connected, true);
    assert.equal(nodes.getTreeItem(node).contextValue, "node.connected");
    assert.deepEqual(nodes.getChildren(node).map((c) => (c.kind === "command" ? c.command : "?")), ["system.which"]);
  });

  it("Invoke Node Command system.which opens the node's real answer as a document", async () => {
    const { nodes } = await api();
    const node = nodes.getChildren().find((i) => i.kind === "node" && i.node.displayName === displayName);
    assert.ok(node && node.kind === "node");
    const res = await vscode.commands.executeCommand<{ ok?: boolean; payload?: { bins?: Record<string, string> } }>("krabkrab.invokeNodeCommand", { nodeId: node.node.nodeId, command: "system.which", params: { bins: ["sh"] } });
    assert.ok(res, "no result");
    assert.match(String(res.payload?.bins?.sh), /\/sh$/);
    const editor = await until("the result document", () => (vscode.window.activeTextEditor?.document.uri.scheme === "krabkrab" ? vscode.window.activeTextEditor : null));
    assert.match(editor.document.getText(), /"sh": ".*\/sh"/);
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  it("a command the node does not advertise is refused before sending", async () => {
    const { nodes } = await api();
    const node = nodes.getChildren().find((i) => i.kind === "node" && i.node.displayName === displayName);
    assert.ok(node && node.kind === "node");
    const res = await vscode.commands.executeCommand("krabkrab.invokeNodeCommand", { nodeId: node.node.nodeId, command: "system.run", params: { command: ["true"] } });
    assert.equal(res, undefined);
  });

  it("Rename Node changes its display name; a stopped node host shows as offline", async () => {
    const { nodes, connections } = await api();
    const node = nodes.getChildren().find((i) => i.kind === "node" && i.node.displayName === displayName);
    assert.ok(node && node.kind === "node");
    const ok = await vscode.commands.executeCommand("krabkrab.renameNode", { nodeId: node.node.nodeId, displayName: `${displayName}-renamed` });
    assert.equal(ok, true);
    const listed = (await connections.current!.nodeList()).find((n) => n.nodeId === node.node.nodeId);
    assert.equal(listed?.displayName, `${displayName}-renamed`);
    await host!.stop();
    host = undefined;
    const offline = await until("the node offline in the view", () => nodes.getChildren().find((i) => i.kind === "node" && i.node.nodeId === node.node.nodeId && i.node.connected === false), 30_000);
    assert.equal(nodes.getTreeItem(offline).contextValue, "node.offline");
  });
});
