// Created by the activation bundle (the item must be there from start-up), before the connection manager
// exists: it shows "disconnected" until the core attaches the manager on first use.
import * as vscode from "vscode";
import type { ConnectionView } from "../../shared/contract";

/** What the item shows: the ConnectionManager (type only, so this file stays in the small bundle). */
export interface StatusSource {
  view(): ConnectionView;
  readonly lastRttMs: number | null;
  onDidChange(listener: () => void): vscode.Disposable;
}

const ICON: Record<string, string> = {
  disconnected: "$(debug-disconnect)",
  connecting: "$(sync~spin)",
  connected: "$(plug)",
  reconnecting: "$(sync~spin)",
  paused: "$(error)",
};

/** One status bar item: state, transport, gateway version and last round trip; click → actions. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("krabkrab.status", vscode.StatusBarAlignment.Left, 50);
  private sub: vscode.Disposable | undefined;
  private connections: StatusSource | null = null;
  /** Today's usage (markdown), when the gateway reports it (views/usage-today.ts). */
  private usage: string | undefined;

  constructor() {
    this.item.name = "KrabKrab";
    this.item.command = "krabkrab.showActions";
    this.render();
    this.item.show();
  }

  /** Follows the connection manager from now on (called once, when the core loads). */
  attach(connections: StatusSource): void {
    this.sub?.dispose();
    this.connections = connections;
    this.sub = connections.onDidChange(() => this.render());
    this.render();
  }

  /** What the tooltip says of today's usage (read by the integration tests through the activation API). */
  get usageText(): string | undefined {
    return this.usage;
  }

  setUsage(markdown: string | undefined): void {
    if (markdown === this.usage) return;
    this.usage = markdown;
    this.render();
  }

  render(): void {
    const v: ConnectionView = this.connections?.view() ?? { status: "disconnected" };
    const parts = [`${ICON[v.status] ?? ""} KrabKrab`];
    if (v.status === "connected") {
      parts.push(v.target ?? "");
      if (v.serverVersion) parts.push(v.serverVersion);
      const rtt = this.connections?.lastRttMs ?? null;
      if (rtt !== null) parts.push(`${Math.round(rtt)} ms`);
    } else if (v.status !== "disconnected") {
      parts.push(v.status === "paused" ? (v.issue?.kind ?? "error") : v.status);
    }
    this.item.text = parts.filter(Boolean).join(" · ");
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**KrabKrab** — ${v.status}`);
    if (v.target) md.appendMarkdown(`\n\nTarget: ${v.target}`);
    if (v.serverVersion) md.appendMarkdown(`\n\nGateway ${v.serverVersion}`);
    if (v.issue) md.appendMarkdown(`\n\n${v.issue.message}\n\n_${v.issue.nextStep}_`);
    if (this.usage && v.status === "connected") md.appendMarkdown(`\n\n${this.usage}`);
    this.item.tooltip = md;
    this.item.backgroundColor = v.status === "paused" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    this.sub?.dispose();
    this.item.dispose();
  }
}
