// The operator facade over the gateway's own reference client (@openclaw/gateway-client). The library
// owns the wire protocol (challenge, correlation, timeouts, backoff, tick watch, TLS pin); this file
// adds what is ours: device identity and token storage, auth selection with fallback, a connection
// state the UI can show, classified errors, typed methods with validated params and parsed results,
// and typed events.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { GatewayClient, gatewayCredentialScope, type GatewayClientOptions } from "@openclaw/gateway-client";
import {
  validateChatAbortParams,
  validateChatHistoryParams,
  validateChatSendParams,
  validateDevicePairApproveParams,
  validateDevicePairRejectParams,
  validateExecApprovalResolveParams,
  validateQuestionListParams,
  validateQuestionResolveParams,
  validateLogsTailParams,
  validateNodeDescribeParams,
  validateNodeInvokeParams,
  validateNodePairApproveParams,
  validateNodePairRejectParams,
  validateNodeRenameParams,
  validateSessionsListParams,
  formatValidationErrors,
} from "@openclaw/gateway-protocol";
import * as z from "zod/mini";
import { publicKeyRawBase64UrlFromPem, signDevicePayload, type DeviceIdentity } from "../device-identity";
import { DeviceTokenStore } from "../device-tokens";
import type { ExecApprovalDecision } from "../exec-approval";
import { classifyClose, classifyError, GatewayIssueError, type GatewayIssue } from "../errors";
import { redactingLogger, silentLogger, type Logger } from "../logger";
import { redactor } from "../redact";
import * as Q from "../questions";
import * as S from "../schemas";
import { MemorySecretStore, type SecretStore } from "../secret-store";
import { urlProblem } from "../target-config";
import { fetchReady, readyUrl } from "./readiness";
import { probeGatewayVersion, protocolSkewIssue } from "./version-skew";

export const PROTOCOL_VERSION = 4;
export type OperatorScope = "operator.read" | "operator.write" | "operator.approvals" | "operator.questions" | "operator.pairing" | "operator.admin";
/**
 * What chat, nodes and health need; pairing/admin are asked for only by the commands that use them.
 * operator.questions: without it the gateway never sends `question.requested`, and an agent's ask_user
 * run just hangs until it times out (write does not imply it).
 */
export const DEFAULT_SCOPES: OperatorScope[] = ["operator.read", "operator.write", "operator.approvals", "operator.questions"];
/**
 * Capabilities we implement: live tool events (tool cards in chat) and exec approvals (the Allow Once /
 * Always Allow / Deny notification). The gateway sends `exec.approval.requested` only to connections with
 * operator.approvals (or admin) AND the `exec-approvals`/`approvals` cap (or a first-party client id); with
 * no such connection a run that needs approval is denied at once ("Headless runs cannot wait for
 * interactive exec approval"). We handle exec approvals only, so not the broader `approvals` cap.
 */
export const CLIENT_CAPS = ["tool-events", "exec-approvals"];

export type ConnectionState =
  | { status: "disconnected" }
  | { status: "connecting"; attempt: number; issue?: GatewayIssue }
  | { status: "connected"; serverVersion: string; connId: string; protocol: number; scopes: string[]; since: number; authMode: AuthMode }
  | { status: "reconnecting"; attempt: number; issue?: GatewayIssue }
  | { status: "paused"; issue: GatewayIssue };

export type AuthMode = "device-token" | "token" | "password" | "none";

export interface HelloInfo {
  serverVersion: string;
  connId: string;
  protocol: number;
  scopes: string[];
  methods: string[];
  events: string[];
  policy: { maxPayload?: number; tickIntervalMs?: number; attachments?: { maxBytes?: number; maxImageBytes?: number } };
  snapshot: Record<string, unknown>;
  authMode: AuthMode;
}

export interface OperatorClientOptions {
  url: string;
  token?: string;
  password?: string;
  scopes?: OperatorScope[];
  identity: DeviceIdentity;
  /** Where issued device tokens persist; defaults to memory. */
  secrets?: SecretStore;
  /** Prefer a stored device token over the shared secret (the shared one is then used only as fallback). */
  preferDeviceToken?: boolean;
  tlsFingerprint?: string;
  clientVersion: string;
  displayName?: string;
  instanceId?: string;
  platform?: string;
  logger?: Logger;
  requestTimeoutMs?: number;
  /** Close and reconnect when no frame arrives for this long (default: 2 × the gateway's tick interval). */
  tickWatchTimeoutMs?: number;
  /**
   * Before the first hello, keep retrying an unreachable gateway (refused, reset) this long before
   * connect() rejects: for a gateway that is still starting and has not bound its port yet. Default 0.
   */
  waitForGatewayMs?: number;
  /** CLI name used in suggested commands. */
  cli?: string;
  /**
   * Which gateway issued device tokens belong to. Default: derived from `url`. A tunnel's local URL changes
   * from run to run (ephemeral port), so the transport names the real gateway instead (e.g. ssh://host:port).
   */
  credentialScope?: string;
  /** Extra options handed to the reference client (tests: e.g. a short connect-challenge timeout). */
  clientOverrides?: Partial<GatewayClientOptions>;
}

export interface OperatorEvents {
  state: [ConnectionState];
  hello: [HelloInfo];
  /** A reconnect after the first hello: consumers re-read their snapshots (chat.history, node.list…). */
  reconnected: [HelloInfo];
  chat: [S.ChatEvent];
  agent: [S.AgentEvent];
  presence: [unknown];
  health: [unknown];
  tick: [{ ts: number }];
  shutdown: [{ reason?: string; restartExpectedMs?: number }];
  pairRequested: [{ kind: "node" | "device"; request: S.PairRequest }];
  pairResolved: [{ kind: "node" | "device"; payload: Record<string, unknown> }];
  execApprovalRequested: [Record<string, unknown> & { id: string }];
  execApprovalResolved: [Record<string, unknown>];
  questionRequested: [Q.QuestionRecord];
  questionResolved: [Q.QuestionResolved];
  /** Every event frame, raw, after the typed ones (for a generic event log). */
  event: [{ event: string; payload: unknown }];
  /** A payload that did not match its schema: dropped, reported here and in the log. */
  invalidPayload: [{ what: string; problem: string }];
  /** Round-trip time of the last successful RPC, for the status bar. */
  rtt: [{ method: string; ms: number }];
}

type Validator = ((v: unknown) => boolean) & { errors?: unknown };
const VALIDATORS: Record<string, Validator> = {
  "chat.send": validateChatSendParams,
  "chat.history": validateChatHistoryParams,
  "chat.abort": validateChatAbortParams,
  "sessions.list": validateSessionsListParams,
  "node.describe": validateNodeDescribeParams,
  "node.invoke": validateNodeInvokeParams,
  "node.rename": validateNodeRenameParams,
  "node.pair.approve": validateNodePairApproveParams,
  "node.pair.reject": validateNodePairRejectParams,
  "device.pair.approve": validateDevicePairApproveParams,
  "device.pair.reject": validateDevicePairRejectParams,
  "logs.tail": validateLogsTailParams,
  "exec.approval.resolve": validateExecApprovalResolveParams,
  "question.list": validateQuestionListParams,
  "question.resolve": validateQuestionResolveParams,
};

export class OperatorClient extends EventEmitter<OperatorEvents> {
  private client: GatewayClient | null = null;
  private readonly log: Logger;
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
  // Our own liveness watchdog (see startWatchdog): when a frame last arrived, and the timer state.
  private lastFrameAt = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private silenceIssue: GatewayIssue | null = null;
  private readyPoll: NodeJS.Timeout | null = null;
  private lastPairingIssue: GatewayIssue | null = null;
  /** The socket error the reference client only logs (ws then reports a bare 1006 close). */
  private lastSocketError: string | null = null;

  constructor(private readonly opts: OperatorClientOptions) {
    super();
    this.log = redactingLogger(opts.logger ?? silentLogger);
    redactor.add(opts.token);
    redactor.add(opts.password);
    this.scopes = opts.scopes ?? DEFAULT_SCOPES;
    this.tokens = new DeviceTokenStore(opts.secrets ?? new MemorySecretStore(), opts.credentialScope ?? gatewayCredentialScope(opts.url));
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
    this.stopReadyPoll(); // a startup wait (waitForStartup) holds no client but would start one
    this.stopping = false;
    this.attempt = 0;
    this.connectStartedAt = Date.now();
    this.lastPairingIssue = null;
    const stored = await this.tokens.preload(this.opts.identity.deviceId, "operator");
    // A disconnect() that ran while the tokens loaded wins: starting now would leave a zombie client
    // that connects and fires `hello` for a connection nobody holds any more.
    if (this.stopping) throw cancelledIssue();
    const hasShared = Boolean(this.opts.token || this.opts.password);
    const useDeviceToken = Boolean(stored) && (!hasShared || this.opts.preferDeviceToken !== false);
    return new Promise<HelloInfo>((resolve, reject) => {
      this.pendingConnect = { resolve, reject };
      this.startClient(useDeviceToken ? "device-token" : this.opts.token ? "token" : this.opts.password ? "password" : "none");
    });
  }

  private startClient(mode: AuthMode) {
    this.authMode = mode;
    const id = this.opts.identity;
    this.setState({ status: this.helloCount > 0 ? "reconnecting" : "connecting", attempt: ++this.attempt });
    this.log.info(`connecting to ${this.opts.url} as device ${id.deviceId.slice(0, 12)}… (auth: ${mode}, scopes: ${this.scopes.join(",")})`);
    const client: GatewayClient = new GatewayClient({
      url: this.opts.url,
      token: mode === "token" ? this.opts.token : undefined,
      password: mode === "password" ? this.opts.password : undefined,
      clientName: "gateway-client",
      mode: "ui",
      clientDisplayName: this.opts.displayName ?? `KrabKrab for VS Code (${hostname()})`,
      clientVersion: this.opts.clientVersion,
      platform: this.opts.platform ?? process.platform,
      instanceId: this.opts.instanceId,
      role: "operator",
      scopes: [...this.scopes],
      caps: [...CLIENT_CAPS],
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      tlsFingerprint: this.opts.tlsFingerprint,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      // The reference client's tick watch checks only once per tick interval and closes gracefully, which
      // against a frozen peer waits another 30 s for the close handshake; ours (startWatchdog) replaces it.
      tickWatchTimeoutMs: WATCH_DISABLED_MS,
      deviceIdentity: { deviceId: id.deviceId, privateKeyPem: id.privateKeyPem, publicKeyPem: id.publicKeyPem },
      hostDeps: {
        signDevicePayload,
        publicKeyRawBase64UrlFromPem,
        loadDeviceAuthToken: ({ deviceId, role }) => (mode === "device-token" || mode === "none" ? this.tokens.load(deviceId, role) : null),
        storeDeviceAuthToken: ({ deviceId, role, token, scopes }) => this.tokens.store(deviceId, role, token, scopes),
        clearDeviceAuthToken: ({ deviceId, role }) => this.tokens.clear(deviceId, role),
        logDebug: (m) => {
          if (client === this.client && m.startsWith(SOCKET_ERROR_PREFIX)) this.lastSocketError = m.slice(SOCKET_ERROR_PREFIX.length);
          this.log.debug(m);
        },
        logError: (m) => this.log.warn(m),
        redactForLog: (m) => redactor.redact(m),
      },
      onHelloOk: (hello) => this.onHello(client, hello as unknown as Record<string, unknown>),
      onConnectError: (err) => this.onConnectError(client, err),
      onReconnectPaused: (info) => this.onPaused(client, info),
      // Startup refusals (UNAVAILABLE startup-sidecars) reach us only as this close (1013), never as a
      // connect error: without it the reference client would retry at the gateway's 500 ms pace, silently.
      notifyOnStartupRetry: true,
      onClose: (code, reason, info) => this.onClose(client, code, reason, info?.phase, info?.connectError),
      onEvent: (evt) => this.onEvent(client, evt.event, evt.payload),
      onGap: (gap) => this.log.warn(`event sequence gap: expected ${gap.expected}, got ${gap.received}`),
      ...this.opts.clientOverrides,
    });
    this.client = client;
    running.add(client);
    client.start();
  }

  /** Reference clients started and not yet stopped, across every OperatorClient (tests count leaks with it). */
  static get runningClients(): number {
    return running.size;
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
    this.stopWatchdog();
    this.stopReadyPoll();
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
    this.stopWatchdog();
    this.stopReadyPoll();
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
      running.delete(c);
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
    const server = rec(hello.server);
    const features = rec(hello.features);
    const auth = rec(hello.auth);
    const info: HelloInfo = {
      serverVersion: String(server.version ?? "?"),
      connId: String(server.connId ?? ""),
      protocol: Number(hello.protocol ?? PROTOCOL_VERSION),
      scopes: Array.isArray(auth.scopes) ? auth.scopes.map(String) : [],
      methods: Array.isArray(features.methods) ? features.methods.map(String) : [],
      events: Array.isArray(features.events) ? features.events.map(String) : [],
      policy: rec(hello.policy) as HelloInfo["policy"],
      snapshot: rec(hello.snapshot),
      authMode: this.authMode,
    };
    this._hello = info;
    this.attempt = 0;
    this.helloCount++;
    this.startWatchdog(client, info.policy.tickIntervalMs);
    this.stopReadyPoll();
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
    // A rejected stored device token: forget it and fall back to the shared secret.
    if (this.authMode === "device-token" && hadShared && (issue.kind === "device-token-rejected" || issue.kind === "token-mismatch" || issue.kind === "auth-required")) {
      this.tokens.clear(this.opts.identity.deviceId, "operator");
      this.log.info("stored device token rejected; retrying with the shared credential");
      const next: AuthMode = this.opts.token ? "token" : "password";
      queueMicrotask(() => {
        if (this.client !== client) return;
        this.client = null; // so the old client's stop callbacks are recognised as stale
        stopClient(client);
        this.startClient(next);
      });
      return;
    }
    // The shared token was rotated on the gateway, but this device holds a token the gateway issued it:
    // that one still identifies us, so try it before asking the user. (If it is refused too, the branch
    // above clears it, and the next mismatch pauses and asks for the new shared token.)
    if (this.authMode === "token" && issue.kind === "token-mismatch" && this.tokens.load(this.opts.identity.deviceId, "operator")) {
      this.log.info("the shared token was refused; retrying with this device's stored token");
      queueMicrotask(() => {
        if (this.client !== client) return;
        this.client = null;
        stopClient(client);
        this.startClient("device-token");
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
      finish(gatewayVersion ? protocolSkewIssue({ expectedProtocol: issue.expectedProtocol, gatewayVersion, cli: this.opts.cli, extensionVersion: this.opts.clientVersion }, base) : issue),
    );
  }

  private onPaused(client: GatewayClient, info: { code: number; reason: string; detailCode: string | null }) {
    if (client !== this.client) return;
    const issue = classifyError({ message: info.reason, details: { code: info.detailCode ?? undefined } }, { cli: this.opts.cli }) ?? classifyClose(info.code, info.reason);
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
    this.stopWatchdog();
    this.log.info(`connection closed (${code}${reason ? ` ${redactor.redact(reason)}` : ""}, ${phase ?? "?"})`);
    if (this._state.status === "paused") return;
    const issue = this.silenceIssue ?? classifyClose(code, reason) ?? (code === 1006 && this.lastSocketError ? classifySocketError(this.lastSocketError) : null) ?? undefined;
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
    this.lastFrameAt = Date.now();
    try {
      this.dispatchEvent(event, payload);
    } catch (err) {
      // A listener's bug must not take the connection down.
      this.log.error(`event handler for ${event} failed: ${redactor.redactValue(err)}`);
    }
  }

  private dispatchEvent(event: string, payload: unknown) {
    const parse = <T extends z.ZodMiniType>(schema: T, what: string): z.infer<T> | undefined => {
      const r = schema.safeParse(payload);
      if (r.success) return r.data;
      const problem = S.describeZodError(r.error);
      this.log.warn(`dropped ${what} event with unexpected shape: ${problem}`);
      this.emit("invalidPayload", { what, problem });
      return undefined;
    };
    switch (event) {
      case "chat": {
        const p = parse(S.ChatEventSchema, "chat");
        if (p) this.emit("chat", p);
        break;
      }
      case "agent": {
        const p = parse(S.AgentEventSchema, "agent");
        if (p) this.emit("agent", p);
        break;
      }
      case "tick": {
        const p = parse(S.TickEventSchema, "tick");
        if (p) this.emit("tick", { ts: p.ts });
        break;
      }
      case "shutdown": {
        const p = parse(S.ShutdownEventSchema, "shutdown");
        if (p) {
          this.log.info(`gateway shutting down (${p.reason ?? "no reason"}${p.restartExpectedMs ? `, back in ~${p.restartExpectedMs} ms` : ""})`);
          this.emit("shutdown", { reason: p.reason, restartExpectedMs: p.restartExpectedMs });
        }
        break;
      }
      case "presence":
        this.emit("presence", payload);
        break;
      case "health":
        this.emit("health", payload);
        break;
      case "node.pair.requested":
      case "device.pair.requested": {
        const p = parse(S.PairRequestSchema, event);
        if (p) this.emit("pairRequested", { kind: event.startsWith("node") ? "node" : "device", request: p });
        break;
      }
      case "node.pair.resolved":
      case "device.pair.resolved":
        this.emit("pairResolved", { kind: event.startsWith("node") ? "node" : "device", payload: rec(payload) });
        break;
      case "exec.approval.requested": {
        const p = parse(S.ExecApprovalRequestedSchema, event);
        if (p) this.emit("execApprovalRequested", p);
        break;
      }
      case "exec.approval.resolved":
        this.emit("execApprovalResolved", rec(payload));
        break;
      case "question.requested": {
        const p = parse(Q.QuestionRecordSchema, event);
        if (p) this.emit("questionRequested", p);
        break;
      }
      case "question.resolved": {
        const p = parse(Q.QuestionResolvedSchema, event);
        if (p) this.emit("questionResolved", p);
        break;
      }
    }
    this.emit("event", { event, payload });
  }

  // ---- liveness ----

  /**
   * Closes the socket at once (terminate, not a close handshake) when no frame arrived for the watch
   * timeout — the gateway sends a tick every interval, so silence means it is frozen or the link is dead.
   * One timer, due when the silence would reach the limit (so detection is not a check interval late).
   * A timer that fires well after it was due (the machine slept, or the event loop was blocked) only
   * re-arms briefly: frames that arrived meanwhile are still in the socket buffer and are read first, so a
   * sleep does not by itself cause a reconnect.
   */
  private startWatchdog(client: GatewayClient, tickIntervalMs: number | undefined) {
    this.stopWatchdog();
    const timeoutMs = this.opts.tickWatchTimeoutMs ?? 2 * (tickIntervalMs && tickIntervalMs > 0 ? tickIntervalMs : 30_000);
    this.lastFrameAt = Date.now();
    const arm = (delayMs: number) => {
      const due = Date.now() + delayMs;
      this.watchdog = setTimeout(() => {
        this.watchdog = null;
        if (client !== this.client) return;
        const now = Date.now();
        if (now - due > LATE_TIMER_MS) return arm(50);
        const silentMs = now - this.lastFrameAt;
        if (silentMs < timeoutMs) return arm(timeoutMs - silentMs);
        this.log.warn(`no frame from the gateway for ${Math.round(silentMs / 1000)} s (limit ${Math.round(timeoutMs / 1000)} s); dropping the connection`);
        this.silenceIssue = { kind: "unreachable", message: `The gateway stopped answering (nothing received for ${Math.round(silentMs / 1000)} s).`, nextStep: "Nothing to do: the client reconnects when it answers again.", retrying: true };
        if (!terminateSocket(client)) {
          // A reference client without the socket handle we expect: replace it instead.
          this.client = null;
          stopClient(client);
          this.setState({ status: "reconnecting", attempt: ++this.attempt, issue: this.silenceIssue });
          this.silenceIssue = null;
          this.startClient(this.authMode);
        }
      }, delayMs);
      this.watchdog.unref?.();
    };
    arm(timeoutMs);
  }

  private stopWatchdog() {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  /**
   * After a drop, the reference client retries with backoff growing to 30 s, so a gateway that takes 35 s
   * to restart would be found up to 30 s late. The gateway's own readiness answer (`GET /readyz` on the
   * same port) is cheap: poll it (0.5 s, growing to 2 s) and reconnect the moment it says ready. Plain
   * ws:// only (loopback, SSH tunnel, tailnet); wss:// keeps the backoff (its TLS pin lives in the client).
   */
  private watchForReady(client: GatewayClient) {
    this.stopReadyPoll();
    const url = readyUrl(this.opts.url);
    if (!url) return;
    const deadline = Date.now() + 10 * 60_000;
    let delay = 500;
    const live = () => client === this.client && !this.stopping && this._state.status === "reconnecting" && Date.now() < deadline;
    const schedule = () => {
      if (!live()) return;
      this.readyPoll = setTimeout(poll, delay);
      this.readyPoll.unref?.();
      delay = Math.min(delay * 1.5, 2000);
    };
    const poll = () => {
      this.readyPoll = null;
      if (!live()) return;
      void fetchReady(url).then((ready) => {
        if (!ready || !live()) return schedule();
        this.log.info("the gateway says it is ready again; reconnecting now instead of waiting out the backoff");
        this.client = null; // the old client's callbacks are stale from here on
        stopClient(client);
        this.startClient(this.authMode);
      });
    };
    schedule();
  }

  /**
   * A gateway that is up but still starting answers every connect with UNAVAILABLE `startup-sidecars` and
   * `retryAfterMs` 500; the reference client honours that to the letter, so a 30 s start costs ~60 full
   * handshakes (each a challenge, a signed connect and a refusal). Instead: stop the client, poll `/readyz`
   * (one HTTP request, 0.5 s growing to 2 s) and connect once it says ready. A handshake is still tried every
   * STARTUP_HANDSHAKE_EVERY_MS, in case readiness stays false for a reason that does not block operators (a
   * broken channel account). Plain ws:// only; wss:// keeps the gateway's own pacing. Returns false when it
   * did not take over.
   */
  private waitForStartup(client: GatewayClient): boolean {
    const url = readyUrl(this.opts.url);
    if (!url) return false;
    this.client = null; // its callbacks are stale from here on
    queueMicrotask(() => stopClient(client));
    this.stopReadyPoll();
    const handshakeAt = Date.now() + STARTUP_HANDSHAKE_EVERY_MS;
    let delay = 500;
    const live = () => this.client === null && !this.stopping && (this._state.status === "connecting" || this._state.status === "reconnecting");
    const poll = () => {
      this.readyPoll = null;
      if (!live()) return;
      void fetchReady(url).then((ready) => {
        if (!live() || this.readyPoll) return;
        if (ready || Date.now() >= handshakeAt) {
          if (ready) this.log.info("the gateway says it is ready; connecting");
          return this.startClient(this.authMode);
        }
        this.readyPoll = setTimeout(poll, delay);
        this.readyPoll.unref?.();
        delay = Math.min(delay * 1.5, 2000);
      });
    };
    this.readyPoll = setTimeout(poll, delay);
    this.readyPoll.unref?.();
    return true;
  }

  private stopReadyPoll() {
    if (this.readyPoll) clearTimeout(this.readyPoll);
    this.readyPoll = null;
  }

  // ---- requests ----

  /**
   * A generic request: params checked with the protocol package's validator where one exists,
   * errors classified. `method` is whatever the gateway offers (see hello.methods).
   */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}, opts: { timeoutMs?: number | null; signal?: AbortSignal } = {}): Promise<T> {
    const validator = VALIDATORS[method];
    if (validator && !validator(params)) {
      const why = formatValidationErrors((validator.errors ?? null) as Parameters<typeof formatValidationErrors>[0]);
      throw new GatewayIssueError({ kind: "invalid-request", method, message: `Parameters for ${method} are not valid: ${redactor.redact(why)}.`, nextStep: "Fix the parameters and try again.", retrying: false });
    }
    const client = this.client;
    if (!client || this._state.status !== "connected") {
      throw new GatewayIssueError({ kind: "not-connected", method, message: `Not connected to a gateway (${this._state.status}).`, nextStep: "Connect first (KrabKrab: Connect Local or Connect Remote).", retrying: false });
    }
    const t0 = performance.now();
    try {
      const res = await client.request<T>(method, params, { timeoutMs: opts.timeoutMs, signal: opts.signal });
      if (client === this.client) this.lastFrameAt = Date.now();
      this.emit("rtt", { method, ms: performance.now() - t0 });
      return res;
    } catch (err) {
      const issue = classifyError(err, { method, cli: this.opts.cli });
      this.log.warn(`${method} failed: ${issue.kind}: ${issue.message}`);
      throw new GatewayIssueError(issue);
    }
  }

  private async typed<T extends z.ZodMiniType>(method: string, params: Record<string, unknown>, schema: T, opts?: { timeoutMs?: number | null }): Promise<z.infer<T>> {
    const raw = await this.call(method, params, opts);
    const r = schema.safeParse(raw);
    if (!r.success) {
      const problem = S.describeZodError(r.error);
      this.log.warn(`${method}: unexpected response shape: ${problem}`);
      throw new GatewayIssueError({ kind: "invalid-response", method, message: `The gateway's answer to ${method} has an unexpected shape (${problem}).`, nextStep: "The gateway may be a different version; update the extension or the gateway.", retrying: false });
    }
    return r.data;
  }

  health(probe = false) {
    return this.typed("health", probe ? { probe: true } : {}, S.HealthSchema);
  }
  status() {
    return this.typed("status", {}, S.StatusSchema);
  }
  presence() {
    return this.typed("system-presence", {}, S.PresenceSchema);
  }
  nodeList() {
    return this.typed("node.list", {}, S.NodeListSchema).then((r) => r.nodes);
  }
  nodeDescribe(nodeId: string) {
    return this.typed("node.describe", { nodeId }, z.partial(S.NodeSchema, { nodeId: true }));
  }
  nodeInvoke(p: { nodeId: string; command: string; params?: unknown; timeoutMs?: number; idempotencyKey?: string }) {
    const params: Record<string, unknown> = { nodeId: p.nodeId, command: p.command, idempotencyKey: p.idempotencyKey ?? randomUUID() };
    if (p.params !== undefined) params.params = p.params;
    if (p.timeoutMs !== undefined) params.timeoutMs = p.timeoutMs;
    return this.typed("node.invoke", params, S.NodeInvokeResultSchema, { timeoutMs: (p.timeoutMs ?? 30_000) + 5_000 });
  }
  nodeRename(nodeId: string, displayName: string) {
    return this.call("node.rename", { nodeId, displayName });
  }
  nodePairList() {
    return this.typed("node.pair.list", {}, S.PairListSchema);
  }
  nodePairApprove(requestId: string) {
    return this.call("node.pair.approve", { requestId });
  }
  nodePairReject(requestId: string) {
    return this.call("node.pair.reject", { requestId });
  }
  devicePairList() {
    return this.typed("device.pair.list", {}, S.PairListSchema);
  }
  devicePairApprove(requestId: string) {
    return this.call("device.pair.approve", { requestId });
  }
  devicePairReject(requestId: string) {
    return this.call("device.pair.reject", { requestId });
  }
  sessionsList(p: { limit?: number; search?: string } = {}) {
    return this.typed("sessions.list", p, S.SessionsListSchema);
  }
  /** Sends a chat message. Always pass the same idempotencyKey when retrying: the gateway de-duplicates. */
  chatSend(p: { sessionKey: string; message: string; idempotencyKey: string; attachments?: unknown[]; thinking?: string; timeoutMs?: number }) {
    return this.typed("chat.send", stripUndefined(p), S.ChatSendResultSchema);
  }
  chatHistory(p: { sessionKey: string; limit?: number }) {
    return this.typed("chat.history", stripUndefined(p), S.ChatHistorySchema);
  }
  chatAbort(p: { sessionKey: string; runId?: string }) {
    return this.typed("chat.abort", stripUndefined(p), S.ChatAbortResultSchema);
  }
  logsTail(p: { cursor?: number; limit?: number } = {}) {
    return this.typed("logs.tail", stripUndefined(p), S.LogsTailSchema);
  }
  execApprovalResolve(id: string, decision: ExecApprovalDecision) {
    return this.call("exec.approval.resolve", { id, decision });
  }
  /** Pending exec approvals (raised before this connection, or missed while it was down). */
  async execApprovalList() {
    return Q.approvalListItems(await this.call("exec.approval.list", {}));
  }
  /** Pending agent questions, oldest first. */
  questionList() {
    return this.typed("question.list", {}, Q.QuestionListSchema).then((r) => r.questions);
  }
  /** Answers a question (one value list per questionId), or skips it with `cancel`. */
  questionResolve(id: string, answer: { values: Record<string, string[]> } | { cancel: true }) {
    const params = "cancel" in answer ? { id, cancel: true } : { id, answers: Q.questionAnswers(answer.values) };
    return this.call<Record<string, unknown>>("question.resolve", params);
  }
}

/** Every reference client started and not yet stopped (see OperatorClient.runningClients). */
const running = new Set<GatewayClient>();

function stopClient(c: GatewayClient) {
  running.delete(c);
  c.stop();
}

function cancelledIssue(): GatewayIssueError {
  return new GatewayIssueError({ kind: "not-connected", message: "Connection cancelled.", nextStep: "Connect again when you are ready.", retrying: false });
}

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const SOCKET_ERROR_PREFIX = "gateway client error: ";
/** While a gateway starts, a handshake is still tried this often even if /readyz says not ready. */
const STARTUP_HANDSHAKE_EVERY_MS = 10_000;
/** A watchdog timer this late means this process was not running (sleep, blocked loop), not the gateway. */
const LATE_TIMER_MS = 1000;

/** What ws reported before a 1006 close: a frame over the size limit, bad UTF-8, or a TCP-level failure. */
function classifySocketError(text: string): GatewayIssue {
  if (/max payload size exceeded/i.test(text)) return classifyClose(1009, "")!;
  if (/invalid utf-8/i.test(text)) return classifyClose(1007, "")!;
  const code = /\b(E[A-Z]{3,})\b/.exec(text)?.[1];
  if (code) return classifyError({ message: text, code });
  return { kind: "unreachable", message: `The connection to the gateway failed: ${redactor.redact(text).slice(0, 200)}.`, nextStep: "Nothing to do: the client reconnects by itself.", retrying: true };
}

/** Disables the reference client's tick watch (a gap larger than this never happens). */
const WATCH_DISABLED_MS = 2 ** 31 - 1;

/**
 * Drops the reference client's current socket without a close handshake. The pinned GatewayClient
 * (2026.9.1) keeps it in `ws` and reconnects on the resulting close (1006) as on any other drop.
 */
function terminateSocket(client: GatewayClient): boolean {
  const ws = (client as unknown as { ws?: { terminate?: () => void } | null }).ws;
  if (!ws || typeof ws.terminate !== "function") return false;
  ws.terminate();
  return true;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
