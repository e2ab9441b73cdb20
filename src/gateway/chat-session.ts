// One chat session's transcript as the UI shows it, kept in step with the gateway:
//  - history from `chat.history`, live runs from `chat` events (whole-text-so-far: replace, never append),
//    tool cards from `agent` tool events and history toolCall/toolResult blocks;
//  - events filtered by canonical session key and de-duplicated per run by `seq`;
//  - every send carries an idempotency key; sends made while disconnected are queued and go out once on
//    reconnect with the same key; after a reconnect the transcript is re-read from history and an
//    in-flight run is adopted (or shown as interrupted), as the gateway's clients guide prescribes.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { DisposableStore, toDisposable } from "../shared/base/lifecycle";
import { asText } from "../shared/base/loose-read";
import { GatewayIssueError, type GatewayIssue } from "./errors";
import type { OperatorClient } from "./client";
import { mergeNotes, projectHistory } from "./chat-history";
import { messageText, type AgentEvent, type ChatEvent, type ChatHistory } from "./schemas";
import type { ItemStatus, TranscriptItem } from "../shared/contract/transcript";

export { projectHistory, stripInboundEnvelope } from "./chat-history";

// One TranscriptItem for the gateway and the webview contract (its schema is checked against it there).
export type { ItemStatus, ToolCard, TranscriptItem } from "../shared/contract/transcript";

export interface ChatSnapshot {
  sessionKey: string;
  items: TranscriptItem[];
  hasMore: boolean;
  activeRunId: string | null;
}

interface RunState {
  runId: string;
  lastSeq: number;
  lastState?: string;
  item: TranscriptItem;
}

function isTerminal(s: ItemStatus | undefined): boolean {
  return s === "final" || s === "aborted" || s === "error" || s === "interrupted";
}

/** Transcript items kept in memory; the gateway keeps the whole history. */
export const MAX_LIVE_ITEMS = 2_000;

export class ChatSession extends EventEmitter<{ change: [ChatSnapshot]; issue: [GatewayIssue] }> {
  private items: TranscriptItem[] = [];
  private readonly runs = new Map<string, RunState>();
  private pendingChange: NodeJS.Immediate | undefined;
  private readonly agentSeq = new Map<string, { seq: number; key: string }>();
  /** When each of our sends was acknowledged: a history snapshot taken earlier cannot contain it. */
  private readonly ackAt = new Map<string, number>();
  private canonicalKey: string | null = null;
  private hasMore = false;
  private historyLimit: number;
  /** The current client's listeners: cleared when following another client, disposed with the session. */
  private readonly clientListeners = new DisposableStore();
  private flushing = false;
  /**
   * Attachment bytes of sends not yet acknowledged, by item id: kept off the transcript items (which are
   * copied into every snapshot and posted to the views each frame) and dropped once the gateway has them.
   */
  private readonly outgoing = new Map<string, unknown[]>();
  /** Set by attach(): the next hello is a new client's first one and needs a full resync. */
  private rebound = false;
  /** Notes this window added (addNote): not in the gateway's history, so put back after every re-read. */
  private notes: TranscriptItem[] = [];

  constructor(
    private client: OperatorClient,
    readonly sessionKey = "main",
    opts: { historyLimit?: number } = {},
  ) {
    super();
    this.historyLimit = opts.historyLimit ?? 100;
    this.subscribe(client);
  }

  private subscribe(client: OperatorClient) {
    const on = <K extends "chat" | "agent" | "reconnected" | "hello">(ev: K, fn: (...a: never[]) => void) => {
      client.on(ev, fn as never);
      this.clientListeners.add(toDisposable(() => client.off(ev, fn as never)));
    };
    on("chat", (e: ChatEvent) => this.onChat(e));
    on("agent", (e: AgentEvent) => this.onAgent(e));
    on("reconnected", () => void this.resync());
    on("hello", () => {
      if (this.rebound) {
        this.rebound = false;
        void this.resync();
      } else void this.flushQueue();
    });
  }

  /**
   * Follows another client of the same gateway (a scope upgrade reconnects with a new one): the transcript
   * and the queue stay, and are re-read / sent on its first hello, so nothing typed meanwhile is lost.
   */
  attach(client: OperatorClient): void {
    if (client === this.client) return;
    this.clientListeners.clear();
    this.client = client;
    this.subscribe(client);
    // Sends the old client had in flight come back as "queued" when it is stopped; treat them so now.
    for (const i of this.items) if (i.role === "user" && i.status === "sending") i.status = "queued";
    if (client.state.status === "connected") void this.resync();
    else this.rebound = true;
  }

  /** Whether a message the user sent has not reached the gateway yet. */
  hasPendingSends(): boolean {
    return this.items.some((i) => i.role === "user" && (i.status === "queued" || i.status === "sending"));
  }

  dispose(): void {
    if (this.pendingChange) clearImmediate(this.pendingChange);
    this.pendingChange = undefined;
    this.clientListeners.dispose();
    this.removeAllListeners();
  }

  snapshot(): ChatSnapshot {
    const active = [...this.runs.values()].find((r) => r.item.status === "streaming");
    return {
      sessionKey: this.canonicalKey ?? this.sessionKey,
      items: this.items.map((i) => ({ ...i, tools: i.tools?.map((t) => ({ ...t })) })),
      hasMore: this.hasMore,
      activeRunId: active?.runId ?? null,
    };
  }

  /** Loads (or re-loads) history. Call once after connecting. */
  async open(): Promise<void> {
    await this.resync();
  }

  /** Loads more history (older messages) by asking for a larger window. */
  async loadOlder(step = 100): Promise<void> {
    this.historyLimit += step;
    await this.resync();
  }

  /** Matches the gateway's canonical form ("main" → "agent:main:main"). */
  private matches(key: string): boolean {
    if (this.canonicalKey) return key === this.canonicalKey;
    return key === this.sessionKey || key.endsWith(`:${this.sessionKey}`);
  }

  /**
   * One `change` per burst: events that arrive together (one socket read, a streaming run at full speed)
   * produce one snapshot for the views instead of one per event. snapshot() is always current.
   */
  private changed() {
    this.trim();
    this.pendingChange ??= setImmediate(() => {
      this.pendingChange = undefined;
      this.emit("change", this.snapshot());
    });
  }

  /**
   * Keeps memory bounded in a long-lived session: past MAX_LIVE_ITEMS the oldest finished items are dropped
   * (hasMore says older ones exist; "load older" fetches history again). Items still in flight never are.
   */
  private trim() {
    let over = this.items.length - MAX_LIVE_ITEMS;
    if (over <= 0) return;
    this.items = this.items.filter((i) => {
      if (over > 0 && i.status !== "streaming" && i.status !== "queued" && i.status !== "sending") {
        over--;
        if (i.runId) this.runs.delete(i.runId);
        return false;
      }
      return true;
    });
    this.hasMore = true;
  }

  // ---- history ----

  private async resync(): Promise<void> {
    if (this.client.state.status !== "connected") return;
    let history: ChatHistory;
    const startedAt = Date.now();
    try {
      history = await this.client.chatHistory({ sessionKey: this.sessionKey, limit: this.historyLimit });
    } catch (err) {
      this.emit("issue", issueOf(err));
      return;
    }
    // 2026.9.x answers with the canonical key ("agent:main:<key>"); 2026.5.x echoes the key as sent and has no
    // sessionInfo, while its events still carry the canonical form. An echo teaches nothing: keep matching by
    // suffix until an event names the canonical key.
    const told = history.sessionInfo?.key ?? history.sessionKey;
    if (told && told !== this.sessionKey) this.canonicalKey = told;
    this.hasMore = history.hasMore ?? false;
    const fromHistory = projectHistory(history.messages);
    // A send is known by its idempotency key, which the gateway also uses as the run id of the reply (history
    // rows may carry either): a send the gateway recorded before the link dropped is not shown twice.
    const knownKeys = new Set(fromHistory.flatMap((i) => [i.idempotencyKey, i.runId]).filter(Boolean));
    // Our own sends the gateway has not recorded yet stay, in order, after history — including ones
    // acknowledged after this snapshot was taken.
    const pending = this.items.filter((i) => i.role === "user" && (i.status === "queued" || i.status === "sending" || (i.status === "sent" && (this.ackAt.get(i.id) ?? 0) >= startedAt)) && i.idempotencyKey && !knownKeys.has(i.idempotencyKey));
    // Runs we were streaming: adopt the one the gateway says is in flight; the others ended while we were away.
    const inFlight = history.inFlightRun ?? null;
    const activeIds = new Set(history.sessionInfo?.activeRunIds ?? []);
    const keepRuns: TranscriptItem[] = [];
    for (const run of this.runs.values()) {
      const inHistory = fromHistory.some((i) => i.role === "assistant" && i.runId === run.runId);
      if ((run.item.ts ?? 0) >= startedAt && !inHistory) {
        keepRuns.push(run.item); // started after the snapshot was taken: history cannot know it yet
        continue;
      }
      if (run.item.status !== "streaming") continue;
      if (inFlight?.runId === run.runId || activeIds.has(run.runId)) {
        if (inFlight?.runId === run.runId && inFlight.text) run.item.text = inFlight.text;
        keepRuns.push(run.item);
      } else if (!inHistory) {
        run.item.status = "interrupted";
        run.item.error = "The connection dropped while this reply was streaming; it did not complete.";
        keepRuns.push(run.item);
      }
    }
    if (inFlight && !this.runs.has(inFlight.runId)) {
      const item: TranscriptItem = { id: `run:${inFlight.runId}`, role: "assistant", text: inFlight.text ?? "", status: "streaming", runId: inFlight.runId };
      this.runs.set(inFlight.runId, { runId: inFlight.runId, lastSeq: -1, item });
      keepRuns.push(item);
    }
    // Finished runs are now part of history; forget their live state (but keep seq marks to drop replays).
    for (const [id, run] of this.runs) if (!keepRuns.includes(run.item)) this.runs.delete(id);
    this.items = mergeNotes([...fromHistory, ...keepRuns.filter((i) => i.status === "interrupted"), ...pending, ...keepRuns.filter((i) => i.status !== "interrupted")], this.notes);
    this.changed();
    void this.flushQueue();
  }

  /**
   * Adds a line of the extension's own to the transcript (e.g. "model changed"): kept in place across history
   * re-reads for as long as this session object lives; the gateway's history does not record it.
   */
  addNote(text: string): TranscriptItem {
    const item: TranscriptItem = { id: `note:${randomUUID()}`, role: "system", text, status: "final", ts: Date.now() };
    this.notes = [...this.notes, item].slice(-50);
    this.items.push(item);
    this.changed();
    return item;
  }

  // ---- sending ----

  /** Adds the user's message to the transcript at once and sends it (now, or on reconnect). */
  send(text: string, opts: { attachments?: unknown[] } = {}): TranscriptItem {
    const idempotencyKey = randomUUID();
    const item: TranscriptItem = { id: `send:${idempotencyKey}`, role: "user", text, status: "queued", idempotencyKey, ts: Date.now(), images: opts.attachments?.length || undefined };
    if (opts.attachments?.length) this.outgoing.set(item.id, opts.attachments);
    this.items.push(item);
    this.changed();
    void this.flushQueue();
    return item;
  }

  private async flushQueue(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        if (this.client.state.status !== "connected") return;
        const next = this.items.find((i) => i.role === "user" && i.status === "queued");
        if (!next) return;
        next.status = "sending";
        this.changed();
        try {
          const attachments = this.outgoing.get(next.id);
          const res = await this.client.chatSend({
            sessionKey: this.sessionKey,
            message: next.text,
            idempotencyKey: next.idempotencyKey!,
            attachments: attachments?.length ? attachments : undefined,
          });
          this.outgoing.delete(next.id);
          next.status = "sent";
          next.runId = res.runId;
          this.ackAt.set(next.id, Date.now());
          this.ensureRun(res.runId);
        } catch (err) {
          const issue = issueOf(err);
          if (issue.kind === "not-connected" || issue.kind === "timeout" || issue.kind === "unreachable" || issue.retrying) {
            // Not delivered (or not known to be): back to the queue, same key, sent again on reconnect.
            next.status = "queued";
            this.changed();
            return;
          }
          this.outgoing.delete(next.id); // refused for good: the bytes will not be sent again
          next.status = "error";
          next.error = `${issue.message} ${issue.nextStep}`;
          this.emit("issue", issue);
        }
        this.changed();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Stops the running reply (or all runs of this session). */
  async abort(runId?: string): Promise<void> {
    const id = runId ?? this.snapshot().activeRunId ?? undefined;
    await this.client.chatAbort({ sessionKey: this.sessionKey, runId: id });
  }

  // ---- live events ----

  private ensureRun(runId: string): RunState {
    let run = this.runs.get(runId);
    if (!run) {
      const item: TranscriptItem = { id: `run:${runId}`, role: "assistant", text: "", status: "streaming", runId, ts: Date.now() };
      run = { runId, lastSeq: -1, item };
      this.runs.set(runId, run);
      this.items.push(item);
    }
    return run;
  }

  private onChat(e: ChatEvent) {
    if (!this.matches(e.sessionKey)) return;
    if (!this.canonicalKey) this.canonicalKey = e.sessionKey;
    const known = this.runs.get(e.runId);
    if (!known && (e.state === "final" || e.state === "aborted" || e.state === "error") && this.items.some((i) => i.runId === e.runId && i.role === "assistant" && i.status !== "streaming")) return; // replay of a finished run
    const run = known ?? this.ensureRun(e.runId);
    // The gateway numbers chat and agent events of a run from one counter, so chat seqs have gaps, and
    // the final reuses the last delta's seq. Drop lower seqs and exact repeats (same seq and state).
    if (typeof e.seq === "number") {
      if (e.seq < run.lastSeq || (e.seq === run.lastSeq && e.state === run.lastState)) return;
      run.lastSeq = e.seq;
      run.lastState = e.state;
    }
    if (isTerminal(run.item.status) && run.item.status !== "interrupted") return; // nothing follows a terminal state
    const item = run.item;
    switch (e.state) {
      case "status":
        item.phase = e.phase;
        break;
      case "delta": {
        const whole = e.message !== undefined ? messageText(e.message) : undefined;
        item.text = whole ?? item.text + (e.deltaText ?? "");
        item.status = "streaming";
        item.phase = undefined;
        break;
      }
      case "final": {
        const text = e.message !== undefined ? messageText(e.message) : "";
        if (text) item.text = text;
        item.status = "final";
        item.phase = undefined;
        break;
      }
      case "aborted":
        item.status = "aborted";
        item.phase = undefined;
        break;
      case "error":
        item.status = "error";
        item.error = e.errorMessage ?? "The run failed.";
        item.phase = undefined;
        break;
      default:
        return;
    }
    this.changed();
  }

  private onAgent(e: AgentEvent) {
    if (e.stream !== "tool") return;
    if (e.sessionKey && !this.matches(e.sessionKey)) return;
    if (!e.sessionKey && !this.runs.has(e.runId)) return;
    const d = (e.data && typeof e.data === "object" ? e.data : {}) as Record<string, unknown>;
    const toolCallId = asText(d.toolCallId ?? d.id);
    if (!toolCallId) return;
    if (typeof e.seq === "number") {
      // Same counter as chat events; drop lower seqs and an exact repeat of the last one.
      const key = `${toolCallId}:${String(d.phase)}`;
      const last = this.agentSeq.get(e.runId);
      if (last && (e.seq < last.seq || (e.seq === last.seq && last.key === key))) return;
      this.agentSeq.set(e.runId, { seq: e.seq, key });
    }
    const run = this.ensureRun(e.runId);
    const tools = (run.item.tools ??= []);
    let card = tools.find((t) => t.toolCallId === toolCallId);
    if (!card) {
      card = { toolCallId, name: asText(d.name, "tool"), phase: "start" };
      tools.push(card);
    }
    const phase = d.phase === "result" || d.phase === "update" ? d.phase : "start";
    card.phase = phase;
    if (d.name) card.name = asText(d.name, card.name);
    if (d.args !== undefined) card.args = d.args;
    if (d.result !== undefined || d.partialResult !== undefined) card.result = d.result ?? d.partialResult;
    if (d.isError !== undefined) card.isError = Boolean(d.isError);
    this.changed();
  }
}

function issueOf(err: unknown): GatewayIssue {
  return err instanceof GatewayIssueError ? err.issue : { kind: "gateway-error", message: String(err), nextStep: "See the connection log.", retrying: false };
}
