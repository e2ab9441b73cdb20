// Profiles from settings, end to end in a real VS Code: an SSH profile (a ~/.ssh/config alias in the file
// named by krabkrab.ssh.configFile) through a real OpenSSH sshd to the real gateway; a direct ws:// profile;
// per-profile tokens in SecretStorage; Test Remote; Reconnect; Clear Stored Credentials.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, EXTENSION_ID, gateway, until } from "./helpers";
import type { RemoteTestResult } from "../../../src/gateway";
import { sshKeygen, startSshd, type SshdHandle } from "../../fixtures/sshd";

const cfg = () => vscode.workspace.getConfiguration("krabkrab");

describe("profiles and transports (real sshd, real gateway)", function () {
  this.timeout(180_000);
  let sshd: SshdHandle;
  let work: string;

  before(async () => {
    delete process.env.KRABKRAB_GATEWAY_TOKEN;
    delete process.env.KRABKRAB_GATEWAY_PORT;
    work = mkdtempSync(path.join(os.tmpdir(), "kk-vscode-ssh-"));
    sshd = await startSshd({ rootDir: path.join(work, "sshd") });
    const key = sshKeygen(path.join(work, "id_ed25519"));
    sshd.addAuthorizedKey(readFileSync(`${key}.pub`, "utf8"));
    const knownHosts = path.join(work, "known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`, { mode: 0o600 });
    const sshConfig = path.join(work, "ssh_config");
    writeFileSync(sshConfig, ["Host kk-test-vps", "  HostName 127.0.0.1", `  Port ${sshd.port}`, "  User root", `  IdentityFile ${key}`, "  IdentitiesOnly yes", `  UserKnownHostsFile ${knownHosts}`, ""].join("\n"));
    const gw = gateway();
    await cfg().update("ssh.configFile", sshConfig, vscode.ConfigurationTarget.Global);
    await cfg().update(
      "profiles",
      [
        { name: "vps", transport: "ssh", sshTarget: "kk-test-vps", remotePort: gw.port },
        { name: "direct-loopback", transport: "direct", url: `ws://127.0.0.1:${gw.port}` },
        { name: "broken", transport: "ssh", sshTarget: "-oProxyCommand=touch /tmp/pwned" },
      ],
      vscode.ConfigurationTarget.Global,
    );
  });

  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
    await cfg().update("profiles", undefined, vscode.ConfigurationTarget.Global);
    await cfg().update("ssh.configFile", undefined, vscode.ConfigurationTarget.Global);
    await cfg().update("activeProfile", undefined, vscode.ConfigurationTarget.Global);
    await sshd?.stop();
  });

  it("a profile's token is stored in SecretStorage, never in settings", async () => {
    const ok = await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: "vps", value: gateway().token });
    assert.equal(ok, true);
    await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: "direct-loopback", value: gateway().token });
    assert.ok(!JSON.stringify(cfg().get("profiles")).includes(gateway().token));
  });

  it("Connect Remote over an SSH profile: tunnel (ssh2 in a worker thread) → hello-ok → health", async () => {
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connectRemote", "vps");
    assert.equal(ok, true, "connectRemote did not connect (see the KrabKrab log)");
    // The API's `connections` is the default gateway's: the profile Connect Remote made active.
    const { connections } = await api();
    assert.equal(connections.key, "vps");
    const v = connections.view();
    assert.equal(v.status, "connected");
    assert.equal(v.target, `ssh kk-test-vps :${gateway().port}`);
    assert.equal(cfg().get("activeProfile"), "vps");
    const url = connections.current!.url;
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(url, `ws://127.0.0.1:${gateway().port}`, "the connection should go through the tunnel's own local port");
    // The extension's default: ssh2 and its listener off the extension host's thread (worker-proxy.ts).
    assert.equal(connections.currentTarget!.tunnel!.runsIn, "worker");
    const h = await connections.current!.health();
    assert.equal(h.ok, true);
    // sshd saw our forward.
    await until("sshd log shows the session", () => /Accepted publickey for root/.test(sshd.log()));
  });

  it("Test Remote reports the remote gateway as reachable", async () => {
    const r = await vscode.commands.executeCommand<RemoteTestResult>("krabkrab.testRemote");
    assert.ok(r, "testRemote returned nothing");
    assert.equal(r.gatewayReachable, true, r.detail);
    assert.equal(r.readyzStatus, 200);
  });

  it("Reconnect re-opens the same profile", async () => {
    const { connections } = await api();
    const before = connections.current!.url;
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.reconnect");
    assert.equal(ok, true);
    assert.equal(connections.view().target, `ssh kk-test-vps :${gateway().port}`);
    assert.equal(connections.view().status, "connected");
    assert.ok(connections.current!.url, before);
  });

  it("Switch Profile to a direct ws:// profile closes the tunnel and connects directly", async () => {
    const vps = (await api()).connections;
    const tunnel = vps.currentTarget!.tunnel!;
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.switchProfile", "direct-loopback");
    assert.equal(ok, true);
    assert.equal(tunnel.state.status, "closed", "the old tunnel must be closed");
    assert.equal(vps.state.status, "disconnected", "a switch replaces the previous default's connection");
    const { connections } = await api();
    assert.equal(connections.view().target, `ws://127.0.0.1:${gateway().port}`);
    assert.equal(connections.current!.url, `ws://127.0.0.1:${gateway().port}`);
  });

  it("an SSH target that looks like an option is refused before anything runs (the working connection stays)", async () => {
    const { connections } = await api();
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connect", "broken");
    assert.equal(ok, false);
    assert.equal(connections.view().status, "connected");
    assert.equal(connections.view().target, `ws://127.0.0.1:${gateway().port}`);
    assert.equal(require("node:fs").existsSync("/tmp/pwned"), false);
  });

  it("a token typed into settings is moved to SecretStorage and removed from the settings file", async () => {
    const gw = gateway();
    const current = cfg().inspect<unknown[]>("profiles")!.globalValue ?? [];
    await cfg().update("profiles", [...current, { name: "typed-token", transport: "direct", url: `ws://127.0.0.1:${gw.port}`, token: gw.token }], vscode.ConfigurationTarget.Global);
    const moved = await vscode.commands.executeCommand<number>("krabkrab.moveSecretsFromSettings", { confirmed: true });
    assert.equal(moved, 1);
    const after = JSON.stringify(cfg().inspect("profiles")!.globalValue);
    assert.ok(after.includes("typed-token"), "the profile itself must stay");
    assert.ok(!after.includes(gw.token), "the token is still in settings");
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connect", "typed-token");
    assert.equal(ok, true);
    // Connected alongside: each profile has its own connection, and the default one stayed.
    const { gateways, connections } = await api();
    assert.deepEqual(gateways.live().map((m) => m.key).sort(), ["direct-loopback", "typed-token"]);
    assert.equal(connections.key, "direct-loopback", "the active profile's gateway is still the default");
    assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.disconnect", { profile: "typed-token" }), true);
    assert.deepEqual(gateways.live().map((m) => m.key), ["direct-loopback"]);
  });

  it("Clear Stored Credentials forgets the profile's token", async () => {
    const { connections } = await api();
    await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: "direct-loopback" });
    const ok = await vscode.commands.executeCommand<boolean>("krabkrab.connect", "direct-loopback");
    // Still connects: this VS Code's device was paired on the first connect and holds a device token …
    assert.equal(ok, true);
    assert.equal(connections.current!.state.status === "connected" && connections.current!.state.authMode, "device-token");
    await vscode.commands.executeCommand("krabkrab.disconnect");
  });
});
