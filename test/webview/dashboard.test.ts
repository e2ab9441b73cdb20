// The dashboard webview bundle in real Chromium with a stand-in host: figures, presence, nodes and their
// actions (describe, invoke with JSON params checked first, approve pending), restore from getState, the
// embedded chat, and hostile strings from the gateway rendered as text.
import { strict as assert } from "node:assert";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { DashboardView } from "../../src/shared/contract";
import { openWebview, repoRoot, type Harness } from "../support/webview-harness";

const view = (over: Partial<DashboardView> = {}): DashboardView => ({
  updatedAt: Date.UTC(2026, 10, 26, 2, 0, 0),
  gateway: [{ label: "Version", value: "2026.9.6" }, { label: "Uptime", value: "1h 2m" }, { label: "Health", value: "ok", tone: "ok" }],
  channels: [{ label: "telegram", value: "not configured" }],
  agents: [{ label: "main", value: "default · 3 sessions" }],
  sessions: [{ label: "count", value: "3" }],
  eventLoop: [{ label: "delayP99Ms", value: "12.5 ms" }],
  memory: [{ label: "rss", value: "812.0 MB" }],
  presence: [{ label: "devbox", detail: "ui · linux · v2026.9.6" }],
  nodes: [
    { nodeId: "n1", displayName: "build-box", platform: "linux", version: "2026.9.6", state: "connected", commands: ["system.which", "fs.listDir"], caps: [] },
    { nodeId: "n2", displayName: "laptop", platform: "darwin", state: "offline", commands: [], caps: [] },
  ],
  pending: [{ requestId: "req-1", kind: "node", displayName: "new-node", platform: "linux" }],
  errors: [],
  ...over,
});

describe("dashboard webview in Chromium", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("dashboard", { viewport: { width: 1200, height: 900 } });
  });
  after(async () => {
    await h?.close();
  });

  test("says ready as the dashboard and mounts the chat too", async () => {
    assert.ok(h.received.some((m) => m.type === "ready" && m.view === "dashboard"));
    assert.equal(await h.page.locator("#chat textarea#input").count(), 1);
  });

  test("renders health figures, presence, nodes and pending requests", async () => {
    await h.post({ type: "dashboard", dashboard: view() });
    const r = await h.waitForRendered((m) => m.view === "dashboard");
    assert.equal(r.nodes, 2);
    assert.equal(r.facts, 8);
    assert.match((await h.page.textContent("#sec-gateway")) ?? "", /Version\s*2026\.9\.6/);
    assert.match((await h.page.textContent("#sec-memory")) ?? "", /812\.0 MB/);
    assert.match((await h.page.textContent("#sec-presence")) ?? "", /devbox/);
    assert.match((await h.page.textContent("#sec-nodes")) ?? "", /build-box[\s\S]*connected[\s\S]*2 commands/);
    assert.equal(await h.page.locator(".row.node.connected form.invoke").count(), 1, "invoke only for a connected node with commands");
    assert.equal(await h.page.isVisible("#sec-pending"), true);
    mkdirSync(path.join(repoRoot, "test-results", "webview"), { recursive: true });
    await h.page.screenshot({ path: path.join(repoRoot, "test-results", "webview", "dashboard.png") });
  });

  test("node actions go to the host: describe, invoke (params validated as JSON first), approve", async () => {
    h.onRequest((r) => (r.type === "nodeDescribe" ? { nodeId: r.nodeId, commands: ["system.which"] } : r.type === "nodeInvoke" ? { ok: true, payload: { found: "/usr/bin/ls" } } : { ok: true }));
    let n = h.received.length;
    await h.page.click('.row.node.connected vscode-button:has-text("Describe")');
    const d = await h.waitFor("nodeDescribe", () => h.received.slice(n).find((m) => m.type === "nodeDescribe"));
    assert.equal(d.type === "nodeDescribe" && d.nodeId, "n1");
    await h.page.waitForSelector("#output:has-text('system.which')");
    // Invalid JSON never leaves the webview.
    n = h.received.length;
    await h.page.fill(".invoke input", "{not json");
    await h.page.click('.invoke vscode-button:has-text("Invoke")');
    await h.page.waitForSelector("#output.error");
    assert.match((await h.page.textContent("#output")) ?? "", /not valid JSON/);
    assert.equal(h.received.slice(n).some((m) => m.type === "nodeInvoke"), false);
    await h.page.selectOption(".invoke select", "system.which");
    await h.page.fill(".invoke input", '{"bins":["ls"]}');
    await h.page.click('.invoke vscode-button:has-text("Invoke")');
    const inv = await h.waitFor("nodeInvoke", () => h.received.slice(n).find((m) => m.type === "nodeInvoke"));
    assert.deepEqual(inv.type === "nodeInvoke" && { nodeId: inv.nodeId, command: inv.command, params: inv.params }, { nodeId: "n1", command: "system.which", params: '{"bins":["ls"]}' });
    await h.page.waitForSelector("#output:has-text('/usr/bin/ls')");
    n = h.received.length;
    await h.page.click('#sec-pending vscode-button:has-text("Approve")');
    const ap = await h.waitFor("pairApprove", () => h.received.slice(n).find((m) => m.type === "pairApprove"));
    assert.deepEqual(ap.type === "pairApprove" && { kind: ap.kind, id: ap.pairRequestId }, { kind: "node", id: "req-1" });
  });

  test("a host error (e.g. missing scope) shows inline with its next step", async () => {
    h.onRequest(() => {
      throw new Error("missing scope: operator.pairing. Reconnect with the pairing scope to approve.");
    });
    await h.page.click('#sec-pending vscode-button:has-text("Approve")');
    await h.page.waitForSelector("#output.error");
    assert.match((await h.page.textContent("#output")) ?? "", /missing scope: operator\.pairing/);
    h.onRequest(() => undefined);
  });

  test("Refresh asks the host; section errors are shown", async () => {
    const n = h.received.length;
    await h.page.click("#refresh");
    await h.waitFor("refreshDashboard", () => h.received.slice(n).find((m) => m.type === "refreshDashboard"));
    await h.post({ type: "dashboard", dashboard: view({ errors: [{ section: "Nodes", message: "missing scope: operator.read" }] }) });
    await h.page.waitForSelector(".dash-error");
    assert.match((await h.page.textContent(".dash-error")) ?? "", /Nodes: missing scope/);
  });

  test("hostile strings from the gateway are text, never markup", async () => {
    const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    await h.post({
      type: "dashboard",
      dashboard: view({
        gateway: [{ label: evil, value: evil }],
        presence: [{ label: evil, detail: evil }],
        nodes: [{ nodeId: evil, displayName: evil, platform: evil, state: "connected", commands: [evil], caps: [] }],
        pending: [{ requestId: evil, kind: "device", displayName: evil }],
        errors: [{ section: evil, message: evil }],
      }),
    });
    await h.page.waitForSelector(`.row.node >> text=${evil}`);
    await h.page.waitForTimeout(200);
    const a = await h.page.evaluate(() => ({ scripts: document.querySelectorAll("script").length, imgs: document.querySelectorAll(".dash img").length, xss: (window as unknown as { __xss?: unknown }).__xss }));
    assert.deepEqual(a, { scripts: 1, imgs: 0, xss: undefined });
    assert.deepEqual(h.dialogs, []);
    assert.deepEqual(h.lateRequests, []);
  });

  test("no CSP violation and no invalid message from the dashboard", async () => {
    assert.deepEqual(await h.page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), []);
    assert.deepEqual(h.invalidFromWebview, []);
  });

  test("the last view is kept with setState and restored from getState on reload", async () => {
    const restored = await openWebview("dashboard", { state: { dashboard: view({ gateway: [{ label: "Version", value: "restored-1.2.3" }] }) } });
    try {
      // Rendered from state before any host message arrives.
      await restored.page.waitForSelector("#sec-gateway >> text=restored-1.2.3");
    } finally {
      await restored.close();
    }
  });
});
