// The chat side panel (a webview view). The webview never talks to the gateway: it posts contract
// messages here, this validates them, calls the ChatSession, and posts state back after `ready`.
import * as vscode from "vscode";
import type { ChatSession, Logger } from "../gateway";
import { GatewayIssueError } from "../gateway";
import { HostMessageSchema, parseMessage, WebviewMessageSchema, type HostMessage, type WebviewMessage } from "../shared/contract";
import type { ConnectionManager } from "./connection-manager";
import { webviewHtml } from "./webview-html";

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "krabkrab.chat";
  private view: vscode.WebviewView | null = null;
  private ready = false;
  private chat: ChatSession | null = null;
  private chatSub: (() => void) | null = null;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly connections: ConnectionManager,
    private readonly log: Logger,
    private readonly sessionKey = "main",
  ) {
    this.subs.push(connections.onDidChange(() => this.pushConnection()));
    this.subs.push(connections.onDidConnect(() => void this.attachChat()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "dist", "webview")] };
    view.webview.html = webviewHtml(view.webview, this.extensionUri, "chat", "KrabKrab Chat");
    this.subs.push(view.webview.onDidReceiveMessage((m) => void this.onMessage(m)));
    view.onDidDispose(() => {
      this.view = null;
      this.ready = false;
    });
  }

  private post(msg: HostMessage) {
    if (!this.view || !this.ready) return;
    // Validate outgoing too: a bug here should fail loudly in the log, not render garbage.
    const checked = HostMessageSchema.safeParse(msg);
    if (!checked.success) {
      this.log.error(`chat view: refusing to post an invalid ${msg.type} message`);
      return;
    }
    void this.view.webview.postMessage(checked.data);
  }

  private pushConnection() {
    this.post({ type: "connection", connection: this.connections.view() });
    if (this.connections.state.status === "disconnected" && this.chat) {
      this.chatSub?.();
      this.chat = null;
    }
  }

  private async attachChat() {
    const chat = this.connections.chat(this.sessionKey);
    if (!chat || chat === this.chat) return;
    this.chatSub?.();
    this.chat = chat;
    const onChange = () => this.post({ type: "chat", chat: chat.snapshot() });
    chat.on("change", onChange);
    this.chatSub = () => chat.off("change", onChange);
    await chat.open();
    onChange();
  }

  private async onMessage(raw: unknown) {
    const parsed = parseMessage(WebviewMessageSchema, raw);
    if (!parsed.ok) {
      this.log.warn(`chat view: dropped an invalid message from the webview (${parsed.reason})`);
      return;
    }
    const msg: WebviewMessage = parsed.value;
    switch (msg.type) {
      case "ready":
        this.ready = true;
        this.pushConnection();
        if (this.connections.current) await this.attachChat();
        if (this.chat) this.post({ type: "chat", chat: this.chat.snapshot() });
        return;
      case "log":
        this.log[msg.level](`webview: ${msg.message}`);
        return;
      case "send":
        return this.respond(msg.requestId, async () => {
          const chat = this.chat ?? this.connections.chat(this.sessionKey);
          if (!chat) throw new Error("Not connected. Run “KrabKrab: Connect Local” or “KrabKrab: Connect Remote” first.");
          if (chat !== this.chat) await this.attachChat();
          const item = chat.send(msg.text);
          return { id: item.id };
        });
      case "abort":
        return this.respond(msg.requestId, async () => {
          await this.chat?.abort();
          return {};
        });
      case "loadOlder":
        return this.respond(msg.requestId, async () => {
          await this.chat?.loadOlder();
          return {};
        });
      case "connect":
        return this.respond(msg.requestId, async () => {
          await vscode.commands.executeCommand("krabkrab.connectLocal");
          return {};
        });
    }
  }

  private async respond(requestId: number, fn: () => Promise<unknown>) {
    try {
      this.post({ type: "response", requestId, ok: true, result: await fn() });
    } catch (err) {
      const message = err instanceof GatewayIssueError ? `${err.issue.message} ${err.issue.nextStep}` : err instanceof Error ? err.message : String(err);
      this.post({ type: "response", requestId, ok: false, error: message });
    }
  }

  dispose(): void {
    this.chatSub?.();
    for (const s of this.subs) s.dispose();
  }
}
