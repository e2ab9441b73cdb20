// Session management in the real VS Code against the real gateway: “KrabKrab: Rename Chat Session…”,
// “Delete Chat Session…” (its modal answered by the suite: Cancel keeps the session, Delete removes it) and
// “Fork Chat Session”, checked in sessions.list / chat.history; and the same actions plus the slash commands
// as the dashboard's chat asks for them (its webview's requests, handled by the real host).
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { KrabKrabApi } from "../../../src/extension/extension";
import { messageText } from "../../../src/gateway/schemas";
import type { WebviewMessage } from "../../../src/shared/contract";
import { answerMessages, api, connectLocalToTestGateway, until } from "./helpers";

type Win = Record<string, (...a: unknown[]) => unknown>;
/** Replaces one vscode.window function for the duration of `run` (the extension shares this API object). */
async function withWindow<T>(name: "showQuickPick" | "showInputBox", fake: (...a: unknown[]) => unknown, run: () => Thenable<T>): Promise<T> {
  const w = vscode.window as unknown as Win;
  const original = w[name]!;
  w[name] = fake;
  assert.notEqual(w[name], original, `vscode.window.${name} cannot be replaced in this VS Code`);
  try {
    return await run();
  } finally {
    w[name] = original;
  }
}

interface PickItem extends vscode.QuickPickItem {
  description?: string;
}

describe("chat sessions: rename, delete and fork (real VS Code, real gateway)", function () {
  this.timeout(300_000);
  let a: KrabKrabApi;

  before(async () => {
    await connectLocalToTestGateway();
    a = await api();
    await vscode.commands.executeCommand("krabkrab.openChat");
    await until("the chat view", () => a.testing?.rendered().chat);
  });
  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  const client = () => a.connections.current!;
  const canonical = (key: string) => (key.startsWith("agent:") ? key : `agent:main:${key}`);
  const listed = async (key: string) => (await client().sessionsList({ limit: 500 })).sessions.find((s) => s.key === canonical(key));

  /** A session with one finished exchange, its reply being `reply`. */
  async function sessionWithReply(reply: string): Promise<string> {
    const key = `vscode-suite-${randomUUID().slice(0, 8)}`;
    const chat = a.connections.chat(key)!;
    await chat.open();
    chat.send(`hello [[echo:${reply}]]`);
    await until(`the reply “${reply}”`, () => chat.snapshot().items.some((i) => i.role === "assistant" && i.status === "final" && i.text === reply), 150_000);
    return key;
  }

  /** Shows `key` in the chat view through “Switch Chat Session”, its QuickPick answered here. */
  async function showInChat(key: string) {
    await withWindow("showQuickPick", async (items: unknown) => (await (items as Thenable<PickItem[]>)).find((i) => i.description === canonical(key)), () => vscode.commands.executeCommand("krabkrab.switchSession"));
    await until(`the chat view on ${key}`, () => canonical(a.testing!.chatSessionShown()) === canonical(key));
  }

  it("Rename Chat Session…: a QuickPick of the sessions, an input box starting from the title; sessions.list shows the new name", async () => {
    const key = await sessionWithReply(`rename-${randomUUID().slice(0, 6)}`);
    const asked: { items: PickItem[]; box?: vscode.InputBoxOptions } = { items: [] };
    const ok = await withWindow(
      "showQuickPick",
      async (items: unknown) => {
        asked.items = await (items as Thenable<PickItem[]>);
        return asked.items.find((i) => i.description === canonical(key));
      },
      () =>
        withWindow(
          "showInputBox",
          async (opts: unknown) => {
            asked.box = opts as vscode.InputBoxOptions;
            return "Suite name";
          },
          () => vscode.commands.executeCommand<boolean>("krabkrab.renameSession"),
        ),
    );
    assert.equal(ok, true);
    const item = asked.items.find((i) => i.description === canonical(key));
    assert.ok(item, `the QuickPick offered the session (${asked.items.map((i) => i.description).join(", ")})`);
    assert.equal(asked.box?.value, item.label, "the input box starts from the session's title");
    assert.equal((await listed(key))?.label, "Suite name");
    // With an argument nothing is asked.
    assert.equal(await vscode.commands.executeCommand("krabkrab.renameSession", { sessionKey: key, label: "Scripted name" }), true);
    assert.equal((await listed(key))?.label, "Scripted name");
  });

  it("Delete Chat Session…: a modal asks first — Cancel keeps the session, Delete removes it, and the chat showing it moves to main", async () => {
    const key = await sessionWithReply(`delete-${randomUUID().slice(0, 6)}`);
    await vscode.commands.executeCommand("krabkrab.renameSession", { sessionKey: key, label: "Doomed session" });
    await showInChat(key);
    let ui = answerMessages((m) => (m.modal && /Delete the chat session/.test(m.message) ? null : undefined));
    try {
      assert.equal(await vscode.commands.executeCommand("krabkrab.deleteSession", { sessionKey: key }), false);
      const asked = ui.seen.find((m) => m.modal);
      assert.ok(asked, `a modal was shown (${JSON.stringify(ui.seen)})`);
      assert.equal(asked.kind, "warning");
      assert.match(asked.message, /Doomed session/, "it names the session");
      assert.deepEqual(asked.items, ["Delete"], "Delete is the only button besides Cancel");
    } finally {
      ui.restore();
    }
    assert.ok(await listed(key), "Cancel kept the session");
    assert.equal(canonical(a.testing!.chatSessionShown()), canonical(key));
    ui = answerMessages((m) => (m.modal && /Delete the chat session/.test(m.message) ? "Delete" : undefined));
    try {
      assert.equal(await vscode.commands.executeCommand("krabkrab.deleteSession", { sessionKey: key }), true);
    } finally {
      ui.restore();
    }
    assert.equal(await listed(key), undefined, "sessions.list no longer has it");
    await until("the chat view back on main", () => a.testing!.chatSessionShown() === "main");
  });

  it("Fork Chat Session: forks the session the chat shows (its transcript copied) and the chat shows the fork", async () => {
    const reply = `fork-${randomUUID().slice(0, 6)}`;
    const key = await sessionWithReply(reply);
    await showInChat(key);
    const fork = await vscode.commands.executeCommand<string>("krabkrab.forkSession");
    assert.match(fork ?? "", /^agent:main:vscode-fork-/);
    await until("the chat view on the fork", () => canonical(a.testing!.chatSessionShown()) === fork);
    const history = await client().chatHistory({ sessionKey: fork! });
    assert.ok(history.messages.some((m) => m.role === "assistant" && messageText(m) === reply), "the fork holds the parent's reply");
    assert.equal((await listed(fork!))?.parentSessionKey, canonical(key));
    const ui = answerMessages((m) => (m.modal ? "Delete" : undefined));
    try {
      for (const k of [fork!, key]) assert.equal(await vscode.commands.executeCommand("krabkrab.deleteSession", { sessionKey: k }), true);
    } finally {
      ui.restore();
    }
  });

  it("from the dashboard's chat: rows carry their actions, the slash commands are the gateway's, and rename / fork / delete (after the modal) work", async () => {
    const key = await sessionWithReply(`dash-${randomUUID().slice(0, 6)}`);
    await vscode.commands.executeCommand("krabkrab.openDashboard");
    await until("the dashboard", () => a.testing!.dashboardRequest({ type: "listCommands", requestId: 1 }) !== undefined);
    let id = 10;
    const ask = async <T>(m: Record<string, unknown>) => (await a.testing!.dashboardRequest({ ...m, requestId: id++ } as WebviewMessage)) as T;

    const { commands } = await ask<{ commands: { name: string; description: string }[] }>({ type: "listCommands" });
    const raw = await client().commandsList({ scope: "text" });
    assert.ok(commands.length > 5, `commands: ${commands.length}`);
    assert.deepEqual(commands.map((c) => c.name), raw.commands.filter((c) => c.scope !== "native").map((c) => c.textAliases?.[0] ?? `/${c.name}`).filter((n, i, all) => all.indexOf(n) === i));
    assert.equal(commands.find((c) => c.name === "/help")?.description, raw.commands.find((c) => c.name === "help")?.description);

    const rows = await ask<{ key: string; actions?: string[] }[]>({ type: "listSessions" });
    assert.deepEqual(rows.find((r) => r.key === canonical(key))?.actions, ["rename", "fork", "delete"]);
    const main = rows.find((r) => r.key === "agent:main:main");
    if (main) assert.ok(!main.actions?.includes("delete"), "the main session is never offered for deletion");

    await ask({ type: "renameSession", sessionKey: canonical(key), label: "Dashboard name" });
    assert.equal((await listed(key))?.label, "Dashboard name");
    const { sessionKey: fork } = await ask<{ sessionKey: string }>({ type: "forkSession", sessionKey: canonical(key) });
    assert.equal((await listed(fork))?.parentSessionKey, canonical(key));
    const ui = answerMessages((m) => (m.modal ? "Delete" : undefined));
    try {
      assert.deepEqual(await ask({ type: "deleteSession", sessionKey: fork }), { deleted: true });
      assert.deepEqual(await ask({ type: "deleteSession", sessionKey: canonical(key) }), { deleted: true });
      assert.equal(ui.seen.filter((m) => m.modal).length, 2, "each delete asked");
    } finally {
      ui.restore();
    }
    assert.equal(await listed(key), undefined);
    assert.equal(await listed(fork), undefined);
  });
});
