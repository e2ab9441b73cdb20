// The chat side panel (a webview view in the KrabKrab container, movable to the secondary side bar). The
// webview never talks to the gateway: a WebviewChannel validates its messages and a ChatController answers.
// It is bound to one gateway (the view's description names it when several are live): the primary one
// unless the user chose ("KrabKrab: Chat With Gateway…"); it moves to the primary by itself only when its
// own gateway was disconnected, so a reconnecting gateway's queued messages stay where they were typed.
import * as vscode from "vscode";
import type { Logger } from "../../gateway";
import type { ContextSnippet, WebviewMessage } from "../../shared/contract";
import { ChatController } from "./chat-controller";
import { ChatModels } from "./chat-models";
import type { ConnectionManager } from "../connection/connection-manager";
import type { Gateways } from "../connection/gateways";
import { WebviewChannel } from "./webview-channel";
import { webviewHtml, webviewOptions } from "./webview-html";

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "krabkrab.chat";
  /** The live provider (one per window), for the commands in commands/webview-commands.ts. */
  static current: ChatViewProvider | null = null;
  private view: vscode.WebviewView | null = null;
  private channel: WebviewChannel | null = null;
  private controller: ChatController | null = null;
  /** The shown session's model, settings and context use (the header's picker and meter). */
  private models: ChatModels | null = null;
  private readonly pending: ContextSnippet[] = [];
  private pendingSession: string | null = null;
  /** The gateway the user chose for this view; null = follow the primary. */
  private chosen: ConnectionManager | null = null;
  private bound: ConnectionManager;
  private readonly sub: vscode.Disposable;
  private viewSub: vscode.Disposable | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly gateways: Gateways,
    private readonly log: Logger,
    private readonly sessionKey = "main",
  ) {
    ChatViewProvider.current = this;
    this.bound = gateways.primary;
    this.sub = gateways.onDidChange(() => {
      const primary = gateways.primary;
      if (!this.chosen && primary !== this.bound && this.bound.state.status === "disconnected") this.bind(primary);
      else this.describe();
    });
  }

  /** The gateway this view shows. */
  get connections(): ConnectionManager {
    return this.bound;
  }

  /** Shows another gateway's chat (the session shown stays by key). */
  bindTo(gateway: ConnectionManager): void {
    this.chosen = gateway;
    this.bind(gateway);
  }

  private bind(gateway: ConnectionManager): void {
    if (gateway === this.bound) return this.describe();
    this.log.info(`chat view: now showing gateway “${gateway.name}”`);
    this.bound = gateway;
    const view = this.view;
    if (!view) return;
    this.pendingSession = this.sessionShown;
    this.release();
    this.resolveWebviewView(view);
  }

  /** The view's description names its gateway while several are live (or it is not the default one). */
  private describe(): void {
    if (this.view) this.view.description = this.bound.key || this.gateways.live().length > 1 ? this.bound.name : undefined;
  }

  private release(): void {
    // A rebind replaces the controller while the view stays: the old dispose listener goes with it.
    this.viewSub?.dispose();
    this.viewSub = undefined;
    this.models?.dispose();
    this.controller?.dispose();
    this.channel?.dispose();
    this.channel = null;
    this.controller = null;
    this.models = null;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.describe();
    view.webview.options = webviewOptions(this.extensionUri);
    const channel = new WebviewChannel(view.webview, this.log, "chat view");
    const controller = new ChatController(this.connections, channel, this.log, this.pendingSession ?? this.sessionKey);
    const models = new ChatModels(this.connections, this.log, controller);
    models.bind(channel);
    this.channel = channel;
    this.controller = controller;
    this.models = models;
    for (const c of this.pending.splice(0)) channel.post({ type: "addContext", context: c });
    view.webview.html = webviewHtml(view.webview, this.extensionUri, "chat", "KrabKrab Chat");
    this.viewSub = view.onDidDispose(() => {
      models.dispose();
      controller.dispose();
      channel.dispose();
      if (this.view === view && this.channel === channel) {
        this.view = null;
        this.channel = null;
        this.controller = null;
        this.models = null;
      }
    });

  }

  /** The webview has loaded and said `ready` to this view's current channel. */
  get ready(): boolean {
    return this.channel?.isReady === true;
  }

  /** On screen now: the transcript shows agent questions, so no notification is needed. */
  get visible(): boolean {
    return this.view?.visible === true;
  }

  get sessionShown(): string {
    return this.controller?.currentSessionKey ?? this.pendingSession ?? this.sessionKey;
  }

  async reveal(): Promise<void> {
    if (this.view) this.view.show(false);
    else await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
  }

  async switchSession(key: string): Promise<void> {
    if (this.controller) await this.controller.switchSession(key);
    else this.pendingSession = key;
    await this.reveal();
  }

  async newSession(): Promise<string> {
    const key = this.controller?.newSessionKey() ?? `vscode-${Date.now().toString(36)}`;
    await this.switchSession(key);
    this.channel?.post({ type: "focusComposer" });
    return key;
  }

  /** Adds editor text as context to the next message and focuses the composer. */
  async addContext(snippet: ContextSnippet): Promise<void> {
    if (this.channel) this.channel.post({ type: "addContext", context: snippet });
    else this.pending.push(snippet);
    await this.reveal();
  }

  /**
   * The model settings of the session this view shows (the QuickPick command's). Without a resolved view, a
   * standalone one for the session it will show; the caller disposes that (`owned`).
   */
  sessionSettings(): { models: ChatModels; owned: boolean } {
    if (this.models) return { models: this.models, owned: false };
    const key = this.sessionShown;
    const shown = { currentSessionKey: key, get currentChat() { return null; }, onDidFollow: () => ({ dispose() {} }) };
    return { models: new ChatModels(this.connections, this.log, shown), owned: true };
  }

  /** Every change of the session shown (KrabKrab: Review Session Changes). */
  reviewSessionChanges(): Promise<number> {
    if (!this.controller) throw new Error("The chat view is not open yet.");
    return this.controller.reviewSession();
  }

  /** Runs a request as if the webview sent it (the activation API's test-only `testing`). */
  requestForTest(msg: WebviewMessage): Promise<unknown> {
    if (!this.channel || !("requestId" in msg)) return Promise.reject(new Error(this.channel ? `“${msg.type}” is not a request.` : "The chat view is not open."));
    return this.channel.invoke(msg);
  }

  listSessions(search?: string) {
    if (!this.controller) throw new Error("The chat view is not open yet.");
    return this.controller.listSessions(search);
  }

  dispose(): void {
    this.sub.dispose();
    this.release();
    if (ChatViewProvider.current === this) ChatViewProvider.current = null;
  }
}
