// @-mentions and reviewing the agent's edits inside a real VS Code, against the real gateway the harness
// started (same machine: the agent's files are this window's files, as on Remote-SSH to the gateway host).
// The chat view's requests are made as its webview would make them (the activation API's test-only
// `testing.chatRequest`); what they do is checked where it lands: the gateway's history (the mentioned file's
// content went with the message), VS Code's tab groups (a TabInputTextDiff whose two sides are the change's
// before and after), the editor (Open File at Change at the changed line) and the multi-file list.
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { ContextSnippet, MentionItem, WebviewMessage } from "../../../src/shared/contract";
import type { KrabKrabApi } from "../../../src/extension/extension";
import { api, connectLocalToTestGateway, until } from "./helpers";

let requestId = 1000;

async function untilAsync<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("@-mentions and Review changes (real VS Code, real gateway)", function () {
  this.timeout(300_000);
  let k: KrabKrabApi;
  let folder: vscode.Uri;
  const chatRequest = async <T>(msg: Record<string, unknown>): Promise<T> => (await k.testing!.chatRequest({ ...msg, requestId: ++requestId } as unknown as WebviewMessage)) as T;

  before(async () => {
    k = await api();
    await connectLocalToTestGateway();
    folder = vscode.workspace.workspaceFolders![0]!.uri;
    await vscode.commands.executeCommand("krabkrab.openChat");
    // The view resolves (and its channel exists) a moment after it is shown.
    const t0 = Date.now();
    for (;;) {
      try {
        await chatRequest({ type: "loadOlder" });
        break;
      } catch (err) {
        if (Date.now() - t0 > 60_000) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
  after(async () => {
    // The suites after this one expect the chat view on the "main" session, where it starts.
    await chatRequest({ type: "switchSession", sessionKey: "main" });
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  /** A fresh session in the chat view; its canonical key. */
  async function newSession(): Promise<string> {
    const { sessionKey } = await chatRequest<{ sessionKey: string }>({ type: "newSession" });
    return sessionKey;
  }

  /** Waits for the run started by the user message `text` to finish; returns its assistant items. */
  async function runOf(key: string, sentId: string) {
    const chat = k.connections.chat(key)!;
    const runId = await until("the run id", () => chat.snapshot().items.find((i) => i.id === sentId)?.idempotencyKey, 30_000);
    await until("the run's final reply", () => chat.snapshot().items.find((i) => i.runId === runId && i.role === "assistant" && i.status === "final"), 180_000);
    return { runId, tools: chat.snapshot().items.filter((i) => i.runId === runId).flatMap((i) => i.tools ?? []) };
  }

  it("a mention offers the file (and the selection), and adds the file's content as context that reaches the gateway", async () => {
    const name = `mention-${randomUUID().slice(0, 8)}.md`;
    const content = "# Notes\nline two\nline three\nline four\n";
    const uri = vscode.Uri.joinPath(folder, name);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));

    const found = await untilAsync("the file in the mention list", async () => (await chatRequest<{ items: MentionItem[] }>({ type: "mentionSearch", query: name.slice(0, 12) })).items.find((i) => i.label === name), 30_000);
    assert.equal(found.kind, "file");
    assert.equal(vscode.Uri.parse(found.ref).fsPath, uri.fsPath);

    // The selection of the active editor is offered first, as "path#Lstart-end".
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(1, 0, 3, 0);
    const offered = await chatRequest<{ items: MentionItem[] }>({ type: "mentionSearch", query: "" });
    assert.deepEqual([offered.items[0]?.kind, offered.items[0]?.label], ["selection", `${name}#L2-3`]);
    assert.ok(offered.items.some((i) => i.kind === "editor" && i.label === name), "open editors are offered");
    const lines = await chatRequest<ContextSnippet>({ type: "mentionResolve", ref: found.ref, range: { start: 2, end: 3 } });
    assert.deepEqual([lines.label, lines.text], [`${name}#L2-3`, "line two\nline three"]);
    // Nothing outside the window's workspace (or its open editors) is read.
    await assert.rejects(chatRequest({ type: "mentionResolve", ref: "file:///etc/hostname" }), /not in this window's workspace/);

    const whole = await chatRequest<ContextSnippet>({ type: "mentionResolve", ref: found.ref });
    assert.deepEqual([whole.label, whole.text, whole.language], [name, content, "markdown"]);
    const key = await newSession();
    const reply = `mentioned ${randomUUID().slice(0, 8)}`;
    const sent = await chatRequest<{ id: string }>({ type: "send", text: `Summarize @${name} [[echo:${reply}]]`, context: [whole] });
    await runOf(key, sent.id);
    const history = await k.connections.current!.chatHistory({ sessionKey: key });
    const user = JSON.stringify(history.messages.filter((m) => m.role === "user").pop()?.content);
    assert.ok(user.includes(JSON.stringify(content).slice(1, -1)), `the file's content went with the message: ${user.slice(0, 400)}`);
    assert.ok(user.includes(`${name}:`), "labelled with the mention");
  });

  it("Review changes opens the diff editor: two read-only sides, before and after; Open File at Change opens this window's file at the line", async () => {
    const file = vscode.Uri.joinPath(folder, `review-${randomUUID().slice(0, 8)}.txt`).fsPath;
    const key = await newSession();
    const sent = await chatRequest<{ id: string }>({ type: "send", text: `Notes [[write:${file}]]one\ntwo\nthree\n[[/write]] fix [[edit:${file}]]two\n[[to]]TWO\n[[/edit]]` });
    const { runId, tools } = await runOf(key, sent.id);
    const edit = tools.find((t) => t.name === "edit" && t.phase === "result");
    assert.ok(edit, `an edit card: ${JSON.stringify(tools.map((t) => [t.name, t.phase]))}`);

    assert.deepEqual(await chatRequest({ type: "reviewChanges", toolCallId: edit.toolCallId }), { files: 1 });
    const diff = await until("a diff editor tab", () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.input).find((i): i is vscode.TabInputTextDiff => i instanceof vscode.TabInputTextDiff && i.original.scheme === "krabkrab-review" && i.modified.path.endsWith(file.split("/").pop()!)), 30_000);
    const [before, after] = await Promise.all([vscode.workspace.openTextDocument(diff.original), vscode.workspace.openTextDocument(diff.modified)]);
    assert.equal(before.getText(), "one\ntwo\nthree\n");
    assert.equal(after.getText(), "one\nTWO\nthree\n");
    assert.equal(after.languageId, "plaintext");
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))), "one\nTWO\nthree\n", "the real gateway's edit tool changed the real file");
    // The diff opened at the changed line.
    await until("the diff's modified side active at line 2", () => vscode.window.activeTextEditor?.document.uri.toString() === diff.modified.toString() && vscode.window.activeTextEditor.selection.active.line === 1, 10_000);

    await vscode.commands.executeCommand("krabkrab.openChangedFile", diff.modified);
    const opened = await until("this window's file open at the change", () => (vscode.window.activeTextEditor?.document.uri.fsPath === file ? vscode.window.activeTextEditor : undefined), 10_000);
    assert.equal(opened.selection.active.line, 1);

    // The whole reply: from before the write (the file did not exist) to after the edit.
    assert.deepEqual(await chatRequest({ type: "reviewChanges", runId }), { files: 1 });
    const whole = await until("the reply's diff", () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.toString() !== diff.original.toString() && t.input.original.scheme === "krabkrab-review"), 30_000);
    assert.match(whole.label, /new file/);
    const w = whole.input as vscode.TabInputTextDiff;
    assert.equal((await vscode.workspace.openTextDocument(w.original)).getText(), "");
    assert.equal((await vscode.workspace.openTextDocument(w.modified)).getText(), "one\nTWO\nthree\n");
  });

  it("a reply that changed several files gives the multi-file list; picking a file opens its diff", async () => {
    const a = vscode.Uri.joinPath(folder, `multi-a-${randomUUID().slice(0, 8)}.ts`).fsPath;
    const b = vscode.Uri.joinPath(folder, `multi-b-${randomUUID().slice(0, 8)}.ts`).fsPath;
    const key = await newSession();
    const sent = await chatRequest<{ id: string }>({ type: "send", text: `Two files [[write:${a}]]export const a = 1;\n[[/write]] [[write:${b}]]export const b = 2;\n[[/write]]` });
    const { runId } = await runOf(key, sent.id);
    const w = vscode.window as unknown as { createQuickPick: typeof vscode.window.createQuickPick };
    const original = w.createQuickPick;
    let qp: vscode.QuickPick<vscode.QuickPickItem> | undefined;
    w.createQuickPick = <T extends vscode.QuickPickItem>() => (qp = original.call(vscode.window) as unknown as vscode.QuickPick<vscode.QuickPickItem>) as unknown as vscode.QuickPick<T>;
    try {
      assert.deepEqual(await chatRequest({ type: "reviewChanges", runId }), { files: 2 });
      const list = await until("the multi-file list", () => qp, 10_000);
      const labels = list.items.map((i) => i.label);
      assert.equal(labels[0], "$(diff-multiple) All files");
      assert.deepEqual(labels.slice(1).sort(), [`$(file) ${a}`, `$(file) ${b}`].sort());
      assert.deepEqual(list.items.slice(1).map((i) => i.description), ["+1 −0", "+1 −0"]);
      assert.ok(list.items.slice(1).every((i) => i.buttons?.length === 1), "each file offers Open file (it is this window's)");
      const pick = list.items.find((i) => i.label.endsWith(b))!;
      const bDiff = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.input).find((i): i is vscode.TabInputTextDiff => i instanceof vscode.TabInputTextDiff && i.modified.path.endsWith(b.split("/").pop()!));
      // As Enter would: the extension host sends the list to the workbench a moment after it changes, so the
      // pick and the accept are repeated until the workbench has the item (the list stays open after a pick).
      const shown = await untilAsync("b's diff", async () => {
        list.activeItems = [pick];
        await new Promise((r) => setTimeout(r, 300));
        await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
        await new Promise((r) => setTimeout(r, 700));
        return bDiff();
      }, 30_000);
      assert.equal((await vscode.workspace.openTextDocument(shown.modified)).getText(), "export const b = 2;\n");
      list.hide();

      // Review Agent Changes in This Session: the gateway offers sessions.diff, so it asks which changes; the
      // file tools' changes of this conversation are these two files.
      qp = undefined;
      const ask = vscode.window as unknown as { showQuickPick: (items: readonly vscode.QuickPickItem[]) => Thenable<vscode.QuickPickItem | undefined> };
      const showQuickPick = ask.showQuickPick;
      const offered: string[] = [];
      ask.showQuickPick = (items) => {
        offered.push(...items.map((i) => i.label));
        return Promise.resolve(items.find((i) => /file tools/.test(i.label)));
      };
      try {
        await vscode.commands.executeCommand("krabkrab.reviewSessionChanges");
      } finally {
        ask.showQuickPick = showQuickPick;
      }
      assert.deepEqual(offered, ["$(tools) What the agent's file tools changed", "$(git-compare) The checkout's uncommitted changes"]);
      const session = await until("the session's list", () => qp, 10_000);
      assert.deepEqual(session.items.slice(1).map((i) => i.label).sort(), [`$(file) ${a}`, `$(file) ${b}`].sort());
      session.hide();
    } finally {
      w.createQuickPick = original;
    }
  });
});
