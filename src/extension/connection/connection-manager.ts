// Owns one gateway's live connection (one per profile; connection/gateways.ts holds them all): builds the
// operator client (device identity and tokens from SecretStorage) and tells views and the status bar what changed. The race-free part (one
// connect generation, releasing what a superseded connect opened) is the plain-Node ConnectionSlot.
import * as vscode from "vscode";
import { type ChatSession, type LocalGateway, type PendingUpgrade, type SshTunnelHandle, loadOrCreateDeviceIdentity, OperatorClient, type ConnectionState, type Logger, type OperatorScope } from "../../gateway";
import { ConnectionSlot, type ConnectAttempt } from "../../gateway/connection-slot";
import type { ConnectionView } from "../../shared/contract";

export interface ResolvedTarget {
  /** What the status bar shows: "local :18789", "ssh me@vps", "wss://host". */
  label: string;
  url: string;
  token?: string;
  password?: string;
  tlsFingerprint?: string;
  /** The profile it came from (for per-profile credentials); undefined = env / config file / defaults. */
  profileName?: string;
  /** Device tokens are kept per gateway: a tunnel names the remote gateway, not its ephemeral local URL. */
  credentialScope?: string;
  /** The local gateway this window attached to or started, when the transport is local. */
  local?: LocalGateway;
  /** The SSH tunnel, when the transport is one (for "Test Remote"). */
  tunnel?: SshTunnelHandle;
  /** Releases what the transport holds (a tunnel, a spawned gateway). */
  dispose?: () => Promise<void>;
}

/** The UI's name of a gateway key (a profile name; "" is the default target). */
export function gatewayName(key: string): string {
  return key || "default";
}

export class ConnectionManager implements vscode.Disposable {
  private readonly slot: ConnectionSlot<ResolvedTarget>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly connected = new vscode.EventEmitter<OperatorClient>();
  /** Fires on every hello-ok (first connect and each reconnect). */
  readonly onDidConnect = this.connected.event;
  lastRttMs: number | null = null;

  constructor(
    /** The profile this connection is for ("" = the default target: env, the gateway's config, local). */
    readonly key: string,
    private readonly context: vscode.ExtensionContext,
    private readonly secrets: import("../../gateway").SecretStore,
    /** This gateway's log (a sub-logger named after its profile, but for the default one). */
    readonly log: Logger,
  ) {
    this.slot = new ConnectionSlot<ResolvedTarget>((target, req) => this.makeClient(target, req.scopes, req.preferDeviceToken), log);
    this.slot.on("changed", () => {
      if (!this.slot.current) this.lastRttMs = null;
      this.changed.fire();
    });
    this.slot.on("rtt", (ms) => {
      this.lastRttMs = ms;
      this.changed.fire();
    });
    this.slot.on("connected", (client) => this.connected.fire(client));
  }

  /**
   * Attaches listeners to the client on every hello-ok (first connect and each reconnect) and runs the
   * detach `attach` returned before the next attach and on dispose: the one way views follow gateway events.
   */
  followClients(attach: (client: OperatorClient) => () => void): vscode.Disposable {
    let detach: (() => void) | undefined;
    const sub = this.onDidConnect((client) => {
      detach?.();
      detach = attach(client);
    });
    return new vscode.Disposable(() => {
      sub.dispose();
      detach?.();
      detach = undefined;
    });
  }

  get current(): OperatorClient | null {
    return this.slot.current;
  }
  get state(): ConnectionState {
    return this.slot.current?.state ?? { status: "disconnected" };
  }
  get targetLabel(): string | undefined {
    return this.slot.currentTarget?.label;
  }
  get currentTarget(): ResolvedTarget | null {
    return this.slot.currentTarget;
  }

  /** How the UI names this gateway: its profile, or "default". */
  get name(): string {
    return gatewayName(this.key);
  }

  view(): ConnectionView {
    const s = this.state;
    const issue = s.status === "paused" || s.status === "reconnecting" || s.status === "connecting" ? s.issue : undefined;
    return {
      status: s.status,
      target: this.slot.currentTarget?.label,
      gateway: this.name,
      serverVersion: s.status === "connected" ? s.serverVersion : undefined,
      issue: issue ? { kind: issue.kind, message: issue.message, nextStep: issue.nextStep } : undefined,
    };
  }

  /**
   * Starts a new connect generation: every older attempt is superseded; the current connection is released
   * now, or with `keepCurrent` by the attempt's ready() (await it before opening a transport on the same port).
   */
  begin(opts: { keepCurrent?: boolean } = {}): ConnectAttempt {
    return this.slot.begin(opts);
  }

  /**
   * Connects a resolved target, replacing any current connection. Throws GatewayIssueError ("Connection
   * cancelled." when the attempt was superseded; the target is then released here).
   */
  async connect(target: ResolvedTarget, scopes?: OperatorScope[], attempt: ConnectAttempt = this.slot.begin()): Promise<OperatorClient> {
    return this.slot.connect(attempt, target, { scopes });
  }

  /**
   * Gets more scopes (pairing, admin), asked for only when a command needs them: through the gateway's
   * upgrade request where offered (the connection keeps working until the owner approves), else by
   * reconnecting with them. Chats stay and follow the new client; a refusal throws GatewayIssueError.
   */
  upgradeScopes(extra: OperatorScope[], opts: { signal?: AbortSignal; onPending?: (p: PendingUpgrade) => void } = {}): Promise<OperatorClient> {
    const target = this.slot.currentTarget;
    return this.slot.upgradeScopes(extra, { ...opts, cli: target?.local?.cliName });
  }

  private async makeClient(target: ResolvedTarget, scopes?: OperatorScope[], preferDeviceToken?: boolean): Promise<OperatorClient> {
    const identity = await loadOrCreateDeviceIdentity(this.secrets, (why) => this.log.warn(why));
    return new OperatorClient({
      url: target.url,
      token: target.token,
      password: target.password,
      tlsFingerprint: target.tlsFingerprint,
      credentialScope: target.credentialScope,
      preferDeviceToken,
      // A gateway that is still starting (just spawned, restarting) is waited for quietly, not reported.
      waitForGatewayMs: target.local ? 60_000 : 10_000,
      scopes,
      identity,
      secrets: this.secrets,
      clientVersion: String((this.context.extension.packageJSON as { version?: string }).version ?? "0.0.0"),
      // Suggested commands (`<cli> update`, `<cli> devices approve`) name the CLI this machine has, when local.
      cli: target.local?.cliName,
      displayName: `KrabKrab for VS Code (${vscode.env.appName})`,
      instanceId: vscode.env.machineId,
      logger: this.log,
    });
  }

  disconnect(): Promise<void> {
    return this.slot.disconnect();
  }

  /** The chat session for a key, shared by every view that shows it. */
  chat(sessionKey = "main"): ChatSession | null {
    return this.slot.chat(sessionKey);
  }

  /** A view following a session; release() when it stops (the session is then released with the last view). */
  retainChat(sessionKey = "main"): { session: ChatSession; release: () => void } | null {
    return this.slot.retainChat(sessionKey);
  }

  dispose(): void {
    void this.disconnect();
    this.changed.dispose();
    this.connected.dispose();
  }
}
