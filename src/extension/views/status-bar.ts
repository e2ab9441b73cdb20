// Created by the activation bundle (the item must be there from start-up), before the connection manager
// exists: it shows "disconnected" until the core attaches the gateways on first use. With several gateways
// live, one item per gateway, each naming its gateway and opening that gateway's actions.
import * as vscode from "vscode";
import type { ConnectionView } from "../../shared/contract";

/** One gateway as the status bar shows it: its ConnectionManager (type only, so this file stays in the small bundle). */
export interface StatusEntry {
  readonly key: string;
  view(): ConnectionView;
  readonly lastRttMs: number | null;
}

/** What the items show: the live gateways (the primary alone when none is live). */
export interface StatusSource {
  entries(): StatusEntry[];
  onDidChange(listener: () => void): vscode.Disposable;
}

const ICON: Record<string, string> = {
  disconnected: "$(debug-disconnect)",
  connecting: "$(sync~spin)",
  connected: "$(plug)",
  reconnecting: "$(sync~spin)",
  paused: "$(error)",
};

/** State, transport, gateway version and last round trip per gateway; click → that gateway's actions. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("krabkrab.status", vscode.StatusBarAlignment.Left, 50);
  /** The second and later live gateways' items, by gateway key. */
  private readonly extra = new Map<string, vscode.StatusBarItem>();
  private sub: vscode.Disposable | undefined;
  private source: StatusSource | null = null;
  /** Today's usage (markdown) per gateway key, when the gateway reports it (views/usage-today.ts). */
  private readonly usage = new Map<string, string>();

  constructor() {
    this.item.name = "KrabKrab";
    this.item.command = "krabkrab.showActions";
    this.render();
    this.item.show();
  }

  /** Follows the gateways from now on (called once, when the core loads). */
  attach(source: StatusSource): void {
    this.sub?.dispose();
    this.source = source;
    this.sub = source.onDidChange(() => this.render());
    this.render();
  }

  /** What the tooltip says of today's usage of the first gateway shown (the integration tests read it). */
  get usageText(): string | undefined {
    const first = this.source?.entries()[0];
    return first ? this.usage.get(first.key) : undefined;
  }

  /** The items' texts, first to last (tests read them). */
  get texts(): string[] {
    return [this.item.text, ...[...this.extra.values()].map((i) => i.text)];
  }

  setUsage(key: string, markdown: string | undefined): void {
    if (markdown === this.usage.get(key)) return;
    if (markdown === undefined) this.usage.delete(key);
    else this.usage.set(key, markdown);
    this.render();
  }

  render(): void {
    const entries = this.source?.entries() ?? [];
    const several = entries.length > 1;
    this.draw(this.item, entries[0], several);
    const keep = new Set<string>();
    for (const e of entries.slice(1)) {
      keep.add(e.key);
      let item = this.extra.get(e.key);
      if (!item) {
        // Priority just below the first item's, in the order they came up.
        item = vscode.window.createStatusBarItem(`krabkrab.status.${e.key || "default"}`, vscode.StatusBarAlignment.Left, 50 - this.extra.size - 1);
        item.name = `KrabKrab (${e.view().gateway ?? e.key})`;
        this.extra.set(e.key, item);
        item.show();
      }
      this.draw(item, e, true);
    }
    for (const [key, item] of this.extra) {
      if (keep.has(key)) continue;
      item.dispose();
      this.extra.delete(key);
    }
  }

  private draw(item: vscode.StatusBarItem, e: StatusEntry | undefined, named: boolean): void {
    const v: ConnectionView = e?.view() ?? { status: "disconnected" };
    const parts = [`${ICON[v.status] ?? ""} ${named && v.gateway ? v.gateway : "KrabKrab"}`];
    if (v.status === "connected") {
      parts.push(v.target ?? "");
      if (v.serverVersion) parts.push(v.serverVersion);
      const rtt = e?.lastRttMs ?? null;
      if (rtt !== null) parts.push(`${Math.round(rtt)} ms`);
    } else if (v.status !== "disconnected") {
      parts.push(v.status === "paused" ? (v.issue?.kind ?? "error") : v.status);
    }
    item.text = parts.filter(Boolean).join(" · ");
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**KrabKrab**${named && v.gateway ? ` (${v.gateway})` : ""} — ${v.status}`);
    // Target labels and issue text are ours or the gateway's: as text, so neither can plant a link.
    if (v.target) md.appendMarkdown("\n\nTarget: ").appendText(v.target);
    if (v.serverVersion) md.appendMarkdown("\n\nGateway ").appendText(v.serverVersion);
    if (v.issue) md.appendMarkdown("\n\n").appendText(v.issue.message).appendMarkdown("\n\n").appendText(v.issue.nextStep);
    const usage = e ? this.usage.get(e.key) : undefined;
    if (usage && v.status === "connected") md.appendMarkdown(`\n\n${usage}`);
    item.tooltip = md;
    item.backgroundColor = v.status === "paused" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    // With several gateways, each item opens its own gateway's actions.
    item.command = named && e ? { command: "krabkrab.showActions", title: "KrabKrab actions", arguments: [{ profile: e.key }] } : "krabkrab.showActions";
  }

  dispose(): void {
    this.sub?.dispose();
    for (const i of this.extra.values()) i.dispose();
    this.item.dispose();
  }
}
