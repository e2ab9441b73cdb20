// Activation: wires the output channel, secret storage, the connection manager, the status bar, the
// chat view and the commands. Activation itself does no network or process work unless the user
// turned auto-connect on.
import * as vscode from "vscode";
import { GatewayIssueError, redactor, resolveLocalTarget, SecretKeys } from "../gateway";
import { ChatViewProvider } from "./chat-view";
import { ConnectionManager } from "./connection-manager";
import { channelLogger } from "./log";
import { VsCodeSecretStore } from "./secret-storage";
import { StatusBar } from "./status-bar";
import { registerWebviewFeatures } from "./webview-commands";

let manager: ConnectionManager | null = null;

/** What activate() returns: a small API for other extensions and the integration tests. */
export interface KrabKrabApi {
  connections: ConnectionManager;
}

export function activate(context: vscode.ExtensionContext): KrabKrabApi {
  const output = vscode.window.createOutputChannel("KrabKrab", { log: true });
  const log = channelLogger(output);
  const secrets = new VsCodeSecretStore(context.secrets);
  const connections = new ConnectionManager(context, secrets, log);
  manager = connections;
  const chatView = new ChatViewProvider(context.extensionUri, connections, log);
  context.subscriptions.push(
    output,
    connections,
    new StatusBar(connections),
    chatView,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chatView, { webviewOptions: { retainContextWhenHidden: true } }),
  );

  registerWebviewFeatures(context, connections, log);

  const command = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  command("krabkrab.connectLocal", async () => {
    const cfg = vscode.workspace.getConfiguration("krabkrab");
    const port = cfg.inspect<number>("local.port");
    let target;
    try {
      target = resolveLocalTarget({
        env: process.env,
        port: port?.workspaceFolderValue ?? port?.workspaceValue ?? port?.globalValue,
        storedToken: await secrets.get(SecretKeys.localGatewayToken),
      });
    } catch (err) {
      void vscode.window.showErrorMessage(`KrabKrab: ${(err as Error).message}`);
      return;
    }
    redactor.add(target.token);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KrabKrab: connecting to the local gateway on port ${target.port}…`, cancellable: true }, async (_p, cancel) => {
      cancel.onCancellationRequested(() => void connections.disconnect());
      try {
        await connections.connect({ label: `local :${target.port}`, url: target.url, token: target.token });
      } catch (err) {
        if (cancel.isCancellationRequested) return;
        void showIssue(err);
      }
    });
  });

  command("krabkrab.disconnect", () => connections.disconnect());
  command("krabkrab.openChat", () => vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`));
  command("krabkrab.showLog", () => output.show(true));
  command("krabkrab.setGatewayToken", async () => {
    const value = await vscode.window.showInputBox({ title: "KrabKrab: gateway token", prompt: "The gateway's shared token (gateway.auth.token). Stored in VS Code's secret storage, never in settings.", password: true, ignoreFocusOut: true });
    if (!value) return;
    await secrets.store(SecretKeys.localGatewayToken, value.trim());
    redactor.add(value.trim());
    void vscode.window.showInformationMessage("KrabKrab: token saved in secret storage.");
  });
  command("krabkrab.showActions", async () => {
    const s = connections.state.status;
    const items: (vscode.QuickPickItem & { cmd: string })[] = [
      ...(s === "disconnected" || s === "paused" ? [{ label: "$(plug) Connect Local", cmd: "krabkrab.connectLocal" }] : [{ label: "$(debug-disconnect) Disconnect", cmd: "krabkrab.disconnect" }]),
      { label: "$(comment-discussion) Open Chat", cmd: "krabkrab.openChat" },
      { label: "$(key) Set Gateway Token", cmd: "krabkrab.setGatewayToken" },
      { label: "$(output) Show Connection Log", cmd: "krabkrab.showLog" },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `KrabKrab — ${s}` });
    if (pick) await vscode.commands.executeCommand(pick.cmd);
  });

  async function showIssue(err: unknown) {
    const issue = err instanceof GatewayIssueError ? err.issue : null;
    const text = issue ? `KrabKrab: ${issue.message} ${issue.nextStep}` : `KrabKrab: ${redactor.redact(String((err as Error)?.message ?? err))}`;
    const actions = issue?.kind === "token-mismatch" || issue?.kind === "auth-required" ? ["Set Token", "Show Log"] : ["Retry", "Show Log"];
    const pick = await vscode.window.showErrorMessage(text, ...actions);
    if (pick === "Set Token") await vscode.commands.executeCommand("krabkrab.setGatewayToken");
    else if (pick === "Retry") await vscode.commands.executeCommand("krabkrab.connectLocal");
    else if (pick === "Show Log") output.show(true);
  }

  if (vscode.workspace.getConfiguration("krabkrab").get<boolean>("autoConnect")) {
    void vscode.commands.executeCommand("krabkrab.connectLocal");
  }
  return { connections };
}

export async function deactivate(): Promise<void> {
  await manager?.disconnect();
  manager = null;
}
