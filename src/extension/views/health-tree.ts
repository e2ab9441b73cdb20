// The Health view: gateway version and uptime, event loop, memory, channels, agents, sessions, plugins and
// connected clients. Fed by `health` / `presence` events as they arrive, with a slow `status` poll (memory
// is only in `status`) while the view is visible, and the refresh button. With several gateways live, one
// row per gateway holds that gateway's rows.
import * as vscode from "vscode";
import { combinedDisposable } from "../../shared/base/lifecycle";
import * as loose from "../../shared/base/loose-read";
import { formatBytes, formatDuration } from "../common/dashboard-model";
import type { Gateways } from "../connection/gateways";
import { GatewaySection, GatewayTree } from "./gateway-tree";

interface Row {
  label: string;
  description?: string;
  icon?: string;
  color?: string;
  tooltip?: string;
  children?: Row[];
  /** On a gateway's row (several gateways live): which one. */
  profile?: string;
  expanded?: boolean;
}

const { rec, arr, num, str } = loose;
type Rec = loose.Rec;

/** Builds the rows from what the gateway sent; unknown or missing fields are left out, never guessed. */
export function healthRows(input: { version?: string; uptimeMs?: number; health: Rec; status: Rec; presence: unknown[] }): Row[] {
  const { health, status } = input;
  const rows: Row[] = [];
  const ok = health.ok === true;
  rows.push({ label: "Gateway", description: [input.version, input.uptimeMs !== undefined ? `up ${formatDuration(input.uptimeMs)}` : undefined, Object.keys(health).length ? (ok ? "ok" : "not ok") : undefined].filter(Boolean).join(" · "), icon: ok ? "pass" : Object.keys(health).length ? "error" : "server", color: ok ? "testing.iconPassed" : Object.keys(health).length ? "testing.iconFailed" : undefined });
  const loop = rec(health.eventLoop ?? status.eventLoop);
  if (Object.keys(loop).length) {
    const degraded = loop.degraded === true;
    const util = num(loop.utilization);
    const p99 = num(loop.delayP99Ms);
    rows.push({ label: "Event loop", description: [degraded ? `degraded (${arr(loop.reasons).map(String).join(", ") || "?"})` : "healthy", p99 !== undefined ? `p99 ${p99.toFixed(0)} ms` : undefined, util !== undefined ? `${Math.round(util * 100)}% busy` : undefined].filter(Boolean).join(" · "), icon: degraded ? "warning" : "pulse", color: degraded ? "list.warningForeground" : undefined });
  }
  const mem = rec(status.processMemory);
  if (num(mem.rssBytes) !== undefined) rows.push({ label: "Memory", description: [`RSS ${formatBytes(num(mem.rssBytes)!)}`, num(mem.heapUsedBytes) !== undefined ? `heap ${formatBytes(num(mem.heapUsedBytes)!)}` : undefined].filter(Boolean).join(" · "), icon: "dashboard" });
  const labels = rec(health.channelLabels);
  const order = arr(health.channelOrder).map(String);
  const channels = rec(health.channels);
  const channelIds = order.length ? order : Object.keys(channels);
  rows.push({
    label: "Channels",
    description: channelIds.length ? String(channelIds.length) : "none configured",
    icon: "broadcast",
    children: channelIds.map((id) => {
      const c = rec(channels[id]);
      const state = str(c.status) ?? str(c.state) ?? (c.connected === true ? "connected" : c.connected === false ? "disconnected" : c.configured === false ? "not configured" : undefined);
      return { label: str(labels[id]) ?? id, description: state, icon: "radio-tower" };
    }),
  });
  const agents = arr(health.agents).map(rec);
  rows.push({
    label: "Agents",
    description: String(agents.length),
    icon: "hubot",
    children: agents.map((a) => ({ label: str(a.name) ?? str(a.agentId) ?? str(a.id) ?? "agent", description: [a.isDefault === true ? "default" : undefined, num(rec(a.sessions).count) !== undefined ? `${num(rec(a.sessions).count)} sessions` : undefined, rec(a.heartbeat).enabled === true ? `heartbeat ${str(rec(a.heartbeat).every) ?? ""}` : undefined].filter(Boolean).join(" · "), icon: "person" })),
  });
  const sessions = rec(health.sessions);
  if (num(sessions.count) !== undefined) {
    rows.push({ label: "Sessions", description: String(num(sessions.count)), icon: "comment-discussion", children: arr(sessions.recent).slice(0, 10).map(rec).map((s) => ({ label: str(s.key) ?? str(s.sessionKey) ?? "session", description: typeof s.updatedAt === "number" ? new Date(s.updatedAt).toLocaleString() : undefined, icon: "comment" })) });
  }
  const plugins = rec(health.plugins);
  const loaded = arr(plugins.loaded).map(String);
  const perr = arr(plugins.errors);
  if (loaded.length || perr.length) rows.push({ label: "Plugins", description: `${loaded.length} loaded${perr.length ? ` · ${perr.length} errors` : ""}`, icon: perr.length ? "warning" : "extensions", children: loaded.map((p) => ({ label: p, icon: "extensions" })) });
  const clients = input.presence.map(rec);
  rows.push({
    label: "Connected clients",
    description: String(clients.length),
    icon: "organization",
    children: clients.map((p) => ({ label: str(p.host) ?? str(p.clientId) ?? "client", description: [str(p.mode), str(p.platform), str(p.version)].filter(Boolean).join(" · "), icon: p.mode === "gateway" ? "server" : p.mode === "node" ? "vm" : "account", tooltip: str(p.text) })),
  });
  return rows;
}

/** One gateway's health, presence and status, kept current while it is connected. */
class HealthSection extends GatewaySection {
  private health: Rec = {};
  private status: Rec = {};
  private presence: unknown[] = [];
  private uptimeAt: { ms: number; at: number } | null = null;
  private error: string | null = null;
  private poll: NodeJS.Timeout | undefined;
  /** How many `health` events were applied (tests read it). */
  eventsApplied = 0;

  constructor(...args: ConstructorParameters<typeof GatewaySection>) {
    super(...args);
    const connections = this.connections;
    this._register(combinedDisposable(
      connections.followClients((client) => {
        const snap = client.hello?.snapshot ?? {};
        this.health = rec(snap.health);
        this.presence = arr(snap.presence);
        this.uptimeAt = num(snap.uptimeMs) !== undefined ? { ms: num(snap.uptimeMs)!, at: Date.now() } : null;
        const onHealth = (p: unknown) => {
          if (Object.keys(rec(p)).length) {
            this.health = rec(p);
            this.eventsApplied++;
            this.changed.fire(undefined);
          }
        };
        const onPresence = (p: unknown) => {
          const list = Array.isArray(p) ? p : arr(rec(p).presence);
          if (list.length) {
            this.presence = list;
            this.changed.fire(undefined);
          }
        };
        client.on("health", onHealth);
        client.on("presence", onPresence);
        void this.refresh();
        return () => {
          client.off("health", onHealth);
          client.off("presence", onPresence);
        };
      }),
      connections.onDidChange(() => {
        if (connections.state.status === "disconnected") {
          this.health = {};
          this.status = {};
          this.presence = [];
          this.uptimeAt = null;
          this.changed.fire(undefined);
        }
      }),
    ));
  }

  /** The tree view tells us when it is shown: poll `status` only then. */
  setVisible(visible: boolean): void {

    clearInterval(this.poll);
    if (visible) {
      void this.refresh();
      this.poll = setInterval(() => void this.refresh(), 60_000);
    }
  }

  async refresh(): Promise<void> {
    const c = this.connections.current;
    if (!c || c.state.status !== "connected") return;
    try {
      const [health, status, presence] = await Promise.all([c.health(), c.status(), c.presence()]);
      this.health = rec(health);
      this.status = rec(status);
      this.presence = presence;
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
      this.log.warn(`health view: ${this.error}`);
    }
    this.changed.fire(undefined);
  }

  rows(): Row[] {
    const c = this.connections.current;
    if (!c || c.state.status !== "connected") return [];
    const uptimeMs = this.uptimeAt ? this.uptimeAt.ms + (Date.now() - this.uptimeAt.at) : undefined;
    const rows = healthRows({ version: c.hello?.serverVersion, uptimeMs, health: this.health, status: this.status, presence: this.presence });
    if (this.error) rows.unshift({ label: this.error, icon: "error" });
    return rows;
  }

  override dispose(): void {
    clearInterval(this.poll);
    super.dispose();
  }
}

/** The Health view over every gateway: one gateway's rows at the root, or a row per live gateway. */
export class HealthTree extends GatewayTree<Row, HealthSection> {
  static readonly viewId = "krabkrab.health";
  private visible = false;

  constructor(gateways: Gateways) {
    super(gateways);
    // A section made while the view is shown polls from the start.
    this.follow((m, changed) => {
      const section = new HealthSection(m, m.log, changed);
      if (this.visible) section.setVisible(true);
      return section;
    });
  }

  /** How many `health` events the primary gateway's rows applied (tests read it). */
  get eventsApplied(): number {
    return this.section(this.gateways.primary).eventsApplied;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const s of this.sections.values()) s.setVisible(visible);
  }

  async refresh(): Promise<void> {
    await Promise.all([...this.sections.values()].map((s) => s.refresh()));
  }

  /** The primary gateway's rows (tests read them); rowsOf a named one. */
  rows(): Row[] {
    return this.section(this.gateways.primary).rows();
  }

  rowsOf(key: string): Row[] {
    const m = this.gateways.find(key);
    return m ? this.section(m).rows() : [];
  }

  getTreeItem(r: Row): vscode.TreeItem {
    const { Expanded, Collapsed, None } = vscode.TreeItemCollapsibleState;
    const t = new vscode.TreeItem(r.label, r.expanded ? Expanded : r.children?.length ? Collapsed : None);
    t.description = r.description;
    t.tooltip = r.tooltip;
    t.iconPath = r.icon ? new vscode.ThemeIcon(r.icon, r.color ? new vscode.ThemeColor(r.color) : undefined) : undefined;
    return t;
  }

  getChildren(r?: Row): Row[] {
    if (r) return r.children ?? [];
    const live = this.gateways.live();
    if (live.length <= 1) return this.section(live[0] ?? this.gateways.primary).rows();
    return live.map((m) => ({ label: m.name, description: [m.targetLabel, m.state.status === "connected" ? undefined : m.state.status].filter(Boolean).join(" · "), icon: "server-environment", profile: m.key, expanded: true, children: this.section(m).rows() }));
  }
}
