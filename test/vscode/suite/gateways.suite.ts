// Several gateways at once, in the real VS Code: the run's gateway connected locally and a second real
// gateway (its own process, state and token) through a real OpenSSH sshd, both at the same time. Each has
// its own status bar item; the Nodes and Health views group by gateway; the chat view and a dashboard are
// bound to one gateway each and say which; a chat on each lands in that gateway's transcript only; and
// disconnecting one leaves the other's connection (the same client object) untouched.
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { KrabKrabApi } from "../../../src/extension/extension";
import type { WebviewMessage } from "../../../src/shared/contract";
import { messageText } from "../../../src/gateway";
import { answerMessages, api, connectLocalToTestGateway, gateway, until } from "./helpers";
import { sshKeygen, startSshd, type SshdHandle } from "../../fixtures/sshd";
import { startGateway, type GatewayHandle } from "../../fixtures/gateway";

const cfg = () => vscode.workspace.getConfiguration("krabkrab");
const SECOND = "second-vps";

describe("several gateways at once: local + a second real gateway through a real sshd", function () {
  this.timeout(300_000);
  let k: KrabKrabApi;
  let sshd: SshdHandle;
  let gw2: GatewayHandle;
  let requestId = 7000;
  const chatRequest = async <T>(msg: Record<string, unknown>): Promise<T> => (await k.testing!.chatRequest({ ...msg, requestId: ++requestId } as unknown as WebviewMessage)) as T;

  before(async () => {
    k = await api();
    const work = mkdtempSync(path.join(os.tmpdir(), "kk-vscode-two-"));
    const token2 = `second-${randomUUID()}`;
    const modelBaseUrl = process.env.KRABKRAB_TEST_MODEL_URL;
    assert.ok(modelBaseUrl, "KRABKRAB_TEST_MODEL_URL is unset: the model server is started by `npm test` (scripts/test.mjs)");
    [gw2, sshd] = await Promise.all([startGateway({ token: token2, modelBaseUrl, rootDir: path.join(work, "gateway"), readyTimeoutMs: 150_000 }), startSshd({ rootDir: path.join(work, "sshd") })]);
    const key = sshKeygen(path.join(work, "id_ed25519"));
    sshd.addAuthorizedKey(readFileSync(`${key}.pub`, "utf8"));
    const knownHosts = path.join(work, "known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`, { mode: 0o600 });
    const sshConfig = path.join(work, "ssh_config");
    writeFileSync(sshConfig, ["Host kk-second-vps", "  HostName 127.0.0.1", `  Port ${sshd.port}`, "  User root", `  IdentityFile ${key}`, "  IdentitiesOnly yes", `  UserKnownHostsFile ${knownHosts}`, ""].join("\n"));
    await cfg().update("ssh.configFile", sshConfig, vscode.ConfigurationTarget.Global);
    await cfg().update("profiles", [{ name: SECOND, transport: "ssh", sshTarget: "kk-second-vps", remotePort: gw2.port }], vscode.ConfigurationTarget.Global);
    assert.equal(await vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: SECOND, value: token2 }), true);
    await connectLocalToTestGateway();
  });

  after(async () => {
    // The chat view goes back to the default gateway, which the suites after this one use.
    await vscode.commands.executeCommand("krabkrab.chatWithGateway", { profile: "" });
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
    await vscode.commands.executeCommand("krabkrab.clearCredentials", { profile: SECOND });
    await cfg().update("profiles", undefined, vscode.ConfigurationTarget.Global);
    await cfg().update("ssh.configFile", undefined, vscode.ConfigurationTarget.Global);
    delete process.env.KRABKRAB_GATEWAY_TOKEN;
    delete process.env.KRABKRAB_GATEWAY_PORT;
    await Promise.all([sshd?.stop(), gw2?.stop()]);
  });

  const local = () => k.gateways.find("")!;
  const second = () => k.gateways.find(SECOND)!;

  it("Connect Another Gateway connects the SSH profile alongside: two clients, two status bar items", async () => {
    const localClient = local().current;
    assert.ok(localClient && localClient.state.status === "connected");
    assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.connectAnother", { profile: SECOND }), true);
    assert.deepEqual(k.gateways.live().map((m) => m.key).sort(), ["", SECOND]);
    assert.equal(local().current, localClient, "the local connection is the same client as before");
    assert.equal(second().view().target, `ssh kk-second-vps :${gw2.port}`);
    assert.equal(local().view().target, `local :${gateway().port}`);
    assert.notEqual(second().current!.url, localClient.url);
    assert.equal((await second().current!.health()).ok, true);
    assert.equal(k.connections, local(), "the default (krabkrab.activeProfile is unset) stays the local gateway");
    await until("sshd log shows the session", () => /Accepted publickey for root/.test(sshd.log()));
    const texts = await until("one status bar item per gateway", () => {
      const t = k.testing!.statusTexts();
      return t.length === 2 && t.every((x) => x.includes("2026.9.6")) ? t : null;
    }, 20_000);
    assert.ok(texts.some((t) => t.includes("default") && t.includes("local :")), JSON.stringify(texts));
    assert.ok(texts.some((t) => t.includes(SECOND) && t.includes("ssh kk-second-vps")), JSON.stringify(texts));
  });

  it("the Nodes and Health views group by gateway", async () => {
    await k.nodes.refresh();
    const roots = k.nodes.getChildren();
    assert.deepEqual(roots.map((r) => [r.kind, r.profile]), [["gateway", ""], ["gateway", SECOND]]);
    for (const r of roots) {
      const items = k.nodes.getChildren(r);
      assert.ok(items.length > 0, `the ${r.profile || "default"} gateway's group has items`);
      assert.ok(items.every((i) => i.profile === r.profile), "every item names its gateway (its commands act on it)");
    }
    await k.health.refresh();
    const rows = k.health.getChildren();
    assert.deepEqual(rows.map((r) => [r.label, r.profile]), [["default", ""], [SECOND, SECOND]]);
    for (const r of rows) {
      const gatewayRow = r.children?.find((c) => c.label === "Gateway");
      assert.match(gatewayRow?.description ?? "", /2026\.9\.6 · up .* · ok/, `${r.label}: ${JSON.stringify(gatewayRow)}`);
    }
  });

  it("the chat view is bound to one gateway at a time: a message on each lands in that gateway's transcript only", async () => {
    const marker = (where: string) => `on-${where}-${randomUUID().slice(0, 6)}`;
    const sent: Record<string, string> = {};
    await vscode.commands.executeCommand("krabkrab.openChat");
    for (const key of [SECOND, ""]) {
      assert.equal(await vscode.commands.executeCommand("krabkrab.chatWithGateway", { profile: key }), key);
      // The view reloads for the gateway: a user can send once it has loaded (and said which session it shows).
      await until("the chat view bound to the gateway and loaded", () => k.testing!.chatGateway() === key && k.testing!.chatReady(), 30_000);
      const m = (sent[key] = marker(key || "default"));
      const t0 = Date.now();
      for (;;) {
        try {
          const r = await chatRequest<{ queued: boolean }>({ type: "send", text: `[[echo:${m}]]` });
          assert.equal(r.queued, false, "sent at once (the gateway is connected), not queued");
          break;
        } catch (err) {
          if (Date.now() - t0 > 60_000) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const chat = k.gateways.find(key)!.chat("main")!;
      await until(`the reply on ${key || "default"}`, () => chat.snapshot().items.find((i) => i.role === "assistant" && i.status === "final" && i.text === m), 150_000).catch((err: Error) => {
        throw new Error(`${err.message}; the chat shows ${JSON.stringify(chat.snapshot().items.slice(-4).map((i) => [i.role, i.status, i.text.slice(0, 80), i.error]))}`);
      });
    }
    for (const key of ["", SECOND]) {
      const other = key ? "" : SECOND;
      const history = await k.gateways.find(key)!.current!.chatHistory({ sessionKey: "main", limit: 50 });
      const texts = history.messages.map((x) => messageText(x));
      assert.ok(texts.some((t) => t.includes(sent[key]!)), `${key || "default"} has its own message`);
      assert.ok(!texts.some((t) => t.includes(sent[other]!)), `${key || "default"} does not have the other gateway's message`);
    }
  });

  it("a command with no gateway named asks which one; the one picked answers", async () => {
    const w = vscode.window as unknown as { showQuickPick: (items: unknown, opts?: vscode.QuickPickOptions) => Thenable<unknown> };
    const original = w.showQuickPick;
    const asked: { title?: string; labels: string[] }[] = [];
    w.showQuickPick = async (items: unknown, opts?: vscode.QuickPickOptions) => {
      const list = (await items) as (vscode.QuickPickItem & { m?: { key: string } })[];
      asked.push({ title: opts?.title, labels: list.map((i) => i.label) });
      return list.find((i) => i.m?.key === SECOND);
    };
    try {
      const r = await vscode.commands.executeCommand<{ ok?: boolean }>("krabkrab.callMethod", { method: "health", params: {} });
      assert.equal(r?.ok, true);
    } finally {
      w.showQuickPick = original;
    }
    assert.equal(asked.length, 1, JSON.stringify(asked));
    assert.match(asked[0]!.title ?? "", /which gateway/);
    assert.deepEqual(asked[0]!.labels.map((l) => l.replace(/^\$\([^)]+\) /, "")).sort(), ["default", SECOND]);
  });

  it("an exec approval from the second gateway names it, in the notice and at the top of the review", async () => {
    const m = second();
    const client = m.current!;
    const key = `vscode-two-approval-${randomUUID().slice(0, 8)}`;
    await client.call("sessions.patch", { key, permissionMode: "guarded" });
    const chat = m.chat(key)!;
    await chat.open();
    const isNotice = (x: { modal: boolean; items: string[]; message: string }) => !x.modal && x.items.includes("Review…") && /wants to run a command/.test(x.message);
    const isReview = (x: { modal: boolean; message: string }) => x.modal && /wants to run a command/.test(x.message);
    const ui = answerMessages((x) => (isNotice(x) ? "Review…" : isReview(x) ? "Deny" : undefined));
    try {
      chat.send(`Run it [[tool:exec ${JSON.stringify({ command: `printf %s kk-two-${randomUUID().slice(0, 6)}` })}]]`);
      await until("the denied tool result", () => chat.snapshot().items.flatMap((i) => i.tools ?? []).find((t) => t.phase === "result" && t.isError), 180_000);
      const notice = ui.seen.find(isNotice);
      assert.ok(notice, JSON.stringify(ui.seen));
      assert.match(notice.message, new RegExp(`^KrabKrab \\(${SECOND}\\):`), notice.message);
      const review = ui.seen.find(isReview);
      assert.ok(review?.detail?.startsWith(`Gateway: ${SECOND} (ssh kk-second-vps :${gw2.port})\n`), review?.detail);
    } finally {
      ui.restore();
    }
  });

  it("a dashboard per gateway, each titled by its gateway", async () => {
    await vscode.commands.executeCommand("krabkrab.openDashboard", { profile: SECOND });
    await vscode.commands.executeCommand("krabkrab.openDashboard", { profile: "" });
    const labels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    await until("two dashboards", () => labels().includes(`KrabKrab Dashboard — ${SECOND}`) && labels().includes("KrabKrab Dashboard"), 20_000);
  });

  it("disconnecting one gateway leaves the other untouched", async () => {
    const localClient = local().current!;
    const secondClient = second().current!;
    assert.equal(await vscode.commands.executeCommand<boolean>("krabkrab.disconnect", { profile: SECOND }), true);
    assert.equal(second().state.status, "disconnected");
    assert.equal(secondClient.state.status, "disconnected");
    assert.equal(local().current, localClient, "the local client was not replaced");
    assert.equal(localClient.state.status, "connected");
    assert.equal((await localClient.health()).ok, true);
    assert.equal(k.nodes.getChildren().some((r) => r.kind === "gateway"), false, "one gateway: its nodes at the root again");
    await until("one status bar item", () => k.testing!.statusTexts().length === 1, 10_000);
    assert.ok(!k.testing!.statusTexts()[0]!.includes(SECOND));
  });
});
