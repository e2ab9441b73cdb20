// Secrets go only to the gateway they were stored for, in a real VS Code against the real gateway:
// a profile whose URL changed — or whose ssh alias now resolves to another host — asks before its token
// goes anywhere (and Cancel opens no connection), "Move" rebinds it; a workspace's .vscode/settings.json cannot redefine the profiles, the active profile,
// auto-connect, the plain-ws opt-in or the local port; a local connection's device tokens are keyed by
// the machine this window's extension host runs on.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, connectLocalToTestGateway, gateway, until } from "./helpers";

const cfg = () => vscode.workspace.getConfiguration("krabkrab");

/** A TCP listener that only counts who connects: where a leaked token would have gone. */
async function trap(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((s) => {
    hits++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, hits: () => hits };
}

type Warn = (message: string, ...rest: unknown[]) => Thenable<unknown>;

/** Replaces showWarningMessage while fn runs; records the questions asked. */
async function answering<T>(answer: (message: string, items: string[]) => string | undefined, fn: (asked: string[]) => Promise<T>): Promise<T> {
  const win = vscode.window as unknown as { showWarningMessage: Warn };
  const original = win.showWarningMessage;
  const asked: string[] = [];
  win.showWarningMessage = async (message: string, ...rest: unknown[]) => {
    asked.push(message);
    return answer(message, rest.filter((r): r is string => typeof r === "string"));
  };
  try {
    return await fn(asked);
  } finally {
    win.showWarningMessage = original;
  }
}

describe("secrets go only to their destination (real VS Code, real gateway)", function () {
  this.timeout(180_000);
  let bait: Awaited<ReturnType<typeof trap>>;

  before(async () => {
    for (const k of ["KRABKRAB_GATEWAY_TOKEN", "KRABKRAB_GATEWAY_PORT", "OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PORT"]) delete process.env[k];
    bait = await trap();
  });

  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
    for (const k of ["profiles", "activeProfile"]) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    bait.server.close();
  });

  it("a profile whose URL changed asks first: Cancel sends nothing, Move rebinds the token", async () => {
    const gw = gateway();
    const setUrl = (url: string) => cfg().update("profiles", [{ name: "moving", transport: "direct", url }], vscode.ConfigurationTarget.Global);
    await setUrl(`ws://127.0.0.1:${gw.port}`);
    assert.equal(await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: "moving", value: gw.token }), true);

    // The profile now points at another host: the token must not follow it there unasked.
    await setUrl(`ws://127.0.0.1:${bait.port}`);
    await answering(
      () => undefined,
      async (asked) => {
        assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.connect", "moving"), false);
        assert.equal(asked.length, 1, `expected one question, got: ${asked.join(" | ")}`);
        assert.match(asked[0]!, new RegExp(`was for ws://127\\.0\\.0\\.1:${gw.port}; this profile now points at ws://127\\.0\\.0\\.1:${bait.port}`));
      },
    );
    assert.equal(bait.hits(), 0, "Cancel must not even open a connection to the new destination");

    // Same gateway under another name (localhost): the user moves the token and it works.
    await setUrl(`ws://localhost:${gw.port}`);
    await answering(
      (_m, items) => items.find((i) => i.startsWith("Move the Token")),
      async (asked) => {
        assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.connect", "moving"), true);
        assert.match(asked.join("\n"), new RegExp(`now points at ws://localhost:${gw.port}`));
      },
    );
    const { connections } = await api();
    assert.equal(connections.current!.state.status === "connected" && connections.current!.state.authMode, "token", "the moved shared token signed in");
    // Moved, not copied: going back to the old URL asks again.
    await setUrl(`ws://127.0.0.1:${bait.port}`);
    await answering(
      () => undefined,
      async (asked) => {
        assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.connect", "moving"), false);
        assert.match(asked[0] ?? "", new RegExp(`was for ws://localhost:${gw.port}`));
      },
    );
    assert.equal(bait.hits(), 0);
    await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: "moving" });
  });

  it("an ssh alias whose HostName/Port now resolve elsewhere does not take the old host's token there", async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "kk-vscode-alias-"));
    const sshConfig = path.join(work, "ssh_config");
    const alias = (port: number) => writeFileSync(sshConfig, ["Host kk-moving-alias", "  HostName 127.0.0.1", `  Port ${port}`, "  User root", ""].join("\n"));
    alias(2201);
    await cfg().update("ssh.configFile", sshConfig, vscode.ConfigurationTarget.Global);
    await cfg().update("profiles", [{ name: "alias", transport: "ssh", sshTarget: "kk-moving-alias" }], vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: "alias", value: "tok-for-the-old-ssh-host" });
      // Same profile, same alias: only ~/.ssh/config changed. The token's host is no longer where it goes.
      alias(bait.port);
      await answering(
        () => undefined,
        async (asked) => {
          assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.connect", "alias"), false);
          assert.match(asked[0] ?? "(not asked)", new RegExp(`was for ssh://root@127\\.0\\.0\\.1:2201\\|18789; this profile now points at ssh://root@127\\.0\\.0\\.1:${bait.port}\\|18789`));
        },
      );
      assert.equal(bait.hits(), 0, "Cancel must not open the SSH connection");
    } finally {
      await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: "alias" });
      await cfg().update("ssh.configFile", undefined, vscode.ConfigurationTarget.Global);
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("a workspace's .vscode/settings.json cannot redefine where secrets go or how safe the link is", async () => {
    const gw = gateway();
    await cfg().update("profiles", [{ name: "home", transport: "direct", url: `ws://127.0.0.1:${gw.port}` }], vscode.ConfigurationTarget.Global);
    await cfg().update("activeProfile", "home", vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: "home", value: gw.token });
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "the harness opens a workspace folder");
    const dir = path.join(folder.uri.fsPath, ".vscode");
    mkdirSync(dir, { recursive: true });
    const evil = {
      "krabkrab.profiles": [{ name: "home", transport: "direct", url: `ws://127.0.0.1:${bait.port}` }],
      "krabkrab.activeProfile": "home",
      "krabkrab.autoConnect": true,
      "krabkrab.allowInsecurePublicWs": true,
      "krabkrab.local.port": bait.port,
      // A window-scoped canary: proves VS Code has read this file.
      "editor.tabSize": 7,
    };
    writeFileSync(path.join(dir, "settings.json"), JSON.stringify(evil, null, 2));
    try {
      await until("VS Code read the workspace settings", () => vscode.workspace.getConfiguration("editor").inspect<number>("tabSize")?.workspaceValue === 7, 20_000);
      assert.equal(vscode.workspace.getConfiguration("editor").get("tabSize"), 7);
      assert.equal(JSON.stringify(cfg().get("profiles")).includes(String(bait.port)), false, "krabkrab.profiles took the workspace value");
      assert.equal(cfg().get("autoConnect"), false);
      assert.equal(cfg().get("allowInsecurePublicWs"), false);
      assert.notEqual(cfg().get("local.port"), bait.port);
      const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connect");
      assert.equal(ok, true, "the active profile (from user settings) should connect");
      const { connections } = await api();
      assert.equal(connections.current!.url, `ws://127.0.0.1:${gw.port}`);
      assert.equal(bait.hits(), 0, "the workspace's profile received a connection");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: "home" });
    }
  });

  it("a local connection's device tokens are keyed by this window's machine (remote name and host)", async () => {
    await connectLocalToTestGateway();
    // The local gateway's own connection (the "home" profile of the test before may still be connected too).
    const connections = (await api()).gateways.find("")!;
    const scope = connections.currentTarget?.credentialScope ?? "";
    const expected = `local:${vscode.env.remoteName ?? "local"}:${os.hostname().toLowerCase()}`;
    assert.ok(scope.startsWith(expected), `credential scope “${scope}” does not start with “${expected}”`);
    assert.ok(scope.endsWith(`:127.0.0.1:${gateway().port}`), scope);
    delete process.env.KRABKRAB_GATEWAY_TOKEN;
    delete process.env.KRABKRAB_GATEWAY_PORT;
  });
});
