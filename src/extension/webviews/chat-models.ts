// The model, thinking level, fast mode and context use of the session a chat view shows, and the Compact action.
// Reads the session's row (sessions.describe, else its sessions.list row) and the models (models.list, cached
// per connection), patches the session (sessions.patch) and notes each change in the transcript; compacts with
// sessions.compact (operator.admin, asked for when used). The side panel binds it to its webview (bind()); the
// "Choose Model for Chat Session" QuickPick uses the same object. Shown only when the gateway offers the methods.
import { combinedDisposable, Disposable, toDisposable } from "../../shared/base/lifecycle";
import { readSessionState, sessionSettingsSupport, type ChatSession, type Logger, type OperatorClient } from "../../gateway";
import { CompactSession, GetSessionInfo, ListModels, PatchSession, type ModelChoiceView, type SessionInfoView } from "../../shared/contract";
import { changeNote, modelChoiceViews, sessionInfoView, type SettingsChange } from "../common/session-info";
import { withScopes } from "../commands/gateway-commands";
import type { ConnectionManager } from "../connection/connection-manager";
import type { WebviewChannel } from "./webview-channel";

/** The session a view shows, and when it follows another ChatSession. */
export interface ShownSession {
  readonly currentSessionKey: string;
  readonly currentChat: ChatSession | null;
  onDidFollow(listener: (chat: ChatSession | null) => void): { dispose(): void };
}

const MODELS_TTL_MS = 60_000;
const modelCache = new WeakMap<OperatorClient, { at: number; models: Promise<ModelChoiceView[]> }>();

/** models.list of this connection, kept a minute (the picker opens often; the catalog rarely changes). */
export function listModels(client: OperatorClient): Promise<ModelChoiceView[]> {
  const hit = modelCache.get(client);
  if (hit && Date.now() - hit.at < MODELS_TTL_MS) return hit.models;
  const models = client.modelsList().then((r) => modelChoiceViews(r.models));
  modelCache.set(client, { at: Date.now(), models });
  models.catch(() => modelCache.delete(client));
  return models;
}

export class ChatModels extends Disposable {
  private info: SessionInfoView | null = null;
  private channel: WebviewChannel | null = null;
  private lastPosted = "";
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private unfollowChat: (() => void) | null = null;

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: Logger,
    private readonly shown: ShownSession,
  ) {
    super();
    this._register(combinedDisposable(
      connections.onDidConnect(() => this.schedule(0)),
      connections.onDidChange(() => {
        if (connections.state.status !== "connected" && this.info) this.publish(null);
      }),
      shown.onDidFollow((chat) => this.followChat(chat)),
      toDisposable(() => {
        clearTimeout(this.timer);
        this.unfollowChat?.();
      }),
    ));
    this.followChat(shown.currentChat);
  }

  /** The last state read (null: not connected, or the gateway offers none of this). */
  get current(): SessionInfoView | null {
    return this.info;
  }

  /** Answers the picker's requests on this webview and posts `sessionInfo` to it from now on. */
  bind(channel: WebviewChannel): void {
    this.channel = channel;
    channel.onReady(() => {
      this.lastPosted = "";
      this.schedule(0);
    });
    let loaded = false;
    channel.handle(GetSessionInfo, async () => {
      // Its first ask: the webview ran main-models.js (under the page's nonce).
      if (!loaded) this.log.info("chat view: the model picker's script is loaded");
      loaded = true;
      return { info: await this.refresh() };
    });
    channel.handle(ListModels, () => this.models());
    channel.handle(PatchSession, async (m) => {
      let change: SettingsChange | null = null;
      if (m.model) change = { model: m.model };
      else if (m.thinkingLevel) change = { thinkingLevel: m.thinkingLevel };
      else if (m.fastMode) change = { fastMode: m.fastMode };
      if (!change) throw new Error("Nothing to change.");
      await this.apply(change);
      return {};
    });
    channel.handle(CompactSession, () => this.compact());
  }

  private client(): OperatorClient {
    const c = this.connections.current;
    if (!c || c.state.status !== "connected") throw new Error("Not connected. Connect to a gateway first.");
    return c;
  }

  /** The models the session may use (models.list). */
  models(): Promise<ModelChoiceView[]> {
    const c = this.client();
    if (!sessionSettingsSupport(c.hello?.methods).models) throw new Error("This gateway does not offer model selection (models.list, sessions.patch).");
    return listModels(c);
  }

  /** Reads the shown session's state now and posts it (when it changed); null when there is nothing to show. */
  async refresh(): Promise<SessionInfoView | null> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const gen = ++this.generation;
    const c = this.connections.current;
    const support = sessionSettingsSupport(c?.hello?.methods);
    if (!c || c.state.status !== "connected" || (!support.read && !support.models)) return this.publish(null);
    const key = this.shown.currentSessionKey;
    const [row, models] = await Promise.all([
      support.read ? readSessionState(c, key).catch((err: Error) => (this.log.warn(`session info: ${err.message}`), null)) : null,
      support.models ? listModels(c).catch((err: Error) => (this.log.warn(`models.list: ${err.message}`), [] as ModelChoiceView[])) : [],
    ]);
    // A newer read (another session, a later change) may have finished first: it wins.
    if (gen !== this.generation) return this.info;
    return this.publish(sessionInfoView(key, row, models, support));
  }

  private publish(info: SessionInfoView | null): SessionInfoView | null {
    this.info = info;
    const msg = { type: "sessionInfo" as const, info };
    const json = JSON.stringify(msg);
    if (this.channel?.isReady && json !== this.lastPosted) {
      this.lastPosted = json;
      this.channel.post(msg);
    }
    return info;
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  /** A run that ends has used (and reported) tokens: read the meter again then, and when the view moves on. */
  private followChat(chat: ChatSession | null) {
    this.unfollowChat?.();
    this.unfollowChat = null;
    if (chat) {
      let running = chat.snapshot().activeRunId !== null;
      const onChange = (snap: { activeRunId: string | null }) => {
        const now = snap.activeRunId !== null;
        if (running && !now) this.schedule(500);
        running = now;
      };
      chat.on("change", onChange);
      this.unfollowChat = () => chat.off("change", onChange);
    }
    this.schedule(0);
  }

  /** Patches the shown session (sessions.patch), notes the change in its transcript, and shows the new state. */
  async apply(change: SettingsChange): Promise<SessionInfoView | null> {
    const c = this.client();
    if (!sessionSettingsSupport(c.hello?.methods).models) throw new Error("This gateway does not offer sessions.patch.");
    const key = this.shown.currentSessionKey;
    const before = this.info?.sessionKey === key.slice(0, 256) ? this.info : null;
    const fast = "fastMode" in change ? ({ on: true, off: false, auto: "auto", default: null } as const)[change.fastMode] : undefined;
    await c.sessionsPatch({
      key,
      ...("model" in change ? { model: change.model } : {}),
      ...("thinkingLevel" in change ? { thinkingLevel: change.thinkingLevel } : {}),
      ...(fast !== undefined ? { fastMode: fast } : {}),
    });
    this.log.info(`chat: ${key}: ${JSON.stringify(change)}`);
    const models = await listModels(c).catch(() => [] as ModelChoiceView[]);
    (this.shown.currentChat ?? this.connections.chat(key))?.addNote(changeNote(change, before, models));
    return this.refresh();
  }

  /**
   * Compacts the shown session's context (sessions.compact; needs operator.admin, asked for first). The
   * gateway's answer says whether it compacted, and why not.
   */
  async compact(): Promise<{ compacted: boolean; reason?: string }> {
    if (!sessionSettingsSupport(this.client().hello?.methods).compact) throw new Error("This gateway does not offer sessions.compact.");
    const c = await withScopes(this.connections, ["operator.admin"], "Compacting a chat session");
    if (!c) throw new Error("Compacting needs the operator.admin scope; the connection was not upgraded.");
    const key = this.shown.currentSessionKey;
    const r = await c.sessionsCompact(key);
    this.log.info(`chat: compact ${key}: ${r.compacted ? `compacted (${r.result?.tokensBefore ?? "?"} tokens before)` : `not compacted (${r.reason ?? "no reason given"})`}`);
    // The gateway's transcript now starts with its "Compaction" entry; the context figure changed.
    await (this.shown.currentChat ?? this.connections.chat(key))?.open();
    void this.refresh();
    return { compacted: r.compacted === true, reason: r.reason };
  }
}
