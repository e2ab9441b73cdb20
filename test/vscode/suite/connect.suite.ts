// Connect Local against the real gateway from inside a real VS Code, chat through the extension's own
// ChatSession, and the token-mismatch state with a wrong token.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { api, EXTENSION_ID, gateway, until } from "./helpers";

describe("connect local (real gateway)", function () {
  this.timeout(180_000);

  it("every contributed command is registered", async () => {
    await api();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });

  it("a wrong token ends in the token-mismatch state", async () => {
    const { connections } = await api();
    const gw = gateway();
    process.env.KRABKRAB_GATEWAY_PORT = String(gw.port);
    process.env.KRABKRAB_GATEWAY_TOKEN = "wrong-token-for-this-test";
    // A device token from an earlier suite would (rightly) sign in without the shared token: forget it.
    await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: "", deviceTokens: true });
    await vscode.commands.executeCommand("krabkrab.connectLocal");
    const v = await until("paused", () => (connections.view().status === "paused" ? connections.view() : null));
    assert.equal(v.issue?.kind, "token-mismatch");
    await vscode.commands.executeCommand("krabkrab.disconnect");
  });

  it("Connect Local connects, and chat streams the model's reply", async () => {
    const { connections } = await api();
    const gw = gateway();
    process.env.KRABKRAB_GATEWAY_PORT = String(gw.port);
    process.env.KRABKRAB_GATEWAY_TOKEN = gw.token;
    await vscode.commands.executeCommand("krabkrab.connectLocal");
    const v = await until("connected", () => (connections.view().status === "connected" ? connections.view() : null));
    assert.equal(v.serverVersion, "2026.9.6");
    assert.equal(v.target, `local :${gw.port}`);
    await vscode.commands.executeCommand("krabkrab.openChat");
    const chat = connections.chat(`vscode-suite-${Date.now()}`)!;
    await chat.open();
    chat.send("from VS Code [[echo:hello from the real gateway]]");
    const reply = await until("final reply", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.status === "final"), 120_000);
    assert.equal(reply.text, "hello from the real gateway");
    await vscode.commands.executeCommand("krabkrab.disconnect");
    assert.equal(connections.view().status, "disconnected");
  });
});
