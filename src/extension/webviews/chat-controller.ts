// The chat behind one webview (the side panel or the dashboard): which session it shows, the ChatSession
// it follows, and the chat requests the webview makes. Posts the transcript as a full `chat` when the list of
// items changed shape, else as a `chatPatch` of the changed items only (a streaming reply is one item).
// Messages sent while fully disconnected wait here, visibly queued, and go out once on the next connect.
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { combinedDisposable, Disposable } from "../../shared/base/lifecycle";
import { canForkAtMessage, type ChatSession, type ChatSnapshot, type Logger, type TranscriptItem } from "../../gateway";
import {
  Abort,
  AddEditorContext,
  AnswerQuestion,
  Connect,
  CopyText,
  InsertCode,
  ListSessions,
  LoadOlder,
  NewSession,
  OpenCode,
  OpenLink,
  Send,
  SkipQuestion,
  SwitchSession,
  type AttachmentPolicy,
  type AttachmentView,
  type ContextSnippet,
  type ResultOf,
  type SessionRowView,
} from "../../shared/contract";
import type { ConnectionManager } from "../connection/connection-manager";
import { composeMessage } from "../common/compose-message";
import { contextProblem } from "../common/mention-query";
import { AgentQuestions, questionView } from "../views/questions";
import { handleChatTools, sessionRowView } from "./chat-tools";
import { editorContext, insertIntoEditor, openInEditor, openLink } from "./editor-actions";
import { TranscriptDiff } from "../common/transcript-diff";
import { handleMentionRequests } from "../mentions/mention-requests";
import { handleReviewRequests, reviewSession } from "../review/review-requests";
import type { WebviewChannel } from "./webview-channel";

interface OfflineSend {
  item: TranscriptItem;
  attachments?: unknown[];
}

export class ChatController extends Disposable {
  private chat: ChatSession | null = null;
  private unfollow: (() => void) | null = null;
  /** Streaming sends a change per delta: at most one post per frame reaches the webview. */
  private postTimer: NodeJS.Timeout | undefined;
  private readonly diff = new TranscriptDiff();
  private readonly offline: OfflineSend[] = [];
  /** The transcript as it was when the connection went away: still shown (not blanked) while disconnected. */
  private stale: ChatSnapshot | null = null;
  private lastConnection = "";
  private lastQuestions = "";
  private readonly followers = new Set<(chat: ChatSession | null) => void>();

  constructor(
    private readonly connections: ConnectionManager,
    private readonly channel: WebviewChannel,
    private readonly log: Logger,
    private sessionKey = "main",
  ) {
    super();
    this._register(combinedDisposable(
      connections.onDidChange(() => this.onConnectionChange()),
      connections.onDidConnect(() => void this.follow()),
    ));
    const questions = AgentQuestions.of(this.connections);
    if (questions) this._register(questions.onDidChange(() => this.postQuestions()));
    this.handleRequests(channel);
    this._register(handleChatTools(channel, connections, this));
  }

  get currentSessionKey(): string {
    return this.sessionKey;
  }

  get currentChat(): ChatSession | null {
    return this.chat;
  }

  /** Called whenever this view follows another ChatSession (or none: a switch, a disconnect). */
  onDidFollow(listener: (chat: ChatSession | null) => void): { dispose(): void } {
    this.followers.add(listener);
    return { dispose: () => this.followers.delete(listener) };
  }

  private followed(): void {
    for (const l of [...this.followers]) l(this.chat);
  }

  private policy(): AttachmentPolicy | undefined {
    const p = this.connections.current?.hello?.policy;
    if (!p) return undefined;
    return { maxBytes: p.attachments?.maxBytes, maxImageBytes: p.attachments?.maxImageBytes, maxPayload: p.maxPayload };
  }

  private onConnectionChange() {
    // onDidChange fires for every RPC's round-trip time too: post only what changed.
    const c = this.connections.current;
    // What a transcript message offers follows this connection's hello-ok (methods, scopes).
    const messageActions: "fork"[] = c?.state.status === "connected" && canForkAtMessage(c) ? ["fork"] : [];
    const msg = { type: "connection" as const, connection: this.connections.view(), policy: this.policy(), ...(messageActions.length ? { messageActions } : {}) };
    const json = JSON.stringify(msg);
    if (json !== this.lastConnection) {
      this.lastConnection = json;
      this.channel.post(msg);
    }
    if (!this.connections.current && this.chat && !this.connections.currentTarget) {
      // The manager disposes its sessions on disconnect; forget ours but keep showing its last transcript.
      // (With a target but no client, a scope upgrade is reconnecting: the session stays and follows it.)
      this.stale = this.chat.snapshot();
      this.unfollow?.();
      this.unfollow = null;
      this.chat = null;
      this.postChat(true);
      this.followed();
    }
  }

  /** Follows the ChatSession of the current session key on the current connection. */
  private async follow(): Promise<void> {
    const chat = this.connections.chat(this.sessionKey);
    if (!chat) return;
    if (chat !== this.chat) {
      this.unfollow?.();
      // Held while this view shows it: the manager releases a session (and its client listeners) when
      // the last view that follows it moves on.
      const held = this.connections.retainChat(this.sessionKey)!;
      this.chat = chat;
      const onChange = () => {
        this.postTimer ??= setTimeout(() => {
          this.postTimer = undefined;
          this.postChat(false);
        }, 16);
      };
      chat.on("change", onChange);
      this.unfollow = () => {
        chat.off("change", onChange);
        held.release();
      };
      this.stale = null;
      this.followed();
      await chat.open();
    }
    // What was typed while disconnected goes out now, once, in order.
    const queued = this.offline.splice(0);
    if (queued.length) this.log.info(`chat: sending ${queued.length} message(s) typed while disconnected`);
    for (const o of queued) chat.send(o.item.text, { attachments: o.attachments });
    this.postChat(true);
  }

  private snapshot(): ChatSnapshot {
    const snap: ChatSnapshot = this.chat?.snapshot() ?? (this.stale ? { ...this.stale, activeRunId: null } : {
      sessionKey: this.sessionKey,
      items: [],
      hasMore: false,
      activeRunId: null,
    });
    if (this.offline.length) snap.items = [...snap.items, ...this.offline.map((o) => o.item)];
    return snap;
  }

  /** Posts the transcript: a patch of changed items when only items changed or were appended, else all of it. */
  postChat(full: boolean): void {
    clearTimeout(this.postTimer);
    this.postTimer = undefined;
    if (!this.channel.isReady) return;
    const msg = this.diff.next(this.snapshot(), full);
    this.channel.post(msg);
    if (full) this.postQuestions(true);
  }

  /** This session's agent questions, when the gateway offers them; only when they changed (or forced). */
  private postQuestions(force = false): void {
    const questions = AgentQuestions.of(this.connections);
    if (!this.channel.isReady || !questions?.supported()) return;
    const msg = { type: "questions" as const, sessionKey: this.sessionKey, questions: questions.list(this.sessionKey).map(questionView) };
    const json = JSON.stringify(msg);
    if (!force && json === this.lastQuestions) return;
    this.lastQuestions = json;
    this.channel.post(msg);
  }

  /** Shows another session in this webview. */
  async switchSession(key: string): Promise<void> {
    if (key === this.sessionKey && this.chat) return;
    this.sessionKey = key;
    this.unfollow?.();
    this.unfollow = null;
    this.chat = null;
    this.stale = null;
    this.diff.reset();
    this.postChat(true);
    this.followed();
    if (this.connections.current) await this.follow();
  }

  newSessionKey(): string {
    return `vscode-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  }

  async listSessions(search?: string): Promise<SessionRowView[]> {
    const client = this.connections.current;
    if (!client) throw new Error("Not connected. Connect first to see the gateway's sessions.");
    const res = await client.sessionsList({ limit: 50, ...(search ? { search } : {}) });
    return res.sessions.map((s) => sessionRowView(client, s));
  }

  /** Adds the message (with context appended as fenced blocks) and sends it now, or on the next connect. */
  async send(text: string, attachments: AttachmentView[] = [], context: ContextSnippet[] = []): Promise<{ id: string; queued: boolean }> {
    const message = composeMessage(text, context);
    if (!message.trim() && attachments.length === 0) throw new Error("Type a message (or attach an image) first.");
    const policy = this.policy();
    const tooBig = contextProblem(context, policy);
    if (tooBig) throw new Error(tooBig);
    for (const a of attachments) {
      const decoded = Math.floor((a.content.length * 3) / 4) - (a.content.endsWith("==") ? 2 : a.content.endsWith("=") ? 1 : 0);
      const ceiling = policy?.maxImageBytes ?? policy?.maxBytes;
      if (ceiling !== undefined && decoded > ceiling) throw new Error(`“${a.fileName}” is larger than this gateway accepts for an image (${Math.round(ceiling / 1024 / 1024)} MB). Attach a smaller image.`);
    }
    const wire = attachments.map((a) => ({ type: "image", mimeType: a.mimeType, fileName: a.fileName, content: a.content }));
    const chat = this.chat ?? this.connections.chat(this.sessionKey);
    if (chat && this.connections.current) {
      // Not followed yet (a message sent the moment the view (re)loaded, before its `ready`): open the session
      // first, or the history read by open() would replace the transcript the message and its reply are in.
      if (chat !== this.chat) await this.follow();
      const item = chat.send(message, { attachments: wire.length ? wire : undefined });
      return { id: item.id, queued: item.status === "queued" };
    }
    const item: TranscriptItem = { id: `offline:${randomUUID()}`, role: "user", text: message, status: "queued", images: attachments.length || undefined, ts: Date.now() };
    this.offline.push({ item, attachments: wire.length ? wire : undefined });
    this.postChat(false);
    return { id: item.id, queued: true };
  }

  /** The webview (re)loaded: re-send everything it shows, as full messages. */
  private async onReady(sessionKey: string | undefined): Promise<void> {
    if (sessionKey && sessionKey !== this.sessionKey) this.sessionKey = sessionKey;
    this.diff.reset();
    this.lastConnection = "";
    this.onConnectionChange();
    if (this.connections.current) await this.follow();
    else this.postChat(true);
  }

  /** The chat's requests (the dashboard's are DashboardPanel's); each returns its declared result. */
  private handleRequests(channel: WebviewChannel): void {
    channel.onReady((m) => this.onReady(m.sessionKey));
    channel.handle(Send, (m) => this.send(m.text, m.attachments, m.context));
    channel.handle(Abort, async () => {
      if (!this.chat) throw new Error("Nothing to stop: not connected.");
      await this.chat.abort();
      return {};
    });
    channel.handle(LoadOlder, async () => {
      await this.chat?.loadOlder();
      return {};
    });
    channel.handle(Connect, async () => {
      await vscode.commands.executeCommand("krabkrab.connectLocal");
      return {};
    });
    channel.handle(ListSessions, (m) => this.listSessions(m.search));
    channel.handle(SwitchSession, async (m) => {
      await this.switchSession(m.sessionKey);
      return {};
    });
    channel.handle(NewSession, async () => {
      const key = this.newSessionKey();
      await this.switchSession(key);
      return { sessionKey: key };
    });
    channel.handle(OpenLink, async (m) => ({ opened: await openLink(m.href) }));
    channel.handle(CopyText, async (m) => {
      await vscode.env.clipboard.writeText(m.text);
      return {};
    });
    channel.handle(InsertCode, async (m) => {
      await insertIntoEditor(m.code);
      return {};
    });
    channel.handle(OpenCode, async (m) => {
      await openInEditor(m.code, m.language);
      return {};
    });
    channel.handle(AddEditorContext, (m) => editorContext(m.what));
    channel.handle(AnswerQuestion, (m) => this.resolveQuestion(m.id, { values: m.answers }));
    channel.handle(SkipQuestion, (m) => this.resolveQuestion(m.id, { cancel: true }));
    handleReviewRequests(channel, this.reviewSource);
    handleMentionRequests(channel, () => this.policy());
  }

  private readonly reviewSource = { snapshot: () => this.snapshot(), client: () => this.connections.current };

  /** Every change of the session shown (the Review Session Changes command). */
  reviewSession(): Promise<number> {
    return reviewSession(this.reviewSource);
  }

  private async resolveQuestion(id: string, how: { values: Record<string, string[]> } | { cancel: true }): Promise<ResultOf<typeof AnswerQuestion>> {
    const questions = AgentQuestions.of(this.connections);
    if (!questions) throw new Error("Questions are not available.");
    const ok = await questions.resolve(id, how);
    if (!ok) throw new Error("The answer was not sent (see the notification).");
    return {};
  }

  override dispose(): void {
    clearTimeout(this.postTimer);
    this.unfollow?.();
    super.dispose();
  }
}
