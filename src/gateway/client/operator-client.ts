// The operator facade over the gateway's own reference client (@openclaw/gateway-client). The library
// owns the wire protocol (challenge, correlation, timeouts, backoff, TLS pin); this file adds what is
// ours: device identity and token storage, auth selection with fallback (auth.ts), a connection state
// the UI can show, classified errors and typed events (frames.ts). Beside it: the typed methods (rpc.ts),
// how the reference client is set up (reference-client.ts), our liveness watchdog (watchdog.ts), the
// /readyz polling (readiness.ts) and version skew (version-skew.ts).
import { EventEmitter } from "node:events";
import { gatewayCredentialScope, type GatewayClient } from "@openclaw/gateway-client";
import { rec } from "../../shared/base/loose-read";
import { DeviceTokenStore } from "../device-tokens";
import { classifyClose, classifyError, GatewayIssueError, type GatewayIssue } from "../errors";
import { redactingLogger, silentLogger, type Logger } from "../logger";
import { redactor } from "../redact";
import { MemorySecretStore } from "../secret-store";
import { urlProblem } from "../target-config";
import { authFallback, firstAuthMode } from "./auth";
import { dispatchEvent, helloInfo } from "./frames";
import { ReadinessPoll } from "./readiness";
import { classifySocketError, createReferenceClient, forgetClient, runClient, runningClientCount, stopClient, type ReferenceClientHooks } from "./reference-client";
import { checkParams, withOperatorRpc, type CallOptions } from "./rpc";
import { DEFAULT_SCOPES, type AuthMode, type ConnectionState, type HelloInfo, type OperatorClientOptions, type OperatorEvents, type OperatorScope } from "./types";
import { probeGatewayVersion, protocolSkewIssue } from "./version-skew";
import { silenceIssue, terminateSocket, Watchdog, watchTimeoutMs } from "./watchdog";

export class OperatorClient extends withOperatorRpc(EventEmitter<OperatorEvents>) {
  private client: GatewayClient | null = null;
  protected readonly log: Logger;
  private readonly tokens: DeviceTokenStore;
  private _state: ConnectionState = { status: "disconnected" };
  private _hello: HelloInfo | null = null;
  private helloCount = 0;
  private attempt = 0;
  private authMode: AuthMode = "none";
  private pendingConnect: { resolve: (h: HelloInfo) => void; reject: (e: GatewayIssueError) => void } | null = null;
  private stopping = false;
  private readonly scopes: OperatorScope[];
  private connectStartedAt = 0;
  private readonly watchdog = new Watchdog();
  /** Why the watchdog dropped the socket, for the close that follows. */
  private silenceIssue: GatewayIssue | null = null;
  private readonly readiness = new ReadinessPoll();
  private lastPairingIssue: GatewayIssue | null = null;
  /** The socket error the reference client only logs (ws then reports a bare 1006 close). */
  private lastSocketError: string | null = null;
  /** The reference clients' callbacks; each handler ignores a client that is no longer `this.client`. */
  private readonly hooks: ReferenceClientHooks;

  constructor(private readonly opts: OperatorClientOptions) {
    super();
    this.log = redactingLogger(opts.logger ?? silentLogger);
    redactor.add(opts.token);
    redactor.add(opts.password);
    this.scopes = opts.scopes ?? DEFAULT_SCOPES;
    this.tokens = new DeviceTokenStore(opts.secrets ?? new MemorySecretStore(), opts.credentialScope ?? gatewayCredentialScope(opts.url));
    this.hooks = {
      tokens: this.tokens,
      log: this.log,
      onHello: (c, hello) => this.onHello(c, hello),
      onConnectError: (c, err) => this.onConnectError(c, err),
      onPaused: (c, info) => this.onPaused(c, info),
      onClose: (c, code, reason, phase, connectError) => this.onClose(c, code, reason, phase, connectError),
      onEvent: (c, event, payload) => this.onEvent(c, event, payload),
      onSocketError: (c, text) => {
        if (c === this.client) this.lastSocketError = text;
      },
    };
  }

  get state(): ConnectionState {
    return this._state;
  }
  get hello(): HelloInfo | null {
    return this._hello;
  }
  get url(): string {
    return this.opts.url;
  }
  get deviceId(): string {
    return this.opts.identity.deviceId;
  }
  /** The scopes this client asks for. */
  get requestedScopes(): OperatorScope[] {
    return [...this.scopes];
  }
  get grantedScopes(): string[] {
    return this._hello?.scopes ?? [];
  }

  /** Whether this connection holds every given scope. */
  hasScopes(...scopes: OperatorScope[]): boolean {
    const granted = new Set(this.grantedScopes);
    return scopes.every((s) => granted.has(s) || granted.has("operator.admin"));
  }

  /** Keeps an operator token the gateway issued to this device outside the handshake (an approved scope upgrade). */
  async adoptDeviceToken(token: string, scopes: string[]): Promise<void> {
    this.tokens.store(this.deviceId, "operator", token, scopes);
    await this.tokens.flush();
  }

  /**
   * Connects and resolves on the first hello-ok. Rejects with a classified issue on the first failure
   * that is not "gateway starting"; when that issue is retryable (unreachable) the client keeps trying
   * in the background and the state says so.
   */
  async connect(): Promise<HelloInfo> {
    if (this._state.status === "connected" && this._hello) return this._hello;
    // The reference client reports any unparsable URL as a plaintext "SECURITY ERROR" and never settles
    // the state; say what is actually wrong, before any socket. (Its plaintext-ws policy still applies.)
    const urlIssue = urlProblem(this.opts.url, undefined, { hasSecret: false });
    if (urlIssue) throw new GatewayIssueError({ kind: "config-invalid", message: `The gateway URL is not usable: ${urlIssue}`, nextStep: "Fix the gateway URL in the profile or settings.", retrying: false });
    if (this.client) await this.disconnect();
    this.readiness.stop(); // a startup wait (waitForStartup) holds no client but would start one
    this.stopping = false;
    this.attempt = 0;
    this.connectStartedAt = Date.now();
    this.lastPairingIssue = null;
    const stored = await this.tokens.preload(this.opts.identity.deviceId, "operator");
    // A disconnect() that ran while the tokens loaded wins: starting now would leave a zombie client
    // that connects and fires `hello` for a connection nobody holds any more.
    if (this.stopping) throw cancelledIssue();
    return new Promise<HelloInfo>((resolve, reject) => {
      this.pendingConnect = { resolve, reject };
      this.startClient(firstAuthMode(this.opts, Boolean(stored)));
    });
  }

  private startClient(mode: AuthMode) {
    this.authMode = mode;
    this.setState({ status: this.helloCount > 0 ? "reconnecting" : "connecting", attempt: ++this.attempt });
    this.log.info(`connecting to ${this.opts.url} as device ${this.opts.identity.deviceId.slice(0, 12)}… (auth: ${mode}, scopes: ${this.scopes.join(",")})`);
    const client = createReferenceClient(this.opts, mode, this.scopes, this.hooks);
    this.client = client;
    runClient(client);
  }

  /** Reference clients started and not yet stopped, across every OperatorClient (tests count leaks with it). */
  static get runningClients(): number {
    return runningClientCount();
  }

  /**
   * Stops trying: the transport underneath gave up (a tunnel that refused a changed host key, a local
   * gateway in a crash loop), so reconnecting to its dead port would say "reconnecting" forever. The
   * state becomes paused with the transport's reason; connect() again (Reconnect) to start over.
   */
  pause(issue: GatewayIssue): void {
    const c = this.client;
    if (!c || this.stopping || this._state.status === "paused") return;
    this.client = null; // its remaining callbacks are stale
    this.watchdog.stop();
    this.readiness.stop();
    stopClient(c);
    this._hello = null;
    this.log.warn(`reconnect paused: ${issue.kind}: ${issue.message}`);
    this.setState({ status: "paused", issue: { ...issue, retrying: false } });
    this.failPendingConnect(issue);
  }

  /** Stops the client and rejects pending requests. Safe to call twice. */
  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.stopping = true;
    this.watchdog.stop();
    this.readiness.stop();
    if (this.pendingConnect) {
      this.pendingConnect.reject(cancelledIssue());
      this.pendingConnect = null;
    }
    if (c) {
      try {
        await c.stopAndWait({ timeoutMs: 3000 });
      } catch {
        c.stop();
      }
      forgetClient(c);
    }
    await this.tokens.flush();
    this._hello = null;
    this.setState({ status: "disconnected" });
  }

  private setState(s: ConnectionState) {
    this._state = s;
    this.emit("state", s);
  }

  private onHello(client: GatewayClient, hello: Record<string, unknown>) {
    if (client !== this.client) return; // a stale client's callback
    const info = helloInfo(hello, this.authMode);
    this._hello = info;
    this.attempt = 0;
    this.helloCount++;
    this.startWatchdog(client, info.policy.tickIntervalMs);
    this.readiness.stop();
    this.log.info(`connected: gateway ${info.serverVersion}, protocol ${info.protocol}, scopes ${info.scopes.join(",")}, auth ${info.authMode}`);
    this.setState({ status: "connected", serverVersion: info.serverVersion, connId: info.connId, protocol: info.protocol, scopes: info.scopes, since: Date.now(), authMode: this.authMode });
    this.emit("hello", info);
    if (this.helloCount > 1) this.emit("reconnected", info);
    if (this.pendingConnect) {
      this.pendingConnect.resolve(info);
      this.pendingConnect = null;
    }
  }

  private onConnectError(client: GatewayClient, err: Error) {
    if (client !== this.client) return;
    const hadShared = Boolean(this.opts.token || this.opts.password);
    const issue = classifyError(err, { cli: this.opts.cli, hadSharedSecret: hadShared });
    this.log.warn(`connect failed: ${issue.kind}: ${issue.message}`);
    const deviceId = this.opts.identity.deviceId;
    const fallback = authFallback(this.authMode, issue, this.opts, () => this.tokens.load(deviceId, "operator") !== null);
    if (fallback) {
      if (fallback.forgetDeviceToken) this.tokens.clear(deviceId, "operator");
      this.log.info(fallback.why);
      queueMicrotask(() => {
        if (this.client !== client) return;
        this.client = null; // so the old client's stop callbacks are recognised as stale
        stopClient(client);
        this.startClient(fallback.mode);
      });
      return;
    }
    if (issue.kind === "protocol-mismatch" || issue.kind === "version-mismatch") return this.stopForSkew(client, issue);
    if (issue.kind === "gateway-starting" || issue.kind === "gateway-restarting") {
      this.setState({ status: this.helloCount > 0 ? "reconnecting" : "connecting", attempt: ++this.attempt, issue });
      if (issue.kind === "gateway-starting") this.waitForStartup(client);
      return;
    }
    if (issue.kind === "pairing-required") this.lastPairingIssue = issue;
    const pairingDetails = rec(rec(err).details);
    if (issue.kind === "pairing-required" && (pairingDetails.recommendedNextStep === "wait_then_retry" || pairingDetails.pauseReconnect === false)) {
      // The gateway asks us to wait for approval and the reference client keeps retrying (otherwise it
      // pauses, see onPaused): show the request and its approve command meanwhile.
      const waiting: GatewayIssue = { ...issue, retrying: true, nextStep: `On the gateway host run \`${issue.approveCommand}\` (or approve it from an admin client); this client connects by itself once it is approved.` };
      this.setState({ status: this.helloCount > 0 ? "reconnecting" : "connecting", attempt: ++this.attempt, issue: waiting });
      this.failPendingConnect(issue);
      return;
    }
    if (issue.retrying && this.helloCount === 0 && Date.now() - this.connectStartedAt < (this.opts.waitForGatewayMs ?? 0)) {
      // Not up yet (port not bound): keep waiting quietly; the reference client retries with backoff.
      this.setState({ status: "connecting", attempt: ++this.attempt, issue });
      return;
    }
    if (issue.retrying) {
      this.setState({ status: "reconnecting", attempt: ++this.attempt, issue });
    }
    this.failPendingConnect(issue);
  }

  /**
   * Version skew never heals by retrying. A protocol-3 gateway answers with only `expectedProtocol` (no
   * detail code), which the reference client does not treat as terminal: it would reconnect with backoff
   * forever. So the client stops at the first answer; then the gateway's version is looked up once (one
   * HTTP request, see probeGatewayVersion) so the message can name it, and the state becomes paused.
   */
  private stopForSkew(client: GatewayClient, issue: GatewayIssue) {
    this.client = null; // its close and pause callbacks are stale from here on
    queueMicrotask(() => stopClient(client));
    const finish = (final: GatewayIssue) => {
      if (this.client !== null || this.stopping) return; // a new connect() or a disconnect() won meanwhile
      this.log.warn(`version skew, not retrying: ${final.message}`);
      this.setState({ status: "paused", issue: final });
      this.failPendingConnect(final);
    };
    if (issue.kind !== "protocol-mismatch" || issue.gatewayVersion) return finish(issue);
    const { kind: _k, message: _m, nextStep: _n, behind: _b, updateCommand: _u, ...base } = issue;
    void probeGatewayVersion(this.opts.url, this.opts.token ?? this.opts.password).then((gatewayVersion) =>
      finish(gatewayVersion ? protocolSkewIssue(
        { expectedProtocol: issue.expectedProtocol, gatewayVersion, cli: this.opts.cli, extensionVersion: this.opts.clientVersion },
        base,
      ) : issue),
    );
  }

  private onPaused(client: GatewayClient, info: { code: number; reason: string; detailCode: string | null }) {
    if (client !== this.client) return;
    const issue = classifyError(
      { message: info.reason, details: { code: info.detailCode ?? undefined } },
      { cli: this.opts.cli },
    ) ?? classifyClose(info.code, info.reason);
    let final = issue.kind === "gateway-error" ? (classifyClose(info.code, info.reason) ?? issue) : issue;
    // The pause notice carries only the detail code; the connect error before it had the request id.
    if (final.kind === "pairing-required" && !final.requestId && this.lastPairingIssue) final = this.lastPairingIssue;
    this.log.warn(`reconnect paused: ${final.kind}: ${final.message}`);
    this.setState({ status: "paused", issue: final });
    this.failPendingConnect(final);
  }

  private onClose(client: GatewayClient, code: number, reason: string, phase?: string, connectError?: unknown) {
    if (client !== this.client || this.stopping) return;
    if (code === 1013 && phase === "pre-hello") {
      const issue = classifyError(connectError ?? { code: "UNAVAILABLE", message: reason || "gateway starting" }, { cli: this.opts.cli });
      if (issue.kind === "gateway-starting") {
        this.log.info(`gateway still starting: ${issue.message}`);
        this.setState({ status: this.helloCount > 0 ? "reconnecting" : "connecting", attempt: ++this.attempt, issue });
        this.waitForStartup(client);
        return;
      }
    }
    this.watchdog.stop();
    this.log.info(`connection closed (${code}${reason ? ` ${redactor.redact(reason)}` : ""}, ${phase ?? "?"})`);
    if (this._state.status === "paused") return;
    const issue = this.silenceIssue ?? classifyClose(
      code,
      reason,
    ) ?? (code === 1006 && this.lastSocketError ? classifySocketError(this.lastSocketError) : null) ?? undefined;
    this.silenceIssue = null;
    this.lastSocketError = null;
    if (issue && !issue.retrying) {
      this.setState({ status: "paused", issue });
      this.failPendingConnect(issue);
      return;
    }
    if (this._state.status === "connected") {
      this.setState({ status: "reconnecting", attempt: ++this.attempt, issue });
      this.watchForReady(client);
    } else if (this._state.status === "reconnecting" && issue) {
      // The same failed attempt onConnectError already counted: update why, not how many.
      this.setState({ status: "reconnecting", attempt: this.attempt, issue });
    } else if (this._state.status === "connecting" && issue) {
      this.setState({ status: "connecting", attempt: this.attempt, issue });
    }
  }

  private failPendingConnect(issue: GatewayIssue) {
    if (this.pendingConnect) {
      this.pendingConnect.reject(new GatewayIssueError(issue));
      this.pendingConnect = null;
    }
  }

  private onEvent(client: GatewayClient, event: string, payload: unknown) {
    if (client !== this.client) return;
    this.watchdog.frame();
    try {
      dispatchEvent(this, this.log, event, payload);
    } catch (err) {
      // A listener's bug must not take the connection down.
      this.log.error(`event handler for ${event} failed: ${redactor.redactValue(err)}`);
    }
  }

  // ---- liveness (watchdog.ts) ----

  private startWatchdog(client: GatewayClient, tickIntervalMs: number | undefined) {
    const limitMs = watchTimeoutMs(this.opts.tickWatchTimeoutMs, tickIntervalMs);
    this.watchdog.start(limitMs, () => client === this.client, (silentMs) => {
      this.log.warn(`no frame from the gateway for ${Math.round(silentMs / 1000)} s (limit ${Math.round(limitMs / 1000)} s); dropping the connection`);
      this.silenceIssue = silenceIssue(silentMs);
      if (terminateSocket(client)) return; // onClose reports it, and the reference client reconnects
      // A reference client without the socket handle we expect: replace it instead.
      this.client = null;
      stopClient(client);
      this.setState({ status: "reconnecting", attempt: ++this.attempt, issue: this.silenceIssue });
      this.silenceIssue = null;
      this.startClient(this.authMode);
    });
  }

  // ---- readiness (readiness.ts): /readyz instead of the reference client's backoff ----

  /** After a drop: reconnect the moment the gateway says it is ready again. */
  private watchForReady(client: GatewayClient) {
    const live = () => client === this.client && !this.stopping && this._state.status === "reconnecting";
    this.readiness.afterDrop(this.opts.url, live, () => {
      this.log.info("the gateway says it is ready again; reconnecting now instead of waiting out the backoff");
      this.client = null; // the old client's callbacks are stale from here on
      stopClient(client);
      this.startClient(this.authMode);
    });
  }

  /**
   * A gateway still starting: stop the client (the reference client would follow the gateway's 500 ms
   * retry to the letter) and connect once /readyz says ready. Returns false when it did not take over.
   */
  private waitForStartup(client: GatewayClient): boolean {
    const live = () => this.client === null && !this.stopping && (this._state.status === "connecting" || this._state.status === "reconnecting");
    const polling = this.readiness.duringStartup(this.opts.url, live, (ready) => {
      if (ready) this.log.info("the gateway says it is ready; connecting");
      this.startClient(this.authMode);
    });
    if (!polling) return false;
    this.client = null; // its callbacks are stale from here on
    queueMicrotask(() => stopClient(client));
    return true;
  }

  // ---- requests (the typed methods are in rpc.ts) ----

  /**
   * A generic request: params checked with the protocol package's validator where one exists,
   * errors classified. `method` is whatever the gateway offers (see hello.methods).
   */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<T> {
    checkParams(method, params);
    const client = this.client;
    if (!client || this._state.status !== "connected") {
      throw new GatewayIssueError({ kind: "not-connected", method, message: `Not connected to a gateway (${this._state.status}).`, nextStep: "Connect first (KrabKrab: Connect Local or Connect Remote).", retrying: false });
    }
    const t0 = performance.now();
    try {
      const res = await client.request<T>(method, params, { timeoutMs: opts.timeoutMs, signal: opts.signal });
      if (client === this.client) this.watchdog.frame();
      this.emit("rtt", { method, ms: performance.now() - t0 });
      return res;
    } catch (err) {
      const issue = classifyError(err, { method, cli: this.opts.cli });
      this.log.warn(`${method} failed: ${issue.kind}: ${issue.message}`);
      throw new GatewayIssueError(issue);
    }
  }
}

function cancelledIssue(): GatewayIssueError {
  return new GatewayIssueError({ kind: "not-connected", message: "Connection cancelled.", nextStep: "Connect again when you are ready.", retrying: false });
}
