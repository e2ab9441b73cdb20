// The one live gateway connection of a window, race-free: which client and transport are current, and the
// chat sessions on it. Plain Node (the extension's ConnectionManager wraps it for VS Code).
//
// Every connect and disconnect starts a new generation. Each step of a connect that awaited something
// (transport open, identity load, the handshake) checks that its generation is still the current one and
// otherwise releases what it created itself — so interleaved connect / disconnect / switch / cancel never
// leave two clients, a leaked tunnel or spawned gateway, or a cancelled attempt tearing down a newer one.
import { EventEmitter } from "node:events";
import { ChatSession } from "./chat-session";
import { GatewayIssueError, type GatewayIssue } from "./errors";
import type { LocalGateway, LocalGatewayState } from "./local-gateway";
import { silentLogger, type Logger } from "./logger";
import { requestScopeUpgrade, upgradeRoute, type OperatorClient, type OperatorScope, type PendingUpgrade } from "./client";
import type { SshTunnel, TunnelState } from "./ssh";

export interface SlotTarget {
  url: string;
  token?: string;
  password?: string;
  tlsFingerprint?: string;
  credentialScope?: string;
  /** The local gateway attached to or started, when the transport is local. */
  local?: LocalGateway;
  /** The SSH tunnel, when the transport is one. */
  tunnel?: SshTunnel;
  /** Releases what the transport holds (a tunnel, a spawned gateway). */
  dispose?: () => Promise<void>;
}

export interface ClientRequest {
  scopes?: OperatorScope[];
  preferDeviceToken?: boolean;
}

/** One connect's claim on the slot: live until the next connect or disconnect. */
export interface ConnectAttempt {
  readonly gen: number;
  /** Aborted when the attempt is superseded or cancelled: pass it to the transport open. */
  readonly signal: AbortSignal;
  readonly live: boolean;
  /**
   * Releases the connection this attempt replaces (if begin() kept it) and resolves once that is fully
   * released (port free, tunnel closed). Call it before opening the transport.
   */
  ready(): Promise<void>;
  /** Cancels this attempt — and disconnects only if it is still the current one. */
  cancel(): Promise<void>;
}

export function cancelledError(): GatewayIssueError {
  return new GatewayIssueError({ kind: "not-connected", message: "Connection cancelled.", nextStep: "Connect again when you are ready.", retrying: false });
}

export function isCancelled(err: unknown): boolean {
  return err instanceof GatewayIssueError && err.issue.kind === "not-connected" && err.message === "Connection cancelled.";
}

export class ConnectionSlot<T extends SlotTarget = SlotTarget> extends EventEmitter<{ changed: []; connected: [OperatorClient]; rtt: [number] }> {
  private gen = 0;
  private abort: AbortController | null = null;
  private client: OperatorClient | null = null;
  private target: T | null = null;
  private unwatch: (() => void) | null = null;
  /** The current client's connect() has finished (connected, or failed with a reason it shows). */
  private clientSettled = false;
  private readonly chats = new Map<string, { session: ChatSession; refs: number }>();
  private readonly releasing = new Set<Promise<void>>();
  private readonly log: Logger;

  constructor(
    /** Builds (does not start) the operator client for a target; may await (device identity). */
    private readonly makeClient: (target: T, req: ClientRequest) => Promise<OperatorClient>,
    logger?: Logger,
  ) {
    super();
    this.log = logger ?? silentLogger;
  }

  get current(): OperatorClient | null {
    return this.client;
  }
  get currentTarget(): T | null {
    return this.target;
  }

  /**
   * Starts a new generation: every older attempt is superseded, and the current connection is released —
   * at once, or with `keepCurrent` only when the attempt's ready() is called (a connect whose target turns
   * out to be invalid then leaves the working connection alone). A connection a superseded attempt was
   * still setting up is released at once either way.
   */
  begin(opts: { keepCurrent?: boolean } = {}): ConnectAttempt {
    return this.newAttempt(true, Boolean(opts.keepCurrent) && this.clientSettled);
  }

  private newAttempt(releaseTarget: boolean, keepCurrent = false): ConnectAttempt {
    const gen = ++this.gen;
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    const isLive = () => gen === this.gen;
    let released: Promise<void> | null = keepCurrent ? null : this.release(releaseTarget);
    return {
      gen,
      signal: ac.signal,
      get live() {
        return isLive();
      },
      ready: () => {
        if (!released) released = isLive() ? this.release(releaseTarget) : Promise.resolve();
        return released;
      },
      cancel: async () => {
        ac.abort();
        if (isLive()) await this.disconnect();
      },
    };
  }

  /**
   * Connects an attempt to the transport it opened. Throws GatewayIssueError; a superseded attempt throws
   * "Connection cancelled." after releasing `target` (unless `keepTarget`: it is the current one).
   */
  async connect(attempt: ConnectAttempt, target: T, req: ClientRequest = {}, keepTarget = false): Promise<OperatorClient> {
    const drop = async () => {
      if (!keepTarget) await this.track(target.dispose?.());
      throw cancelledError();
    };
    if (!attempt.live) return drop();
    await attempt.ready();
    if (!attempt.live) return drop();
    const client = await this.makeClient(target, req);
    if (!attempt.live) return drop(); // never started: nothing of the client to release
    this.client = client;
    this.target = target;
    this.clientSettled = false;
    client.on("state", () => this.emit("changed"));
    client.on("rtt", (r) => this.emit("rtt", r.ms));
    client.on("hello", () => this.emit("connected", client));
    this.unwatch = watchTransport(target, (issue) => client.pause(issue));
    for (const c of this.chats.values()) c.session.attach(client);
    this.emit("changed");
    try {
      await client.connect();
    } catch (err) {
      // Superseded meanwhile: the newer generation released this client (it was current) already.
      if (!attempt.live) throw cancelledError();
      this.clientSettled = true; // failed for a reason its state shows: kept, so the UI can say why
      throw err;
    }
    if (!attempt.live) throw cancelledError();
    this.clientSettled = true;
    return client;
  }

  /** Opens a transport and connects in one go (what a caller without its own progress UI needs). */
  async connectTo(open: (signal: AbortSignal) => Promise<T>, req: ClientRequest = {}): Promise<OperatorClient> {
    const attempt = this.begin();
    await attempt.ready();
    if (!attempt.live) throw cancelledError();
    let target: T;
    try {
      target = await open(attempt.signal);
    } catch (err) {
      if (!attempt.live) throw cancelledError();
      throw err;
    }
    return this.connect(attempt, target, req);
  }

  /**
   * Gets this connection more scopes. On the request route (client/scope-upgrade.ts upgradeRoute: a gateway that
   * offers the flow and does not see us on loopback) the request is filed on the live connection, which keeps working until the owner approves; then the slot
   * reconnects with the device token the approval issued. Otherwise it reconnects asking for the wider set.
   * Either way the chat sessions are kept and follow the new client (what is typed meanwhile waits in them);
   * a refusal is thrown, and on the reconnect path the slot goes back to the scopes that worked before.
   */
  async upgradeScopes(
    extra: OperatorScope[],
    opts: { cli?: string; signal?: AbortSignal; onPending?: (p: PendingUpgrade) => void; route?: "request" | "reconnect" } = {},
  ): Promise<OperatorClient> {
    const target = this.target;
    const old = this.client;
    if (!target || !old) throw new GatewayIssueError({ kind: "not-connected", message: "Not connected to a gateway.", nextStep: "Connect first (KrabKrab: Connect Local or Connect Remote).", retrying: false });
    const before = old.requestedScopes;
    const scopes = [...new Set([...before, ...extra])];
    if ((opts.route ?? upgradeRoute(old)) === "request") {
      const granted = await requestScopeUpgrade(old, scopes, opts);
      await old.adoptDeviceToken(granted.deviceToken, granted.scopes);
      if (this.client !== old) throw cancelledError(); // disconnected or switched while the owner decided
      const grantedScopes = scopes.filter((s) => granted.scopes.includes(s));
      return this.connect(this.newAttempt(false), target, { scopes: grantedScopes, preferDeviceToken: true }, true);
    }
    const attempt = this.newAttempt(false);
    try {
      // The stored device token carries the old scopes: lead with the shared credential, which can get the
      // upgrade approved (the client falls back the other way by itself when there is none).
      return await this.connect(attempt, target, { scopes, preferDeviceToken: false }, true);
    } catch (err) {
      if (!attempt.live || isCancelled(err)) throw err;
      this.log.warn("scope upgrade refused; back to the scopes that worked", err);
      const back = this.newAttempt(false);
      await this.connect(back, target, { scopes: before }, true).catch((e: Error) => this.log.warn(`reconnecting with the earlier scopes failed: ${e.message}`));
      throw err;
    }
  }

  async disconnect(): Promise<void> {
    ++this.gen;
    this.abort?.abort();
    this.abort = null;
    await this.release(true);
  }

  /** Resolves when every release started so far is complete. */
  async settled(): Promise<void> {
    while (this.releasing.size) await Promise.all([...this.releasing]);
  }

  private release(releaseTarget: boolean): Promise<void> {
    const client = this.client;
    const target = releaseTarget ? this.target : null;
    this.client = null;
    this.clientSettled = false;
    if (releaseTarget) {
      this.target = null;
      for (const c of this.chats.values()) c.session.dispose();
      this.chats.clear();
    }
    this.unwatch?.();
    this.unwatch = null;
    const p = (async () => {
      if (client) await client.disconnect();
      if (target?.dispose) await target.dispose();
    })();
    this.emit("changed");
    return this.track(p);
  }

  private track(p: Promise<void> | undefined): Promise<void> {
    if (!p) return Promise.resolve();
    const t = p.catch((err: Error) => this.log.warn(`releasing the connection: ${err.message}`)).finally(() => this.releasing.delete(t));
    this.releasing.add(t);
    return t;
  }

  // ---- chat sessions ----

  /** The chat session for a key on the current connection, shared by every view that shows it. */
  chat(sessionKey = "main"): ChatSession | null {
    const client = this.client;
    if (!client) return null;
    let entry = this.chats.get(sessionKey);
    if (!entry) {
      const session = new ChatSession(client, sessionKey);
      session.on("issue", (i: GatewayIssue) => this.log.warn(`chat: ${i.kind}: ${i.message}`));
      entry = { session, refs: 0 };
      this.chats.set(sessionKey, entry);
    }
    return entry.session;
  }

  /**
   * A view following a session: the session lives (subscribed to the client's events) while some view
   * holds it, and is released with the last one — unless a message in it is still on its way out.
   */
  retainChat(sessionKey = "main"): { session: ChatSession; release: () => void } | null {
    const session = this.chat(sessionKey);
    if (!session) return null;
    const entry = this.chats.get(sessionKey)!;
    entry.refs++;
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        this.collect(sessionKey, entry);
      },
    };
  }

  /** Sessions kept alive by their holders (tests read it). */
  get chatKeys(): string[] {
    return [...this.chats.keys()];
  }

  private collect(key: string, entry: { session: ChatSession; refs: number }) {
    if (entry.refs > 0 || this.chats.get(key) !== entry) return;
    if (entry.session.hasPendingSends()) {
      // Nothing the user typed is dropped: keep it until its sends are out, then look again.
      entry.session.once("change", () => this.collect(key, entry));
      return;
    }
    this.chats.delete(key);
    entry.session.dispose();
  }
}

/** Pauses the client when its transport gives up for good; returns the unsubscribe. */
function watchTransport(target: SlotTarget, pause: (issue: GatewayIssue) => void): () => void {
  const offs: Array<() => void> = [];
  const tunnel = target.tunnel;
  if (tunnel) {
    const onTunnel = (s: TunnelState) => {
      if (s.status === "closed" && s.error) pause({ kind: "unreachable", message: `The SSH tunnel gave up: ${s.error}`, nextStep: "Fix what the message says, then Reconnect (KrabKrab: Reconnect, or the status bar).", retrying: false });
    };
    tunnel.on("state", onTunnel);
    offs.push(() => tunnel.off("state", onTunnel));
  }
  const local = target.local;
  if (local) {
    const onLocal = (s: LocalGatewayState) => {
      if (s.status === "stopped" && s.error) pause({ kind: "unreachable", message: `The local gateway stopped: ${s.error}`, nextStep: "See the gateway output channel, fix the cause, then Reconnect.", retrying: false });
    };
    local.on("state", onLocal);
    offs.push(() => local.off("state", onLocal));
  }
  return () => {
    for (const f of offs) f();
  };
}
