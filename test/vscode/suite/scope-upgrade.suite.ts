// Least privilege off loopback, in the real VS Code: a real gateway listening on every interface, reached at a
// private-LAN address of this (loopback-only) network namespace, so it treats the extension as a remote client.
// The first connect waits for the owner to approve the device; a command that needs operator.pairing and
// operator.admin then asks for exactly those through the gateway's own upgrade flow (device.scopes.requestUpgrade /
// waitUpgrade): a modal asks first, a notification shows the command the owner runs, the working connection
// keeps answering meanwhile, and once the owner approved the command goes on holding the new scopes. The owner
// is a second operator on the gateway's loopback (silently trusted there), as a user at the gateway host would be.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { createDeviceIdentity, MemorySecretStore, OperatorClient } from "../../../src/gateway";
import type { KrabKrabApi } from "../../../src/extension/extension";
import { answerMessages, api, until, type ShownMessage } from "./helpers";
import { startGateway, type GatewayHandle } from "../../fixtures/gateway";

const cfg = () => vscode.workspace.getConfiguration("krabkrab");
const PROFILE = "lan-gateway";

/**
 * A private-LAN address the gateway can be reached at. Inside npm test's own network namespace: 10.77.0.1, added
 * to its loopback device (nothing outside the namespace changes). Outside it (--no-netns): one of this machine's
 * own private addresses — never one added to the host.
 */
function lanAddress(): string {
  if (process.env.KRABKRAB_IN_NETNS === "1") {
    try {
      execFileSync("/usr/sbin/ip", ["addr", "add", "10.77.0.1/32", "dev", "lo"], { stdio: "pipe" });
    } catch (err) {
      const text = String((err as { stderr?: Buffer }).stderr ?? err);
      if (!/File exists/.test(text)) throw new Error(`could not add 10.77.0.1 to the namespace's lo: ${text}`);
    }
    return "10.77.0.1";
  }
  const own = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === "IPv4" && /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(i.address));
  if (!own) throw new Error("no private-LAN address to reach the gateway off loopback: run the tests as root (npm test then uses its own network namespace) or on a machine with a private IPv4 address");
  return own.address;
}

describe("least privilege off loopback: device approval and the gateway's scope-upgrade flow (real VS Code, real gateway on a LAN address)", function () {
  this.timeout(240_000);
  let k: KrabKrabApi;
  let gw: GatewayHandle;
  let owner: OperatorClient;
  let lanIp: string;

  before(async () => {
    k = await api();
    lanIp = lanAddress();
    const token = `lan-${randomUUID()}`;
    gw = await startGateway({ token, bind: "lan", modelBaseUrl: process.env.KRABKRAB_TEST_MODEL_URL, rootDir: path.join(mkdtempSync(path.join(os.tmpdir(), "kk-vscode-lan-")), "gateway"), readyTimeoutMs: 150_000 });
    owner = new OperatorClient({ url: `ws://127.0.0.1:${gw.port}`, token, identity: createDeviceIdentity(), secrets: new MemorySecretStore(), clientVersion: "0.0.0-test", scopes: ["operator.read", "operator.pairing", "operator.admin"] });
    await owner.connect();
    await cfg().update("profiles", [{ name: PROFILE, transport: "direct", url: `ws://${lanIp}:${gw.port}` }], vscode.ConfigurationTarget.Global);
    assert.equal(await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: PROFILE, value: token }), true);
  });

  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
    await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: PROFILE });
    await cfg().update("profiles", undefined, vscode.ConfigurationTarget.Global);
    await owner?.disconnect();
    await gw?.stop();
  });

  const lan = () => k.gateways.find(PROFILE)!;

  it("the first connect from the LAN waits for the owner to approve this device, then connects with the default scopes only", async () => {
    const ui = answerMessages((m) => (m.kind === "error" || m.kind === "warning" ? null : undefined));
    try {
      // The gateway parks a remote device's first connect as a pairing request.
      const connecting = vscode.commands.executeCommand<boolean>("krabkrab.connect", PROFILE);
      const req = await until("the owner sees the pairing request", () => ownerPending.find((r) => r.clientId !== undefined || r.deviceId), 60_000).catch(async () => {
        throw new Error(`no pending device request; the extension says ${JSON.stringify(ui.seen.map((m) => m.message))}`);
      });
      await owner.devicePairApprove(req.requestId);
      const ok = await connecting;
      if (!ok) assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.connect", PROFILE), true, `connects once approved (${JSON.stringify(ui.seen.map((m) => m.message))})`);
    } finally {
      ui.restore();
    }
    await until("connected", () => lan().state.status === "connected", 60_000);
    const c = lan().current!;
    assert.equal(c.url, `ws://${lanIp}:${gw.port}`);
    assert.equal(c.hasScopes("operator.pairing"), false, "no pairing scope until a command needs it");
    assert.equal(c.hasScopes("operator.admin"), false);
  });

  it("a command that needs operator.pairing + operator.admin asks the owner for exactly those; the connection keeps working until approved", async () => {
    const before = lan().current!;
    const isAsk = (m: ShownMessage) => m.modal && /needs the operator\.pairing and operator\.admin scopes/.test(m.message);
    const isPending = (m: ShownMessage) => !m.modal && /access request pending/.test(m.message);
    const ui = answerMessages((m) => (isAsk(m) ? "Request Access" : isPending(m) ? null : /no pending pairing requests/.test(m.message) ? null : undefined));
    try {
      const run = vscode.commands.executeCommand("krabkrab.approvePairing", { profile: PROFILE });
      const pending = await until("the pending-request notification", () => ui.seen.find(isPending), 60_000);
      const id = /devices approve (\S+)/.exec(pending.message)?.[1];
      assert.ok(id, `the notification names the command the owner runs: ${pending.message}`);
      // Meanwhile: the same client, connected, answering.
      assert.equal(lan().current, before);
      assert.equal(before.state.status, "connected");
      assert.equal(typeof (await before.health()).ok, "boolean");
      const list = await owner.devicePairList();
      const req = list.pending.find((r) => r.requestId === id);
      assert.ok(req, `the owner sees request ${id}: ${JSON.stringify(list.pending.map((r) => r.requestId))}`);
      assert.deepEqual([...(req.scopes ?? [])].filter((s) => s === "operator.pairing" || s === "operator.admin").sort(), ["operator.admin", "operator.pairing"], `asks for what the command needs: ${JSON.stringify(req.scopes)}`);
      await owner.devicePairApprove(id);
      await run;
      assert.ok(ui.seen.some(isAsk), "a modal asked before anything was requested");
      assert.ok(ui.seen.some((m) => /no pending pairing requests/.test(m.message)), `the command went on after the approval: ${JSON.stringify(ui.seen.map((m) => m.message))}`);
    } finally {
      ui.restore();
    }
    const after = lan().current!;
    assert.equal(after.state.status, "connected");
    assert.equal(after.hasScopes("operator.pairing", "operator.admin"), true, `granted: ${after.grantedScopes.join(", ")}`);
  });

  /** The owner's view of pending device requests, refreshed in the background while a test waits. */
  let ownerPending: { requestId: string; deviceId?: string; clientId?: string }[] = [];
  let poll: NodeJS.Timeout | undefined;
  beforeEach(() => {
    ownerPending = [];
    poll = setInterval(() => {
      owner.devicePairList().then((l) => (ownerPending = l.pending as typeof ownerPending), () => undefined);
    }, 300);
  });
  afterEach(() => clearInterval(poll));
});
