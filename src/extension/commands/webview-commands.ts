// The commands of the chat panel and the dashboard, and the dashboard's restore-after-reload serializer.
// One entry point, called once when the core loads (core.ts); the serializer it returns is what the
// activation bundle's stand-in forwards to.
import * as vscode from "vscode";
import type { Logger } from "../../gateway";
import { ChatViewProvider } from "../webviews/chat-view";
import type { Gateways } from "../connection/gateways";
import { escapeNotificationText } from "../common/approval-text";
import { DashboardPanel, DashboardSerializer } from "../webviews/dashboard-panel";
import { editorContext } from "../webviews/editor-actions";
import type { CommandSetter } from "../core";
import { registerModelCommands } from "./model-commands";
import { ChangeReview } from "../review/change-review";

export function registerWebviewFeatures(
  context: vscode.ExtensionContext,
  gateways: Gateways,
  log: Logger,
  command: CommandSetter,
): vscode.WebviewPanelSerializer {
  const uri = context.extensionUri;
  const chatView = async () => {
    if (!ChatViewProvider.current) throw new Error("The KrabKrab chat view is not available.");
    return ChatViewProvider.current;
  };
  // Error text can come from the gateway: escaped, so it cannot plant a link in the notification.
  const fail = (err: unknown) => void vscode.window.showErrorMessage(escapeNotificationText(`KrabKrab: ${(err as Error)?.message ?? String(err)}`, 600));


  // One dashboard per gateway: the one named ({ profile }), the only live one, or the user's pick.
  command("krabkrab.openDashboard", async (arg) => {
    const gateway = await gateways.pick(arg, "Open Dashboard");
    if (gateway) DashboardPanel.show(uri, gateway, log);
  });

  // The chat side panel shows one gateway: this binds it to another (named, or picked among the live ones).
  command("krabkrab.chatWithGateway", async (arg) => {
    try {
      const view = await chatView();
      const gateway = await gateways.pick(arg, "Chat With Gateway");
      if (!gateway) return undefined;
      view.bindTo(gateway);
      await view.reveal();
      return gateway.key;
    } catch (err) {
      fail(err);
      return undefined;
    }
  });

  // Resolves to the new session's key (for a caller that wants to address it next).
  command("krabkrab.newChatSession", async () => {
    try {
      return await (await chatView()).newSession();
    } catch (err) {
      fail(err);
      return undefined;
    }
  });

  // A caller may name the session: executeCommand("krabkrab.switchSession", "main").
  command("krabkrab.switchSession", async (arg) => {
    try {
      const view = await chatView();
      const named = typeof arg === "string" ? arg : arg && typeof arg === "object" && typeof (arg as { sessionKey?: unknown }).sessionKey === "string" ? (arg as { sessionKey: string }).sessionKey : undefined;
      if (named) return await view.switchSession(named);
      const client = view.connections.current;
      if (!client) throw new Error("Not connected. Run “KrabKrab: Connect Local” first.");
      const res = await client.sessionsList({ limit: 100 });
      type Pick = vscode.QuickPickItem & { key?: string };
      const items: Pick[] = [
        { label: "$(add) New session", key: undefined },
        ...res.sessions.map((s) => ({
          label: s.label || s.displayName || s.derivedTitle || s.key.replace(/^agent:[^:]+:/, ""),
          description: s.key,
          detail: [s.kind, s.model, typeof s.updatedAt === "number" ? new Date(s.updatedAt).toLocaleString() : undefined].filter(Boolean).join(" · ") || undefined,
          key: s.key,
        })),
      ];
      const pick = await vscode.window.showQuickPick(items, { title: "KrabKrab: switch chat session", matchOnDescription: true, matchOnDetail: true, placeHolder: `Current: ${view.sessionShown}` });
      if (!pick) return;
      if (pick.key) await view.switchSession(pick.key);
      else await view.newSession();
    } catch (err) {
      fail(err);
    }
  });

  registerModelCommands(command);

  command("krabkrab.sendSelectionToChat", async () => {
    try {
      const editor = vscode.window.activeTextEditor;
      const what = editor && !editor.selection.isEmpty ? "selection" : "file";
      await (await chatView()).addContext(editorContext(what, editor));
    } catch (err) {
      fail(err);
    }
  });
  // Reviewing the agent's edits: every change of the session the chat shows; and, from a review's diff
  // editor, this window's copy of the file at the change.
  command("krabkrab.reviewSessionChanges", async () => {
    try {
      await (await chatView()).reviewSessionChanges();
    } catch (err) {
      fail(err);
    }
  });
  command("krabkrab.openChangedFile", async (arg) => {
    try {
      if (!ChangeReview.current) throw new Error("Review a change first.");
      await ChangeReview.current.openChangedFile(arg instanceof vscode.Uri ? arg : undefined);
    } catch (err) {
      fail(err);
    }
  });
  return new DashboardSerializer(uri, (key) => gateways.get(key), log);
}
