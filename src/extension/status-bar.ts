import * as vscode from "vscode";
import type { ConnectionManager } from "./connection-manager";

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
  private readonly sub: vscode.Disposable;

  constructor(private readonly connections: ConnectionManager) {
    this.item.name = "KrabKrab";
    this.item.command = "krabkrab.showActions";
    this.sub = connections.onDidChange(() => this.render());
    this.render();
    this.item.show();
  }

  render(): void {
    const v = this.connections.view();
    const parts = [`${ICON[v.status] ?? ""} KrabKrab`];
    if (v.status === "connected") {
      parts.push(v.target ?? "");
      if (v.serverVersion) parts.push(v.serverVersion);
      if (this.connections.lastRttMs !== null) parts.push(`${Math.round(this.connections.lastRttMs)} ms`);
    } else if (v.status !== "disconnected") {
      parts.push(v.status === "paused" ? (v.issue?.kind ?? "error") : v.status);
    }
    this.item.text = parts.filter(Boolean).join(" · ");
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**KrabKrab** — ${v.status}`);
    if (v.target) md.appendMarkdown(`\n\nTarget: ${v.target}`);
    if (v.serverVersion) md.appendMarkdown(`\n\nGateway ${v.serverVersion}`);
    if (v.issue) md.appendMarkdown(`\n\n${v.issue.message}\n\n_${v.issue.nextStep}_`);
    this.item.tooltip = md;
    this.item.backgroundColor = v.status === "paused" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
