// The host side of the chat's tools: the composer's slash commands (commands.list, cached per connection and
// agent by cachedSlashCommands) and session management — rename, fork, fork at a message, delete — for the webviews' session picker and the VS Code
// commands alike. Delete is confirmed here, in a modal VS Code dialog, never by the webview alone: a webview
// only asks. What a gateway does not advertise is not offered (each picker row carries its actions).
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { cachedSlashCommands, deleteSession, forkAtMessage, forkSession, isMainSessionKey, renameSession, sessionActionsOffered, type OperatorClient, type SessionRow } from "../../gateway";
import { DeleteSession, ForkAtMessage, ForkSession, ListCommands, RenameSession, type SessionRowView, type SlashCommandView } from "../../shared/contract";
import type { ConnectionManager } from "../connection/connection-manager";
import { escapeNotificationText } from "../common/approval-text";
import { sameSession } from "../views/questions";
import type { WebviewChannel } from "./webview-channel";

/** Fires after a session was deleted (any view showing it moves to the main session). */
const deleted = new vscode.EventEmitter<string>();
export const onDidDeleteSession = deleted.event;

function connected(connections: ConnectionManager): OperatorClient {
  const c = connections.current;
  if (!c || c.state.status !== "connected") throw new Error("Not connected. Run “KrabKrab: Connect Local” (or Connect Remote) first.");
  return c;
}

/** The slash commands for the agent of `sessionKey`, as the contract bounds them; [] while disconnected. */
export async function slashCommandViews(connections: ConnectionManager, sessionKey: string): Promise<SlashCommandView[]> {
  const c = connections.current;
  if (!c || c.state.status !== "connected") return [];
  const p = cachedSlashCommands(c, sessionKey);
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  return (await p)
    .filter((x) => x.name.length <= 201)
    .slice(0, 500)
    .map((x) => ({
      name: x.name,
      aliases: x.aliases.filter((a) => a.length <= 201).slice(0, 20),
      description: clip(x.description, 2000),
      ...(x.args ? { args: clip(x.args, 1000) } : {}),
      ...(x.category ? { category: clip(x.category, 64) } : {}),
    }));
}

/** A sessions.list row for the picker: its title, custom name and what may be done with it here. */
export function sessionRowView(client: OperatorClient, s: SessionRow): SessionRowView {
  const offered = sessionActionsOffered(client);
  const main = s.isMain === true || isMainSessionKey(s.key);
  const actions = offered.filter((a) => a !== "delete" || !main);
  const updatedAt = typeof s.updatedAt === "number" ? s.updatedAt : typeof s.updatedAt === "string" ? Date.parse(s.updatedAt) || undefined : undefined;
  return {
    key: s.key,
    title: s.label || s.displayName || s.derivedTitle || s.key.replace(/^agent:[^:]+:/, ""),
    ...(s.label ? { label: s.label } : {}),
    kind: s.kind,
    updatedAt,
    model: s.model,
    ...(actions.length ? { actions } : {}),
  };
}

/** The session's name as the gateway shows it (for the confirmation), best effort. */
async function titleOf(client: OperatorClient, key: string): Promise<string> {
  const short = key.replace(/^agent:[^:]+:/, "");
  if (!client.hello?.methods.includes("sessions.describe")) return short;
  try {
    const d = await client.sessionsDescribe(key);
    const row = (d.session ?? d) as Record<string, unknown>;
    const name = [row.label, row.displayName, row.derivedTitle].find((v): v is string => typeof v === "string" && v.trim() !== "");
    return name ? `${name} (${short})` : short;
  } catch {
    return short;
  }
}

export async function renameChatSession(connections: ConnectionManager, key: string, label: string): Promise<void> {
  await renameSession(connected(connections), key, label);
}

/** Forks `key` into a fresh vscode-fork-… session; returns the fork's key. */
export async function forkChatSession(connections: ConnectionManager, key: string): Promise<string> {
  const c = connected(connections);
  const fork = `vscode-fork-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  return (await forkSession(c, key, fork)).key;
}

/**
 * Asks in a modal dialog (Cancel is the default), then deletes. Returns false when not confirmed. The main
 * session is refused before asking: the gateway never deletes it.
 */
export async function deleteChatSession(connections: ConnectionManager, key: string): Promise<boolean> {
  const c = connected(connections);
  if (isMainSessionKey(key)) throw new Error("The main session cannot be deleted (the gateway keeps every agent's main session).");
  const title = escapeNotificationText(await titleOf(c, key), 200);
  const pick = await vscode.window.showWarningMessage(
    `Delete the chat session “${title}”?`,
    { modal: true, detail: "The gateway removes the session and its transcript (it keeps a .deleted archive on the gateway host). This cannot be undone from VS Code." },
    "Delete",
  );
  if (pick !== "Delete") return false;
  await deleteSession(c, key);
  deleted.fire(key);
  return true;
}

/** What a chat view needs from its controller to handle the chat-tool requests. */
export interface ChatToolsHost {
  readonly currentSessionKey: string;
  switchSession(key: string): Promise<void>;
}

/** Registers the chat-tool requests on a chat webview's channel; the returned disposable stops following deletions. */
export function handleChatTools(channel: WebviewChannel, connections: ConnectionManager, view: ChatToolsHost): vscode.Disposable {
  channel.handle(ListCommands, async () => ({ commands: await slashCommandViews(connections, view.currentSessionKey) }));
  channel.handle(RenameSession, async (m) => {
    await renameChatSession(connections, m.sessionKey, m.label);
    return {};
  });
  channel.handle(DeleteSession, async (m) => ({ deleted: await deleteChatSession(connections, m.sessionKey) }));
  channel.handle(ForkSession, async (m) => {
    const key = await forkChatSession(connections, m.sessionKey);
    await view.switchSession(key);
    return { sessionKey: key };
  });
  // Fork from here: the fork is shown in this view; the webview puts the message (editorText) in its composer.
  channel.handle(ForkAtMessage, async (m) => {
    const r = await forkAtMessage(connected(connections), m.sessionKey, { entryId: m.entryId, idempotencyKey: m.idempotencyKey });
    await view.switchSession(r.key);
    return { sessionKey: r.key, ...(r.editorText !== undefined ? { editorText: r.editorText } : {}) };
  });
  // A deleted session is not left on screen (from this view's picker, another view's, or a command).
  return onDidDeleteSession((key) => {
    if (sameSession(view.currentSessionKey, key) || sameSession(key, view.currentSessionKey)) void view.switchSession("main");
  });
}
