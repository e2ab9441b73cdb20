// The extension is present in a real VS Code, activates, and sees the environment the runner handed it.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";

const EXTENSION_ID = "krabkrab.krabkrab-vscode";

describe("activation", () => {
  it("the extension is installed", () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among ${vscode.extensions.all.map((e) => e.id).join(", ")}`);
  });

  it("activates", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it("reports where it runs", () => {
    console.log(
      `      VS Code ${vscode.version}, uiKind=${vscode.UIKind[vscode.env.uiKind]}, remoteName=${vscode.env.remoteName ?? "(none)"}, ` +
        `appHost=${vscode.env.appHost}, node ${process.version}, workspace=${vscode.workspace.workspaceFolders?.map((f) => f.uri.toString()).join(",") ?? "(none)"}`,
    );
    assert.ok(vscode.version);
  });

  it("receives the runner's environment (extensionTestsEnv)", () => {
    assert.equal(process.env.KRABKRAB_VSCODE_TEST_RUN, "1", "KRABKRAB_VSCODE_TEST_RUN did not reach the extension host");
  });

  it("registers no krabkrab command the manifest does not declare (any extension can run a registered command)", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const pkg = ext.packageJSON as { contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> } };
    const declared = new Set(pkg.contributes.commands.map((c) => c.command));
    // VS Code itself adds `<view id>.focus`, `.resetViewLocation`, … for each contributed view.
    const views = Object.values(pkg.contributes.views).flat().map((v) => `${v.id}.`);
    const ours = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith("krabkrab."));
    assert.ok(ours.length > 20, `expected the extension's commands, got ${ours.join(", ")}`);
    assert.deepEqual(ours.filter((c) => !declared.has(c) && !views.some((v) => c.startsWith(v))), []);
  });

  it("activation loads only the small bundle: the core (dist/core.js) loads on first use, and sets every command's handler", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const api = (await ext.activate()) as { connections: unknown; testing?: { unhandledCommands(): string[] } };
    const coreFile = path.join(ext.extensionPath, "dist", "core.js");
    // This suite runs first and the run's settings leave autoConnect off: nothing has used the extension yet.
    assert.equal(require.cache[coreFile], undefined, "dist/core.js was loaded by activation");
    assert.ok(api.connections, "the API's connections");
    assert.ok(require.cache[coreFile], "reading the API loads dist/core.js");
    assert.deepEqual(api.testing?.unhandledCommands(), []);
  });

  it("the test-only part of the activation API is there in a test run (the runner sets KRABKRAB_VSCODE_TEST_RUN=1)", async () => {
    const api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as { testing?: { rendered(): unknown } };
    assert.equal(typeof api.testing?.rendered, "function");
  });
});
