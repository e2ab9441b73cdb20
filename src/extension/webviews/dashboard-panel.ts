// The dashboard: a webview panel with health, presence, nodes and the chat. Data comes from the operator
// client (health, status, system-presence, node.list, node.pair.list, device.pair.list) and is refreshed on the
// gateway's own events (health, presence, pairing, node events, reconnect), debounced, and on Refresh.
// A WebviewPanelSerializer brings it back after a window reload; the webview keeps its last view in getState.
// One dashboard per gateway: its title names the gateway (except the default one's), and a restored panel's
// title says which gateway it was bound to.
import * as vscode from "vscode";
import { combinedDisposable, Disposable } from "../../shared/base/lifecycle";
import { GatewayIssueError, readGatewayUpdate, type Logger, type OperatorClient } from "../../gateway";
import { NodeDescribe, NodeInvoke, PairApprove, RefreshDashboard, type WebviewMessage } from "../../shared/contract";
import { ChatController } from "./chat-controller";
import type { ConnectionManager } from "../connection/connection-manager";
import { buildDashboard } from "../common/dashboard-model";
import { usageFacts } from "../common/session-info";
import { UsageMonitor } from "../views/usage-today";
import { announceGatewayUpdate } from "../commands/gateway-update";
import { WebviewChannel } from "./webview-channel";
import { webviewHtml, webviewOptions } from "./webview-html";

const REFRESH_EVENTS = new Set(["health", "presence", "node.pair.requested", "node.pair.resolved", "device.pair.requested", "device.pair.resolved"]);

export class DashboardPanel extends Disposable {
  static readonly viewType = "krabkrab.dashboard";
  /** The dashboard shown last (tests drive it). */
  static current: DashboardPanel | null = null;
  private static readonly byGateway = new Map<ConnectionManager, DashboardPanel>();
  private readonly channel: WebviewChannel;
  private readonly chat: ChatController;
  private unwatchClient: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private nodeCommands = new Map<string, string[]>();
  private lastStatus = "";

  static show(extensionUri: vscode.Uri, connections: ConnectionManager, log: Logger): DashboardPanel {
    const open = DashboardPanel.byGateway.get(connections);
    if (open) {
      open.panel.reveal();
      DashboardPanel.current = open;
      return open;
    }
    const options = { ...webviewOptions(extensionUri), retainContextWhenHidden: false };
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, dashboardTitle(connections.key), vscode.ViewColumn.Active, options);
    return new DashboardPanel(panel, extensionUri, connections, log);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly connections: ConnectionManager,
    private readonly log: Logger,
  ) {
    super();
    DashboardPanel.byGateway.get(connections)?.dispose();
    DashboardPanel.byGateway.set(connections, this);
    DashboardPanel.current = this;
    panel.title = dashboardTitle(connections.key);
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, "media", "krabkrab.svg");
    this.channel = new WebviewChannel(panel.webview, log, "dashboard");
    this.chat = new ChatController(connections, this.channel, log);
    this.handleRequests();
    this._register(combinedDisposable(
      connections.onDidConnect((client) => {
        this.watch(client);
        this.schedule(0);
      }),
      // onDidChange also fires for every RPC round-trip time: refresh only when the connection status changes,
      // or the dashboard's own reads would keep re-triggering it.
      connections.onDidChange(() => {
        const status = connections.state.status;
        if (status === this.lastStatus) return;
        this.lastStatus = status;
        if (!connections.current) this.watch(null);
        this.schedule(300);
      }),
      panel.onDidChangeViewState(() => panel.visible && this.schedule(0)),
    ));
    this.watch(connections.current);
    panel.onDidDispose(() => this.dispose());
    panel.webview.html = webviewHtml(panel.webview, extensionUri, "dashboard", "KrabKrab Dashboard");
  }

  /** Follows one client's events; a new connection gets a new client. */
  private watch(client: OperatorClient | null) {
    this.unwatchClient?.();
    this.unwatchClient = null;
    if (!client) return;
    const onEvent = (e: { event: string }) => {
      if (REFRESH_EVENTS.has(e.event) || e.event.startsWith("node.")) this.schedule(1000);
    };
    client.on("event", onEvent);
    this.unwatchClient = () => client.off("event", onEvent);
  }

  private schedule(ms: number) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, ms);
  }

  /** Reads everything and posts one DashboardView. Concurrent calls share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    if (!this.channel.isReady) return;
    const client = this.connections.current;
    const errors: { section: string; message: string }[] = [];
    if (!client || client.state.status !== "connected") {
      const v = this.connections.view();
      errors.push({ section: "Connection", message: v.issue ? `${v.issue.message} ${v.issue.nextStep}` : "Not connected. Run “KrabKrab: Connect Local” (or Connect Remote) to see the gateway." });
      this.channel.post({ type: "dashboard", dashboard: buildDashboard({ errors }) });
      return;
    }
    const take = async <T>(section: string, p: Promise<T>): Promise<T | undefined> => {
      try {
        return await p;
      } catch (err) {
        const message = err instanceof GatewayIssueError ? `${err.issue.message} ${err.issue.nextStep}` : String((err as Error)?.message ?? err);
        errors.push({ section, message });
        return undefined;
      }
    };
    const scopes = client.hello?.scopes ?? [];
    const canPair = scopes.includes("operator.pairing") || scopes.includes("operator.admin");
    const [health, status, presence, nodes, nodePairs, devicePairs, update, usage] = await Promise.all([
      take("Health", client.health()),
      take("Status", client.status()),
      take("Presence", client.presence()),
      take("Nodes", client.nodeList()),
      canPair ? take("Node pairing", client.nodePairList()) : Promise.resolve(undefined),
      canPair ? take("Device pairing", client.devicePairList()) : Promise.resolve(undefined),
      readGatewayUpdate(client), // never throws; says "needs operator.admin" without asking for it
      UsageMonitor.of(this.connections)?.refresh() ?? null, // never throws; null when the gateway reports no usage
    ]);
    announceGatewayUpdate(client, update);
    if (errors.length) this.log.warn(`dashboard: could not read ${errors.map((e) => e.section).join(", ")}`);
    this.nodeCommands = new Map((nodes ?? []).map((n) => [n.nodeId, n.commands ?? []]));
    const state = client.state;
    const view = buildDashboard({
      serverVersion: client.hello?.serverVersion,
      protocol: client.hello?.protocol,
      connectedSince: state.status === "connected" ? state.since : undefined,
      snapshot: client.hello?.snapshot,
      health,
      status,
      presence: presence,
      nodes,
      pendingNodes: nodePairs?.pending,
      pendingDevices: devicePairs?.pending,
      errors,
      update,
    });
    if (usage) view.sessions.push(...usageFacts(usage));
    this.channel.post({ type: "dashboard", dashboard: view });
  }

  /** A webview request handled as if the dashboard sent it: only for the activation API's test-only `testing`. */
  requestForTest(msg: WebviewMessage): Promise<unknown> {
    if (!("requestId" in msg)) return Promise.reject(new Error(`“${msg.type}” is not a request.`));
    return this.channel.invoke(msg);
  }

  /** The dashboard's requests (the chat's are its ChatController's); each returns its declared result. */
  private handleRequests(): void {
    const client = () => {
      const c = this.connections.current;
      if (!c) throw new Error("Not connected. Run “KrabKrab: Connect Local” first.");
      return c;
    };
    this.channel.onReady(() => void this.refresh());
    this.channel.handle(RefreshDashboard, async () => {
      await this.refresh();
      return {};
    });
    this.channel.handle(NodeDescribe, (m) => client().nodeDescribe(m.nodeId));
    this.channel.handle(NodeInvoke, (m) => {
      const known = this.nodeCommands.get(m.nodeId);
      if (known && !known.includes(m.command)) throw new Error(`The node does not advertise “${m.command}”. Pick one of its commands.`);
      let params: unknown;
      if (m.params !== undefined) {
        try {
          params = JSON.parse(m.params);
        } catch (err) {
          throw new Error(`Parameters are not valid JSON: ${(err as Error).message}`, { cause: err });
        }
      }
      return client().nodeInvoke({ nodeId: m.nodeId, command: m.command, params });
    });
    this.channel.handle(PairApprove, async (m) => {
      client();
      // Through the command, so the dashboard's Approve shows the same confirmation (role, scopes, who)
      // as every other Approve; false/undefined = not confirmed or failed (the command said why).
      const ok = await vscode.commands.executeCommand<boolean | undefined>("krabkrab.approvePairing", { requestId: m.pairRequestId, kind: m.kind, profile: this.connections.key });
      this.schedule(0);
      return { ok: ok === true };
    });
  }

  private disposed = false;
  override dispose(): void {
    // Re-entered from panel.onDidDispose once panel.dispose() below runs: the flag goes first.
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.current === this) DashboardPanel.current = null;
    if (DashboardPanel.byGateway.get(this.connections) === this) DashboardPanel.byGateway.delete(this.connections);
    if (this.timer) clearTimeout(this.timer);
    this.unwatchClient?.();
    this.chat.dispose();
    this.channel.dispose();
    super.dispose();
    this.panel.dispose();
  }
}

const TITLE = "KrabKrab Dashboard";

/** The panel's title: the default gateway's is plain, another's names it. */
export function dashboardTitle(key: string): string {
  return key ? `${TITLE} — ${key}` : TITLE;
}

/** The gateway a restored panel was bound to, read back from its title ("" = the default one). */
export function gatewayOfTitle(title: string): string {
  return title.startsWith(`${TITLE} — `) ? title.slice(TITLE.length + 3) : "";
}

/** Restores a dashboard after a window reload, bound to the gateway it showed (its webview state holds the last view and session). */
export class DashboardSerializer implements vscode.WebviewPanelSerializer {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly gateway: (key: string) => ConnectionManager,
    private readonly log: Logger,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    new DashboardPanel(panel, this.extensionUri, this.gateway(gatewayOfTitle(panel.title)), this.log);
  }
}
