// Activation: the small bundle (dist/extension.js) VS Code loads at start-up. It registers what must be there
// from the start — every contributed command, the Nodes and Health trees, the chat webview view, the
// dashboard's restore serializer, our document scheme, the status bar item — as light stand-ins, and loads
// nothing else. The core (dist/core.js: the connection manager, operator client, validators, protocol schemas,
// chat and dashboard models) is required on first need: a command, the chat view resolving, a restored
// dashboard, the API. Activation does no network or process work unless the user turned auto-connect on, and
// even then the connect starts just after activate() returns.
//
// Why `onStartupFinished` stays in package.json: the status bar item must show from start-up, and VS Code
// cannot activate on a setting. The commands, views and the chat webview view activate us on their own
// (implicit onCommand:/onView: events); the dashboard needs its explicit onWebviewPanel: event to restore.
import path from "node:path";
import * as vscode from "vscode";
import type { Connector } from "./connection/connect-flow";
import type { ConnectionManager } from "./connection/connection-manager";
import type { Core, Shell } from "./core";
import type { LogTail } from "./commands/gateway-commands";
import type { HealthTree } from "./views/health-tree";
import type { NodesTree } from "./views/nodes-tree";
import type { GatewayNotifications } from "./views/notifications";
import type { AgentQuestions } from "./views/questions";
import type { Gateways } from "./connection/gateways";
import type { RenderedReport } from "./webviews/webview-channel";
import type { WebviewMessage } from "../shared/contract";
import { DOCUMENT_SCHEME, LazyTree, REVIEW_GONE, REVIEW_SCHEME, lazyDocuments, lazySerializer, lazyWebviewView } from "./views/lazy-views";
import { settingsHoldSecrets, userSetting } from "./connection/settings-light";
import { StatusBar } from "./views/status-bar";

/**
 * What activate() returns: a small API for other extensions and the integration tests. Its properties are
 * getters: reading one loads the core (synchronously) if it is not loaded yet.
 */
export interface KrabKrabApi {
  /** The primary gateway's connection (the active profile's when live); `gateways` holds every gateway's. */
  connections: ConnectionManager;
  gateways: Gateways;
  connector: Connector;
  nodes: NodesTree;
  health: HealthTree;
  notifications: GatewayNotifications;
  questions: AgentQuestions;
  logs: LogTail;
  /** This extension's log folder (its output channels are written next to it). */
  logUri: vscode.Uri;
  /**
   * Only in the integration test run (KRABKRAB_VSCODE_TEST_RUN=1, set by test/vscode/run.runner.ts): what
   * the webviews last reported drawing. Never a command: a command is callable by any extension, and this
   * includes the last reply's text.
   */
  testing?: {
    rendered(): Record<string, RenderedReport>;
    /** Handles `msg` as if the open dashboard's webview sent it (undefined when no dashboard is open). */
    dashboardRequest(msg: WebviewMessage): Promise<unknown> | undefined;
    /** Today's usage as the status bar's tooltip shows it (undefined: none reported). */
    statusUsage(): string | undefined;
    /** The status bar items' texts (one per live gateway). */
    statusTexts(): string[];
    /** Handles `msg` as if the chat view's webview sent it (undefined when the chat view is not open). */
    chatRequest(msg: WebviewMessage): Promise<unknown> | undefined;
    /** The session the chat side panel shows (or will show once it opens). */
    chatSessionShown(): string;
    /** The gateway (profile key) the chat side panel is bound to. */
    chatGateway(): string;
    /** Whether the chat side panel's webview has loaded and said `ready` (after a rebind too). */
    chatReady(): boolean;
    /** Contributed commands the loaded core set no handler for (should be none). */
    unhandledCommands(): string[];
  };
}

let core: Core | null = null;

export function activate(context: vscode.ExtensionContext): KrabKrabApi {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const nodesTree = new LazyTree<unknown>();
  const healthTree = new LazyTree<unknown>();
  const nodesView = vscode.window.createTreeView("krabkrab.nodes", { treeDataProvider: nodesTree, showCollapseAll: true });
  const healthView = vscode.window.createTreeView("krabkrab.health", { treeDataProvider: healthTree, showCollapseAll: true });
  const statusBar = new StatusBar();

  const shell: Shell = {
    command: (id, fn) => {
      if (!handlers.has(id) && !contributed.has(id)) throw new Error(`${id} is not a contributed command`);
      handlers.set(id, fn);
    },
    nodesView,
    healthView,
    statusBar,
  };
  const load = (): Core => {
    if (core) return core;
    // A computed path: esbuild leaves this require alone instead of inlining the core (as connection/ssh-transport.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load is the point
    const m = require(path.join(__dirname, "core.js")) as typeof import("./core");
    const c = m.startCore(context, shell);
    core = c;
    nodesTree.attach(c.nodes);
    healthTree.attach(c.health);
    return c;
  };

  // Every contributed command, as a trampoline: the first run loads the core, which sets the handlers.
  // The manifest is the list (VS Code parsed it already), so a command cannot be declared and left unregistered.
  const manifest = context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } };
  const contributed = new Set((manifest.contributes?.commands ?? []).map((c) => c.command));
  for (const id of contributed) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, (...args: unknown[]) => {
        load();
        const fn = handlers.get(id);
        if (!fn) throw new Error(`KrabKrab: the command ${id} has no handler`);
        return fn(...args);
      }),
    );
  }

  context.subscriptions.push(
    nodesTree,
    healthTree,
    nodesView,
    healthView,
    statusBar,
    vscode.window.registerWebviewViewProvider("krabkrab.chat", lazyWebviewView(() => load().chatView), { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerWebviewPanelSerializer("krabkrab.dashboard", lazySerializer(() => load().dashboardSerializer)),
    vscode.workspace.registerTextDocumentContentProvider(DOCUMENT_SCHEME, lazyDocuments(() => core?.docs ?? null)),
    vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, lazyDocuments(() => core?.review ?? null, REVIEW_GONE)),
    // Once loaded, the core watches this setting itself (and offers at its start-up).
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!core && e.affectsConfiguration("krabkrab.profiles") && settingsHoldSecrets()) load();
    }),
  );
  void vscode.commands.executeCommand("setContext", "krabkrab.state", "disconnected");

  // After activate() returns, so that even then activation itself stays small: a token typed into settings
  // (the core offers to move it when it starts) and auto-connect need the core at once.
  const autoConnect = userSetting<boolean>("autoConnect") === true;
  if (autoConnect || settingsHoldSecrets()) {
    const t = setTimeout(() => {
      const c = load();
      if (autoConnect) c.autoConnect();
    }, 0);
    context.subscriptions.push({ dispose: () => clearTimeout(t) });
  }

  const api = { logUri: context.logUri } as KrabKrabApi;
  for (const key of ["connections", "gateways", "connector", "nodes", "health", "notifications", "questions", "logs"] as const) {
    Object.defineProperty(api, key, { enumerable: true, get: () => load().api[key] });
  }
  if (process.env.KRABKRAB_VSCODE_TEST_RUN === "1") {
    const unhandledCommands = () => [...contributed].filter((id) => !handlers.has(id));
    Object.defineProperty(api, "testing", { enumerable: true, get: () => ({ ...load().api.testing, unhandledCommands }) });
  }
  return api;
}

export async function deactivate(): Promise<void> {
  await core?.deactivate();
  core = null;
}
