// Connect Local when nothing answers on the port: the extension starts the REAL gateway itself (the pinned
// openclaw behind a `krabkrab.local.command` wrapper), connects with the token it generated, and stops the
// whole process group on Disconnect. Plus the errors a user meets first: a missing command, a port held by
// something that is not a gateway (and is left alone).
import * as assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { buildGatewayConfig, freePort, gatewayEnv, sandboxPaths } from "../../fixtures/gateway";
import { api } from "./helpers";

const cfg = () => vscode.workspace.getConfiguration("krabkrab");


function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const shQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

describe("Connect Local starts a gateway when none runs (real gateway)", function () {
  this.timeout(240_000);
  const work = mkdtempSync(path.join(os.tmpdir(), "kk-vscode-local-"));

  before(() => {
    // Only what the user configures below may decide the target.
    for (const k of ["KRABKRAB_GATEWAY_TOKEN", "KRABKRAB_GATEWAY_PORT", "OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PORT"]) delete process.env[k];
  });
  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
    await cfg().update("local.command", undefined, vscode.ConfigurationTarget.Global);
    await cfg().update("local.port", undefined, vscode.ConfigurationTarget.Global);
  });

  it("spawns the gateway with a generated token, connects, and Disconnect leaves no process behind", async () => {
    const node24 = process.env.KRABKRAB_NODE24;
    const entry = process.env.KRABKRAB_OPENCLAW_ENTRY;
    if (!node24 || !entry) throw new Error("KRABKRAB_NODE24 / KRABKRAB_OPENCLAW_ENTRY are unset: run through `npm test`, which installs the pinned gateway.");
    const paths = sandboxPaths(path.join(work, "gw"));
    for (const d of [paths.rootDir, paths.stateDir, paths.homeDir, paths.tmpDir, paths.workspaceDir]) mkdirSync(d, { recursive: true });
    const port = await freePort();
    // The gateway's config names no token: it can only know the one the extension generates and hands the
    // child through its environment (never argv). (A token in the gateway's own config would win over the
    // environment — the gateway's rule — and the extension reads that same config file for its token.)
    const config = buildGatewayConfig(paths, port, "unused") as { gateway: { auth: Record<string, unknown> } };
    delete config.gateway.auth.token;
    writeFileSync(paths.configPath, JSON.stringify(config));
    const env = gatewayEnv(paths, node24);
    const exports = Object.entries(env).filter(([k, v]) => v !== undefined && v !== process.env[k]).map(([k, v]) => `export ${k}=${shQuote(v!)}`);
    const wrapper = path.join(work, "krabkrab-test-gateway");
    writeFileSync(wrapper, ["#!/bin/sh", ...exports, `exec ${shQuote(node24)} ${shQuote(entry)} "$@"`, ""].join("\n"));
    chmodSync(wrapper, 0o755);
    await cfg().update("local.command", wrapper, vscode.ConfigurationTarget.Global);
    await cfg().update("local.port", port, vscode.ConfigurationTarget.Global);

    const { connections } = await api();
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connectLocal");
    assert.equal(ok, true, "Connect Local did not connect (see the KrabKrab and KrabKrab Gateway logs)");
    assert.equal(connections.view().target, `local :${port} (started)`);
    assert.equal(connections.view().serverVersion, "2026.9.6");
    const local = connections.currentTarget!.local!;
    assert.equal(local.attached, false);
    const pid = local.pid!;
    assert.ok(groupAlive(pid));
    assert.equal((await connections.current!.health()).ok, true);

    await vscode.commands.executeCommand("krabkrab.disconnect");
    assert.equal(groupAlive(pid), false, "the spawned gateway's process group survived Disconnect");
    assert.equal(local.state.status, "stopped");
  });

  it("a missing gateway command says which names were tried and which setting to change", async () => {
    const { connector, connections } = await api();
    await cfg().update("local.command", "/nonexistent/krabkrab-missing", vscode.ConfigurationTarget.Global);
    await cfg().update("local.port", await freePort(), vscode.ConfigurationTarget.Global);
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connectLocal");
    assert.equal(ok, false);
    assert.equal(connections.view().status, "disconnected");
    assert.match(connector.lastError!.message, /Could not find the gateway command: tried “\/nonexistent\/krabkrab-missing”/);
    assert.match(connector.lastError!.message, /krabkrab\.local\.command/);
    assert.equal(connector.lastError!.setting, "krabkrab.local.command");
  });

  it("a port held by something that is not a gateway is reported, and that program is left alone", async () => {
    const { connector } = await api();
    const squatter: Server = createServer((s) => s.end("SSH-2.0-not-a-gateway\r\n"));
    const port = await new Promise<number>((r) => squatter.listen(0, "127.0.0.1", () => r((squatter.address() as { port: number }).port)));
    try {
      await cfg().update("local.port", port, vscode.ConfigurationTarget.Global);
      const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connectLocal");
      assert.equal(ok, false);
      assert.match(connector.lastError!.message, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use by something that is not a gateway`));
      assert.match(connector.lastError!.message, /Nothing was stopped/);
      assert.equal(squatter.listening, true);
    } finally {
      squatter.close();
    }
  });
});
