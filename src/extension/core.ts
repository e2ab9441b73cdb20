// The core of the extension, its own bundle (dist/core.js): the connection manager, the operator client,
// validators and protocol schemas, the views' real providers and every command's handler. The activation
// bundle (extension.ts) loads it with require() the first time something needs it — a command, the chat
// view, a restored dashboard, the API — so starting VS Code parses none of this.
import * as vscode from "vscode";
import { DEVICE_TOKEN_PREFIX, clearCredentials, setCredential } from "./profiles/credentials";
import { ChatViewProvider } from "./webviews/chat-view";
import type { ConnectionManager } from "./connection/connection-manager";
import { Gateways } from "./connection/gateways";
import { Connector } from "./connection/connect-flow";
import { registerGatewayCommands } from "./commands/gateway-commands";
import { registerGatewayUpdate } from "./commands/gateway-update";
import { HealthTree } from "./views/health-tree";
import { JsonDocuments } from "./commands/json-documents";
import { channelLogger } from "./views/log-channel";
import { NodesTree } from "./views/nodes-tree";
import { GatewayNotifications } from "./views/notifications";
import { AgentQuestions, sameSession } from "./views/questions";
import { offerToMoveSecretsFromSettings } from "./profiles/profile-picker";
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
import { registerConnectionCommands } from "./commands/connection-commands";
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
  const gateways = Gateways.create(context, secrets, log);
  let gatewayChannel: vscode.OutputChannel | null = null;
  const showLog = () => output.show(true);
  const connectedProfile = () => {
    const t = gateways.primary.currentTarget;
    return t?.profileName ?? (t ? "" : undefined);
  };

  const connector = new Connector({
    gateways,
    secrets,
    log,
    prompts: () => vscodeSshPrompts(secrets),
    showLog,
    gatewayChannel: () => (gatewayChannel ??= vscode.window.createOutputChannel("KrabKrab Gateway", "log")),
    setToken: async (profile) => vscode.commands.executeCommand("krabkrab.setGatewayToken", { profile: profile ?? "" }),
  });
  const docs = new JsonDocuments();
  // What each gateway has of its own, from the moment its connection exists: approvals, questions, usage.
  const several = () => gateways.live().length > 1;
  const perGateway = new Map<ConnectionManager, { notifications: GatewayNotifications; questions: AgentQuestions }>();
  let shownChat: ChatViewProvider | null = null; // set below: the chat view asks for the primary gateway, which creates it
  context.subscriptions.push(
    gateways.onDidAdd((m) => {
      const questions = new AgentQuestions(m, m.log, several);
      questions.chatVisible = (key) => !!shownChat && shownChat.visible && shownChat.connections === m && sameSession(shownChat.sessionShown, key);
      const notifications = new GatewayNotifications(m, m.log, docs, several);
      const usage = new UsageMonitor(m, m.log, (today) => shell.statusBar.setUsage(m.key, today ? usageTooltip(today) : undefined));
      perGateway.set(m, { notifications, questions });
      context.subscriptions.push(notifications, questions, usage);
    }),
  );
  const gatewayOf = (m: ConnectionManager) => perGateway.get(m)!;
  const chatView = new ChatViewProvider(context.extensionUri, gateways, log);
  shownChat = chatView;
  const nodes = new NodesTree(gateways);
  const health = new HealthTree(gateways);
  const review = new ChangeReview(log);
  const { healthView } = shell;
  const contextKeys = new Map<string, unknown>();
  const setContext = (key: string, value: unknown) => {
    if (contextKeys.has(key) && contextKeys.get(key) === value) return;
    contextKeys.set(key, value);
    void vscode.commands.executeCommand("setContext", key, value);
  };
  context.subscriptions.push(
    output,
    { dispose: () => gatewayChannel?.dispose() },
    gateways,
    chatView,
    nodes,
    health,
    review,
    docs,
    healthView.onDidChangeVisibility((e) => health.setVisible(e.visible)),
    // Context keys for `when` clauses (viewsWelcome, menus): the primary gateway's state, and whether any is connected.
    // onDidChange fires on every RPC's round-trip time too: set a key only when its value changed.
    gateways.onDidChange(() => {
      setContext("krabkrab.state", gateways.primary.state.status);
      setContext("krabkrab.connected", gateways.all().some((m) => m.state.status === "connected"));
      setContext("krabkrab.severalGateways", several());
    }),
  );
  shell.statusBar.attach({ entries: () => (gateways.live().length ? gateways.live() : [gateways.primary]), onDidChange: (l) => gateways.onDidChange(l) });
  health.setVisible(healthView.visible);

  const { command } = shell;
  const dashboardSerializer = registerWebviewFeatures(context, gateways, log, command);
  registerSessionCommands(gateways, log, command, showLog);

  // ---- connecting (several gateways: commands/connection-commands.ts) ----
  const answerQuestion = (id: string | undefined) => gatewayOf(gateways.primary).questions.answerInteractively(id);
  registerConnectionCommands({ gateways, connector, secrets, log, showLog, command, answerQuestion });

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
  const { tail: logs } = registerGatewayCommands(context, { gateways, docs, log, showLog, command });
  registerGatewayUpdate(context, { gateways, log, showLog, command });

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
          chatGateway: () => chatView.connections.key,
          chatReady: () => chatView.ready,
          statusUsage: () => shell.statusBar.usageText,
          statusTexts: () => shell.statusBar.texts,
        }
      : undefined;
  return {
    // "The" connection, notifications and questions of the API are the primary gateway's; `gateways` has them all.
    api: {
      get connections() {
        return gateways.primary;
      },
      get notifications() {
        return gatewayOf(gateways.primary).notifications;
      },
      get questions() {
        return gatewayOf(gateways.primary).questions;
      },
      gateways,
      connector,
      nodes,
      health,
      logs,
      ...(testing ? { testing } : {}),
    },
    chatView,
    nodes,
    health,
    docs,
    review: review.docs,
    dashboardSerializer,
    // Decided by the activation bundle (at start-up only), not here: loading the core for a command must not connect.
    autoConnect: () => void connector.connect({}, { quiet: false }),
    deactivate: () => gateways.disconnectAll(),
  };
}
