// "KrabKrab: Choose Model for Chat Session" in a real VS Code against the real gateway: the command opens a
// QuickPick with the same choices as the chat header's picker (models, the model's thinking levels, fast mode),
// picking one — accepted the way a user does, through the workbench's own quick-input accept — patches the chat
// view's session on the gateway, the transcript notes the change and the chat webview draws the note. A
// programmatic change works too, and today's usage reaches the status bar's tooltip after a reply.
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { KrabKrabApi } from "../../../src/extension/extension";
import type { SessionInfoView } from "../../../src/shared/contract";
import { answerMessages, api as activate, connectLocalToTestGateway, until } from "./helpers";

const SMALL = "krabkrab-demo/krabkrab-demo-small";
type Pick = vscode.QuickPickItem & { change?: unknown };

describe("Choose Model for Chat Session (real VS Code, real gateway)", function () {
  this.timeout(240_000);
  let api: KrabKrabApi;
  let key = "";

  before(async () => {
    api = await activate();
    await connectLocalToTestGateway();
    await vscode.commands.executeCommand("krabkrab.openChat");
    await until("the chat webview", () => api.testing?.rendered().chat);
    const made = await vscode.commands.executeCommand<string | undefined>("krabkrab.newChatSession");
    assert.ok(made, "New Chat Session returns the new key");
    key = made;
    await until("the new, empty session in the chat webview", () => api.testing?.rendered().chat?.items === 0);
  });

  after(async () => {
    // The suites after this one expect the chat view on "main", where it starts.
    await vscode.commands.executeCommand("krabkrab.switchSession", "main");
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  it("the chat view loads the picker's own script (main-models.js) under the webview's CSP", async () => {
    // Its first request is logged by the host; the KrabKrab output channel is a file in the log folder.
    let dir = api.logUri.fsPath;
    while (dir !== path.dirname(dir) && !existsSync(path.join(dir, "User"))) dir = path.dirname(dir);
    const logText = () => {
      const found: string[] = [];
      const walk = (d: string) => {
        for (const n of readdirSync(d, { withFileTypes: true })) {
          if (n.isDirectory()) walk(path.join(d, n.name));
          else if (/KrabKrab\.log$/.test(n.name)) found.push(readFileSync(path.join(d, n.name), "utf8"));
        }
      };
      walk(dir);
      return found.join("\n");
    };
    await until("the picker's first request in the KrabKrab log", () => logText().includes("the model picker's script is loaded"), 30_000);
  });

  it("is contributed in the KrabKrab category", async () => {
    const ext = vscode.extensions.all.find((e) => e.id === "krabkrab.krabkrab-vscode")!;
    const cmd = (ext.packageJSON.contributes.commands as { command: string; title: string; category: string }[]).find((c) => c.command === "krabkrab.chooseModel");
    assert.deepEqual(cmd && { title: cmd.title, category: cmd.category }, { title: "Choose Model for Chat Session", category: "KrabKrab" });
    assert.ok((await vscode.commands.getCommands(true)).includes("krabkrab.chooseModel"));
  });

  it("opens a QuickPick of models, thinking levels and fast mode; accepting a model patches the session and notes it", async () => {
    const w = vscode.window as unknown as { createQuickPick: () => vscode.QuickPick<Pick> };
    const create = w.createQuickPick;
    let qp: vscode.QuickPick<Pick> | undefined;
    w.createQuickPick = () => (qp = create.call(vscode.window));
    let done: Thenable<unknown>;
    try {
      done = vscode.commands.executeCommand("krabkrab.chooseModel");
      await until("the QuickPick with its items", () => qp && qp.items.length > 0, 30_000);
    } finally {
      w.createQuickPick = create;
    }
    const pick = qp!;
    const separators = pick.items.filter((i) => i.kind === vscode.QuickPickItemKind.Separator).map((i) => i.label);
    assert.deepEqual(separators, ["Model", "Thinking", "Fast mode"]);
    assert.deepEqual(pick.items.filter((i) => i.description === "thinking level").map((i) => i.label), ["off"], "the default model's one level (none checked: a session not created yet has no level of its own)");
    assert.deepEqual(pick.items.filter((i) => i.description?.startsWith("fast mode")).map((i) => i.label), ["$(check) Default", "On", "Off", "Auto"]);
    const models = pick.items.filter((i) => typeof i.description === "string" && i.description.includes("/"));
    assert.deepEqual(models.map((i) => i.description).sort(), ["krabkrab-demo/krabkrab-demo", SMALL]);
    assert.equal(pick.activeItems[0]?.description, "krabkrab-demo/krabkrab-demo", "it starts on the session's current model");
    assert.match(pick.activeItems[0]!.label, /^\$\(check\) /, "the current model is checked");
    assert.match(pick.title ?? "", new RegExp(key));

    // The keyboard's way: ↓ (the workbench's own "select next" in quick input) onto the other model, then Enter.
    const target = models.find((i) => i.description === SMALL)!;
    await vscode.commands.executeCommand("workbench.action.quickOpenSelectNext");
    await until("the workbench to move onto the small model", () => pick.activeItems[0] === target, 10_000);
    await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
    assert.deepEqual(await done, { model: SMALL });

    const row = (await api.connections.current!.sessionsDescribe(key)).session;
    assert.equal(row?.model, "krabkrab-demo-small", "the gateway's session uses the picked model");
    const chat = api.connections.chat(key)!;
    const note = chat.snapshot().items.find((i) => i.role === "system" && /^Model changed to/.test(i.text));
    assert.ok(note, `a transcript note: ${JSON.stringify(chat.snapshot().items)}`);
    assert.match(note.text.replace(/\\/g, ""), /krabkrab-demo\/krabkrab-demo-small/);
    await until("the note in the chat webview", () => (api.testing?.rendered().chat?.items ?? 0) >= 1);
  });

  it("takes the change as an argument too, and the QuickPick then offers the new model's thinking levels", async () => {
    assert.deepEqual(await vscode.commands.executeCommand("krabkrab.chooseModel", { thinkingLevel: "high" }), { thinkingLevel: "high" });
    const row = (await api.connections.current!.sessionsDescribe(key)).session as { thinkingLevel?: string } | null | undefined;
    assert.equal(row?.thinkingLevel, "high");
    const notes = api.connections.chat(key)!.snapshot().items.filter((i) => i.role === "system").map((i) => i.text);
    assert.deepEqual(notes.slice(-1), ["Thinking level set to **high**."]);

    const w = vscode.window as unknown as { createQuickPick: () => vscode.QuickPick<Pick> };
    const create = w.createQuickPick;
    let qp: vscode.QuickPick<Pick> | undefined;
    w.createQuickPick = () => (qp = create.call(vscode.window));
    let done: Thenable<unknown>;
    try {
      done = vscode.commands.executeCommand("krabkrab.chooseModel");
      await until("the QuickPick", () => qp && qp.items.length > 0, 30_000);
    } finally {
      w.createQuickPick = create;
    }
    const labels = qp!.items.map((i) => i.label);
    assert.ok(labels.includes("Thinking"), `a Thinking group for the reasoning model: ${JSON.stringify(labels)}`);
    assert.ok(labels.includes("$(check) high"), "the level set is checked");
    qp!.hide(); // Escape: nothing changes
    assert.equal(await done, undefined);
  });

  it("after a reply on the new model, today's usage is in the status bar's tooltip", async () => {
    const chat = api.connections.chat(key)!;
    const marker = `usage ${Date.now()}`;
    chat.send(`[[echo:${marker}]]`);
    await until("the reply", () => chat.snapshot().items.some((i) => i.role === "assistant" && i.status === "final" && i.text === marker), 150_000);
    const usage = await until("today's usage in the status bar tooltip", () => {
      const u = api.testing?.statusUsage();
      return u && /^Today: [\d,]+ tokens/.test(u) && !/^Today: 0 tokens/.test(u) ? u : undefined;
    }, 60_000);
    assert.match(usage, /≈ \$0/, "the demo models cost nothing");
  });

  it("the header's session info comes from the real gateway: the picked model, its window, the context used", async () => {
    const testing = api.testing!;
    const r = (await testing.chatRequest({ type: "getSessionInfo", requestId: 1 })) as { info: SessionInfoView | null };
    assert.ok(r.info, "the chat view's host answers with the session's info");
    assert.equal(r.info.sessionKey, key);
    assert.equal(r.info.model, SMALL);
    assert.match(r.info.modelName ?? "", /small context/);
    assert.equal(r.info.thinkingLevel, "high");
    assert.equal(r.info.contextWindow, 32000);
    assert.ok((r.info.usedTokens ?? 0) > 0, `the reply filled the context: ${JSON.stringify(r.info)}`);
    assert.equal(r.info.canPick, true);
    assert.equal(r.info.canCompact, true);
  });

  it("Compact asks for operator.admin (reconnecting after a confirmation), compacts, and the transcript shows the gateway's entry", async () => {
    const asked = answerMessages((m) => (m.modal && /Compacting a chat session needs the operator\.admin scope/.test(m.message) ? "Reconnect with Scopes" : undefined));
    let r: { compacted: boolean; reason?: string };
    try {
      r = (await api.testing!.chatRequest({ type: "compactSession", requestId: 2 })) as typeof r;
    } finally {
      asked.restore();
    }
    assert.equal(asked.seen.filter((m) => m.modal).length, 1, `one confirmation: ${JSON.stringify(asked.seen)}`);
    assert.deepEqual(r, { compacted: true, reason: undefined });
    assert.ok(api.connections.current!.hasScopes("operator.admin"), "the connection holds operator.admin now");
    const chat = api.connections.chat(key)!;
    await until("the gateway's Compaction entry in the transcript", () => chat.snapshot().items.some((i) => i.role === "system" && /Compaction/.test(i.text)), 30_000);
    assert.ok(chat.snapshot().items.some((i) => i.role === "system" && /^Model changed to/.test(i.text)), "the extension's own note survived the re-read");
  });
});
