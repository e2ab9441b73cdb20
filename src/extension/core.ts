// The core of the extension, its own bundle (dist/core.js): the connection manager, the operator client,
// validators and protocol schemas, the views' real providers and every command's handler. The activation
// bundle (extension.ts) loads it with require() the first time something needs it — a command, the chat
// view, a restored dashboard, the API — so starting VS Code parses none of this.
import * as vscode from "vscode";
import { escapeNotificationText } from "./common/approval-text";
import { DEVICE_TOKEN_PREFIX, clearCredentials, setCredential } from "./profiles/credentials";
import { ChatViewProvider } from "./webviews/chat-view";
import { ConnectionManager } from "./connection/connection-manager";
import { Connector } from "./connection/connect-flow";
import { showError } from "./views/error-ui";
import { registerGatewayCommands } from "./commands/gateway-commands";
import { registerGatewayUpdate } from "./commands/gateway-update";
import { HealthTree } from "./views/health-tree";
import { JsonDocuments } from "./commands/json-documents";
import { channelLogger } from "./views/log-channel";
import { NodesTree } from "./views/nodes-tree";
import { GatewayNotifications } from "./views/notifications";
import { AgentQuestions, sameSession } from "./views/questions";
import { addProfile, offerToMoveSecretsFromSettings, pickProfile, setActiveProfile } from "./profiles/profile-picker";
import { VsCodeSecretStore } from "./profiles/secret-storage";
import { vscodeSshPrompts } from "./connection/ssh-prompts";
import type { StatusBar } from "./views/status-bar";
import type { WebviewMessage } from "../shared/contract";
import { DashboardPanel } from "./webviews/dashboard-panel";
import { renderedReports } from "./webviews/webview-channel";
import { registerWebviewFeatures } from "./commands/webview-commands";
import { UsageMonitor } from "./views/usage-today";
import { usageTooltip } from "./common/session-info";
import { ChangeReview } from "./review/change-review";
import type { ReviewDocuments } from "./review/review-documents";
import { registerSessionCommands } from "./commands/session-commands";
import type { KrabKrabApi } from "./extension";

/** Sets the handler of a contributed command (the activation bundle registered them all, as trampolines). */
export type CommandSetter = (id: string, fn: (...args: unknown[]) => unknown) => void;

/** What the activation bundle hands the core: what it registered at start-up. */
export interface Shell {
  command: CommandSetter;
  nodesView: vscode.TreeView<unknown>;
  healthView: vscode.TreeView<unknown>;
  statusBar: StatusBar;
}

/** What the core gives back: the API's objects and what the stand-ins of the activation bundle forward to. */
export interface Core {
  api: Omit<KrabKrabApi, "logUri" | "testing"> & { testing?: Omit<NonNullable<KrabKrabApi["testing"]>, "unhandledCommands"> };
  chatView: ChatViewProvider;
  nodes: NodesTree;
  health: HealthTree;
  docs: JsonDocuments;
  review: ReviewDocuments;
  dashboardSerializer: vscode.WebviewPanelSerializer;
  autoConnect(): void;
  deactivate(): Promise<void>;
}

export function startCore(context: vscode.ExtensionContext, shell: Shell): Core {
  const output = vscode.window.createOutputChannel("KrabKrab", { log: true });
  const log = channelLogger(output);
  const secrets = new VsCodeSecretStore(context.secrets, context.globalState);
  const connections = new ConnectionManager(context, secrets, log);
  let gatewayChannel: vscode.OutputChannel | null = null;
  const showLog = () => output.show(true);
  const connectedProfile = () => connections.currentTarget?.profileName ?? (connections.currentTarget ? "" : undefined);

  const connector = new Connector({
    connections,
    secrets,
    log,
    prompts: () => vscodeSshPrompts(secrets),
    showLog,
    gatewayChannel: () => (gatewayChannel ??= vscode.window.createOutputChannel("KrabKrab Gateway", "log")),
    setToken: async (profile) => vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: profile ?? "" }),
  });
  const chatView = new ChatViewProvider(context.extensionUri, connections, log);
  const nodes = new NodesTree(connections, log);
  const health = new HealthTree(connections, log);
  const docs = new JsonDocuments();
  const notifications = new GatewayNotifications(connections, log, docs);
  const questions = new AgentQuestions(connections, log);
  const review = new ChangeReview(log);
  questions.chatVisible = (key) => chatView.visible && sameSession(chatView.sessionShown, key);
  const { healthView } = shell;
  context.subscriptions.push(
    output,
    { dispose: () => gatewayChannel?.dispose() },
    connections,
    chatView,
    nodes,
    health,
    notifications,
    questions,
    review,
    docs,
    healthView.onDidChangeVisibility((e) => health.setVisible(e.visible)),
    // Context keys for `when` clauses (viewsWelcome, menus).
    connections.onDidChange(() => {
      void vscode.commands.executeCommand("setContext", "krabkrab.state", connections.state.status);
      void vscode.commands.executeCommand("setContext", "krabkrab.connected", connections.state.status === "connected");
    }),
  );
  shell.statusBar.attach(connections);
  context.subscriptions.push(new UsageMonitor(connections, log, (today) => shell.statusBar.setUsage(today ? usageTooltip(today) : undefined)));
  health.setVisible(healthView.visible);

  const { command } = shell;
  const dashboardSerializer = registerWebviewFeatures(context, connections, log, command);
  registerSessionCommands(connections, log, command, showLog);
  const profileArg = (arg: unknown): string | undefined => (typeof arg === "string" ? arg : arg && typeof arg === "object" && typeof (arg as { profile?: unknown }).profile === "string" ? (arg as { profile: string }).profile : undefined);

  // ---- connecting ----
  command("krabkrab.connect", (arg) => connector.connect({ profile: profileArg(arg) }));
  command("krabkrab.connectLocal", () => connector.connect({ profile: "", forceLocal: true }));
  command("krabkrab.connectRemote", async (arg) => {
    let name = profileArg(arg);
    if (name === undefined) {
      const pick = await pickProfile({ remoteOnly: true, title: "KrabKrab: connect to a remote gateway" });
      if (!pick) return false;
      name = pick.action === "add-ssh" ? await addProfile("ssh", secrets) : pick.action === "add-url" ? await addProfile("url", secrets) : pick.profile;
      if (!name) return false;
    }
    await setActiveProfile(name);
    return connector.connect({ profile: name });
  });
  command("krabkrab.switchProfile", async (arg) => {
    let name = profileArg(arg);
    if (name === undefined) {
      const pick = await pickProfile({ remoteOnly: false, title: "KrabKrab: switch gateway profile" });
      if (!pick) return false;
      name = pick.action === "add-ssh" ? await addProfile("ssh", secrets) : pick.action === "add-url" ? await addProfile("url", secrets) : pick.action === "default" ? "" : pick.profile;
      if (name === undefined) return false;
    }
    await setActiveProfile(name);
    return connector.connect({ profile: name });
  });
  command("krabkrab.reconnect", () => connector.reconnect());
  // Answers a pending agent question with quick picks / an input box (also the notification's Answer…).
  command("krabkrab.answerQuestion", (arg) => questions.answerInteractively(arg && typeof arg === "object" && typeof (arg as { id?: unknown }).id === "string" ? (arg as { id: string }).id : undefined));
  command("krabkrab.disconnect", async () => {
    connector.cancel();
    await connections.disconnect();
  });
  command("krabkrab.testRemote", async () => {
    const tunnel = connections.currentTarget?.tunnel;
    if (!tunnel) {
      void vscode.window.showInformationMessage("KrabKrab: “Test Remote” checks the gateway host over the SSH tunnel; connect to an SSH profile first.", "Connect Remote").then((p) => (p ? vscode.commands.executeCommand("krabkrab.connectRemote") : undefined));
      return undefined;
    }
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "KrabKrab: testing the remote host…" }, () => tunnel.testRemote());
      log.info(`test remote: ${r.detail}`);
      const ok = r.cli !== null && r.gatewayReachable;
      // The detail quotes what the remote host printed: escaped, so it cannot plant a link.
      const text = escapeNotificationText(`KrabKrab: ${r.detail}`, 600);
      void (ok ? vscode.window.showInformationMessage(text) : vscode.window.showWarningMessage(text, "Show Log").then((p) => (p ? showLog() : undefined)));
      return r;
    } catch (err) {
      void showError(err, { showLog });
      return undefined;
    }
  });

  // ---- credentials ----
  command("krabkrab.setGatewayToken", (arg) => setCredential("token", arg, secrets, connectedProfile()));
  command("krabkrab.setGatewayPassword", (arg) => setCredential("password", arg, secrets, connectedProfile()));
  command("krabkrab.clearCredentials", (arg) => clearCredentials(arg, secrets, connectedProfile(), async () => secrets.keys(DEVICE_TOKEN_PREFIX)));

  // ---- views ----
  command("krabkrab.openChat", () => vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`));
  command("krabkrab.showLog", showLog);
  command("krabkrab.showNodes", async () => {
    await vscode.commands.executeCommand(`${NodesTree.viewId}.focus`);
    await nodes.refresh();
  });
  command("krabkrab.refreshNodes", () => nodes.refresh());
  command("krabkrab.showHealth", async () => {
    await vscode.commands.executeCommand(`${HealthTree.viewId}.focus`);
    await health.refresh();
  });
  command("krabkrab.refreshHealth", () => health.refresh());
  const { tail: logs } = registerGatewayCommands(context, { connections, docs, log, showLog, command });
  registerGatewayUpdate(context, { connections, log, showLog, command });

  command("krabkrab.showActions", async () => {
    const s = connections.state.status;
    const live = s !== "disconnected";
    const items: (vscode.QuickPickItem & { cmd?: string })[] = [
      ...(live
        ? [
            { label: "$(debug-disconnect) Disconnect", cmd: "krabkrab.disconnect" },
            { label: "$(refresh) Reconnect", cmd: "krabkrab.reconnect" },
          ]
        : [
            { label: "$(plug) Connect Local", cmd: "krabkrab.connectLocal" },
            { label: "$(remote) Connect Remote…", cmd: "krabkrab.connectRemote" },
          ]),
      { label: "$(arrow-swap) Switch Profile…", cmd: "krabkrab.switchProfile" },
      { label: "", kind: vscode.QuickPickItemKind.Separator },
      { label: "$(comment-discussion) Open Chat", cmd: "krabkrab.openChat" },
      { label: "$(vm) Show Nodes", cmd: "krabkrab.showNodes" },
      { label: "$(pulse) Show Health", cmd: "krabkrab.showHealth" },
      ...(connections.currentTarget?.tunnel ? [{ label: "$(beaker) Test Remote", cmd: "krabkrab.testRemote" }] : []),
      { label: "$(symbol-method) Call Gateway Method…", cmd: "krabkrab.callMethod" },
      { label: "", kind: vscode.QuickPickItemKind.Separator },
      { label: "$(key) Set Gateway Token…", cmd: "krabkrab.setGatewayToken" },
      { label: "$(output) Show Connection Log", cmd: "krabkrab.showLog" },
      { label: "$(gear) Open Settings", cmd: "krabkrab.openSettings" },
    ];
    const target = connections.targetLabel;
    const pick = await vscode.window.showQuickPick(items, { title: `KrabKrab — ${s}${target ? ` · ${target}` : ""}` });
    if (pick?.cmd) await vscode.commands.executeCommand(pick.cmd);
  });
  command("krabkrab.openSettings", () => vscode.commands.executeCommand("workbench.action.openSettings", "@ext:krabkrab.krabkrab-vscode"));

  command("krabkrab.moveSecretsFromSettings", (arg) => offerToMoveSecretsFromSettings(secrets, log, { confirmed: Boolean(arg && typeof arg === "object" && (arg as { confirmed?: unknown }).confirmed === true) }));
  // A token typed into settings: offer to move it (now, and whenever the setting changes).
  void offerToMoveSecretsFromSettings(secrets, log);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("krabkrab.profiles")) void offerToMoveSecretsFromSettings(secrets, log);
    }),
  );

  const testing =
    process.env.KRABKRAB_VSCODE_TEST_RUN === "1"
      ? {
          rendered: () => Object.fromEntries(renderedReports),
          dashboardRequest: (msg: WebviewMessage) => DashboardPanel.current?.requestForTest(msg),
          chatRequest: (msg: WebviewMessage) => ChatViewProvider.current?.requestForTest(msg),
          chatSessionShown: () => chatView.sessionShown,
          statusUsage: () => shell.statusBar.usageText,
        }
      : undefined;
  return {
    api: { connections, connector, nodes, health, notifications, questions, logs, ...(testing ? { testing } : {}) },
    chatView,
    nodes,
    health,
    docs,
    review: review.docs,
    dashboardSerializer,
    // Decided by the activation bundle (at start-up only), not here: loading the core for a command must not connect.
    autoConnect: () => void connector.connect({}, { quiet: false }),
    deactivate: () => connections.disconnect(),
  };
}
