// The Nodes view: devices that run commands for the gateway (node.list), with pending pairing requests
// (node.pair.list, when this connection may read them). State icons: connected / paired but offline /
// pending approval. Refreshed on connect, on node and pairing events, and by the view's refresh button.
// With several gateways live, the top level is one row per gateway, each holding that gateway's nodes.
import * as vscode from "vscode";
import { combinedDisposable } from "../../shared/base/lifecycle";
import type { GatewayNode, PairRequest } from "../../gateway";
import type { ConnectionManager } from "../connection/connection-manager";
import type { Gateways } from "../connection/gateways";
import { GatewaySection, GatewayTree } from "./gateway-tree";
import { nodeLabel } from "../commands/gateway-commands";

/** Every element names its gateway (`profile`): a command run from its menu acts on that gateway. */
export type NodeTreeItem = { profile?: string } & (
  | { kind: "gateway"; profile: string; name: string }
  | { kind: "node"; node: GatewayNode }
  | { kind: "pending"; request: PairRequest }
  | { kind: "command"; node: GatewayNode; command: string }
  | { kind: "message"; text: string; icon?: string; command?: vscode.Command }
);

const NODE_EVENTS = /^(node\.|presence$)/;

/** One gateway's nodes and pairing requests, kept current while it is connected. */
class NodesSection extends GatewaySection {
  private nodes: GatewayNode[] = [];
  private pending: PairRequest[] = [];
  private error: string | null = null;
  private loaded = false;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(...args: ConstructorParameters<typeof GatewaySection>) {
    super(...args);
    const connections = this.connections;
    this._register(combinedDisposable(
      connections.followClients((client) => {
        const onEvent = (e: { event: string }) => {
          if (NODE_EVENTS.test(e.event)) this.scheduleRefresh();
        };
        const onPair = () => this.scheduleRefresh();
        client.on("event", onEvent);
        client.on("pairRequested", onPair);
        client.on("pairResolved", onPair);
        void this.refresh();
        return () => {
          client.off("event", onEvent);
          client.off("pairRequested", onPair);
          client.off("pairResolved", onPair);
        };
      }),
      connections.onDidChange(() => {
        if (connections.state.status === "disconnected" && this.loaded) {
          this.nodes = [];
          this.pending = [];
          this.loaded = false;
          this.changed.fire(undefined);
        }
      }),
    ));
  }

  /** Node count and pending count, for tests and the dashboard. */
  get snapshot(): { nodes: GatewayNode[]; pending: PairRequest[]; error: string | null } {
    return { nodes: this.nodes, pending: this.pending, error: this.error };
  }

  private scheduleRefresh() {
    // Events come in bursts (presence + node.* for one device): one refresh per burst.
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 250);
  }

  async refresh(): Promise<void> {
    const c = this.connections.current;
    if (!c || c.state.status !== "connected") {
      this.loaded = false;
      this.changed.fire(undefined);
      return;
    }
    try {
      this.nodes = await c.nodeList();
      this.pending = c.hasScopes("operator.pairing") ? (await c.nodePairList()).pending : [];
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
      this.log.warn(`nodes view: ${this.error}`);
    }
    this.loaded = true;
    this.changed.fire(undefined);
  }

  /** The top-level items of this gateway (a tree with one gateway shows them at the root). */
  items(): NodeTreeItem[] {
    // Empty states are left to viewsWelcome (when disconnected) and to these messages.
    if (this.connections.state.status !== "connected") return [];
    if (this.error) return [{ kind: "message", text: this.error, icon: "error" }];
    if (!this.loaded) return [{ kind: "message", text: "Loading…", icon: "loading~spin" }];
    // A live node whose command surface awaits approval is listed once, as its pending request.
    const pendingById = new Map(this.pending.map((r) => [r.requestId, r]));
    const items: NodeTreeItem[] = this.nodes.map((node) => {
      const req = node.approvalState === "pending-approval" && node.pendingRequestId ? (pendingById.get(node.pendingRequestId) ?? { requestId: node.pendingRequestId, nodeId: node.nodeId, displayName: node.displayName, platform: node.platform, commands: node.pendingDeclaredCommands }) : null;
      if (req) pendingById.delete(req.requestId);
      return req ? { kind: "pending" as const, request: req } : { kind: "node" as const, node };
    });
    items.unshift(...[...pendingById.values()].map((request) => ({ kind: "pending" as const, request })));
    return items.length ? items : [{ kind: "message", text: "No nodes yet — run “krabkrab node run” on a device", icon: "info" }];
  }

  override dispose(): void {
    clearTimeout(this.refreshTimer);
    super.dispose();
  }
}


/** The Nodes view over every gateway: one gateway's items at the root, or a row per live gateway. */
export class NodesTree extends GatewayTree<NodeTreeItem, NodesSection> {
  static readonly viewId = "krabkrab.nodes";

  constructor(gateways: Gateways) {
    super(gateways);
    this.follow((m, changed) => new NodesSection(m, m.log, changed));
  }

  /** The primary gateway's nodes and pending requests, for tests and the dashboard. */
  get snapshot(): { nodes: GatewayNode[]; pending: PairRequest[]; error: string | null } {
    return this.section(this.gateways.primary).snapshot;
  }

  /** One gateway's nodes (tests read it). */
  snapshotOf(key: string): { nodes: GatewayNode[]; pending: PairRequest[]; error: string | null } | undefined {
    const m = this.gateways.find(key);
    return m ? this.section(m).snapshot : undefined;
  }

  /** Refreshes every connected gateway's nodes. */
  async refresh(): Promise<void> {
    await Promise.all(this.gateways.all().map((m) => this.section(m).refresh()));
  }

  getTreeItem(e: NodeTreeItem): vscode.TreeItem {
    const t = this.treeItem(e);
    // Ids stay unique when two gateways know the same node.
    if (t.id && e.profile !== undefined) t.id = `${e.profile}/${t.id}`;
    return t;
  }

  private treeItem(e: NodeTreeItem): vscode.TreeItem {
    if (e.kind === "gateway") {
      const m = this.gateways.find(e.profile);
      const t = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Expanded);
      t.id = `gateway:${e.profile}`;
      t.description = [m?.targetLabel, m?.state.status === "connected" ? undefined : m?.state.status].filter(Boolean).join(" · ");
      t.iconPath = new vscode.ThemeIcon("server-environment");
      t.contextValue = "gateway";
      return t;
    }
    if (e.kind === "message") {
      const t = new vscode.TreeItem(e.text);
      t.iconPath = e.icon ? new vscode.ThemeIcon(e.icon) : undefined;
      t.command = e.command;
      return t;
    }
    if (e.kind === "command") {
      const t = new vscode.TreeItem(e.command);
      t.iconPath = new vscode.ThemeIcon("symbol-method");
      t.contextValue = "nodeCommand";
      t.tooltip = `Invoke ${e.command} on ${nodeLabel(e.node)}`;
      t.command = { command: "krabkrab.invokeNodeCommand", title: "Invoke", arguments: [{ nodeId: e.node.nodeId, command: e.command, profile: e.profile }] };
      return t;
    }
    if (e.kind === "pending") {
      const r = e.request;
      const t = new vscode.TreeItem(r.displayName ?? r.nodeId ?? r.requestId);
      t.description = ["pending approval", r.platform, r.remoteIp].filter(Boolean).join(" · ");
      t.id = `pending:${r.requestId}`;
      t.iconPath = new vscode.ThemeIcon("person-add", new vscode.ThemeColor("list.warningForeground"));
      t.contextValue = "pendingNode";
      t.tooltip = `Pairing request ${r.requestId}${r.remoteIp ? ` from ${r.remoteIp}` : ""}${r.commands?.length ? `\nwants to run: ${r.commands.join(", ")}` : ""}`;
      return t;
    }
    const n = e.node;
    const t = new vscode.TreeItem(nodeLabel(n), n.commands?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    t.id = `node:${n.nodeId}`;
    const state = n.connected ? "connected" : n.paired === false ? "not paired" : "offline";
    t.description = [state, n.platform, n.version].filter(Boolean).join(" · ");
    t.iconPath = n.connected ? new vscode.ThemeIcon("vm-active", new vscode.ThemeColor("testing.iconPassed")) : new vscode.ThemeIcon("vm-outline", new vscode.ThemeColor("disabledForeground"));
    t.contextValue = n.connected ? "node.connected" : "node.offline";
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${nodeLabel(n)}** — ${state}\n\n`);
    md.appendText(`id ${n.nodeId}\n`);
    if (n.caps?.length) md.appendText(`caps: ${n.caps.join(", ")}\n`);
    t.tooltip = md;
    return t;
  }

  getChildren(e?: NodeTreeItem): NodeTreeItem[] {
    if (e?.kind === "node") return (e.node.commands ?? []).map((command) => ({ kind: "command", node: e.node, command, profile: e.profile }));
    if (e?.kind === "gateway") {
      const m = this.gateways.find(e.profile);
      return m ? this.tagged(m) : [];
    }
    if (e) return [];
    const live = this.gateways.live();
    if (live.length > 1) return live.map((m) => ({ kind: "gateway", profile: m.key, name: m.name }));
    return this.tagged(live[0] ?? this.gateways.primary);
  }

  private tagged(m: ConnectionManager): NodeTreeItem[] {
    return this.section(m).items().map((i) => ({ ...i, profile: m.key }));
  }
}
