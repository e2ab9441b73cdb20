// “KrabKrab: Rename Chat Session…”, “Delete Chat Session…” and “Fork Chat Session”: the session picker's
// actions from the command palette, on the same host functions (webviews/chat-tools.ts). Each takes an
// optional `{ sessionKey, label }` argument (another extension, a test); without one, Rename and Delete ask
// which session (the one the chat shows first), Fork forks the session the chat shows. They act on the
// chat's gateway, or on the one a `profile` in the argument names.
import * as vscode from "vscode";
import type { Logger } from "../../gateway";
import type { ConnectionManager } from "../connection/connection-manager";
import { profileArg, type Gateways } from "../connection/gateways";
import type { CommandSetter } from "../core";
import { showError } from "../views/error-ui";
import { ChatViewProvider } from "../webviews/chat-view";
import { deleteChatSession, forkChatSession, renameChatSession, sessionRowView } from "../webviews/chat-tools";
import { sameSession } from "../views/questions";

interface SessionArg {
  sessionKey?: string;
  label?: string;
}

function argOf(arg: unknown): SessionArg {
  if (typeof arg === "string") return { sessionKey: arg };
  if (!arg || typeof arg !== "object") return {};
  const a = arg as Record<string, unknown>;
  return { sessionKey: typeof a.sessionKey === "string" && a.sessionKey ? a.sessionKey : undefined, label: typeof a.label === "string" ? a.label : undefined };
}

export function registerSessionCommands(gateways: Gateways, log: Logger, command: CommandSetter, showLog: () => void): void {
  const shown = () => ChatViewProvider.current?.sessionShown ?? "main";
  const client = (connections: ConnectionManager) => {
    const c = connections.current;
    if (!c || c.state.status !== "connected") throw new Error("Not connected. Run “KrabKrab: Connect Local” (or Connect Remote) first.");
    return c;
  };

  /** A QuickPick of the gateway's sessions offering `action`, the one the chat shows first. */
  async function pick(connections: ConnectionManager, action: "rename" | "delete", title: string) {
    const c = client(connections);
    const rows = (await c.sessionsList({ limit: 100 })).sessions.map((s) => sessionRowView(c, s)).filter((r) => r.actions?.includes(action));
    const current = shown();
    rows.sort((a, b) => Number(sameSession(current, b.key)) - Number(sameSession(current, a.key)));
    const items = rows.map((r) => ({ label: r.title, description: r.key, detail: sameSession(current, r.key) ? "shown in the chat" : r.updatedAt ? new Date(r.updatedAt).toLocaleString() : undefined, row: r }));
    if (items.length === 0) throw new Error(`The gateway has no session to ${action} here.`);
    return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.row;
  }

  const run = (id: string, fn: (arg: SessionArg, connections: ConnectionManager) => Promise<unknown>) =>
    command(id, async (arg: unknown) => {
      try {
        const named = profileArg(typeof arg === "string" ? undefined : arg);
        return await fn(argOf(arg), named !== undefined ? gateways.get(named) : (ChatViewProvider.current?.connections ?? gateways.primary));
      } catch (err) {
        log.error(err, id);
        void showError(err, { showLog });
        return undefined;
      }
    });

  run("krabkrab.renameSession", async (a, connections) => {
    let key = a.sessionKey;
    let value = "";
    if (!key) {
      const row = await pick(connections, "rename", "KrabKrab: rename which chat session?");
      if (!row) return false;
      key = row.key;
      value = row.label ?? row.title;
    }
    const label = a.label ?? (await vscode.window.showInputBox({ title: "KrabKrab: rename chat session", prompt: "The new name (leave it empty to go back to the gateway's generated title).", value, valueSelection: [0, value.length] }));
    if (label === undefined) return false;
    await renameChatSession(connections, key, label);
    return true;
  });

  run("krabkrab.deleteSession", async (a, connections) => {
    const key = a.sessionKey ?? (await pick(connections, "delete", "KrabKrab: delete which chat session?"))?.key;
    if (!key) return false;
    return deleteChatSession(connections, key); // asks in a modal first
  });

  run("krabkrab.forkSession", async (a, connections) => {
    const key = await forkChatSession(connections, a.sessionKey ?? shown());
    await ChatViewProvider.current?.switchSession(key);
    return key;
  });
}
