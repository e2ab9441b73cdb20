// Owns the one live gateway connection of this window: builds the operator client (device identity and
// tokens from SecretStorage), connects with progress, and tells views and the status bar what changed.
import * as vscode from "vscode";
import { ChatSession, GatewayIssueError, type LocalGateway, type SshTunnel, loadOrCreateDeviceIdentity, OperatorClient, type ConnectionState, type GatewayIssue, type Logger, type OperatorScope } from "../gateway";
import type { ConnectionView } from "../shared/contract";

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
  tunnel?: SshTunnel;
  /** Releases what the transport holds (a tunnel, a spawned gateway). */
  dispose?: () => Promise<void>;
}

export class ConnectionManager implements vscode.Disposable {
  private client: OperatorClient | null = null;
  private target: ResolvedTarget | null = null;
  private readonly chats = new Map<string, ChatSession>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly connected = new vscode.EventEmitter<OperatorClient>();
  /** Fires on every hello-ok (first connect and each reconnect). */
  readonly onDidConnect = this.connected.event;
  lastRttMs: number | null = null;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly secrets: import("../gateway").SecretStore,
    private readonly log: Logger,
  ) {}

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
    return this.client;
  }
  get state(): ConnectionState {
    return this.client?.state ?? { status: "disconnected" };
  }
  get targetLabel(): string | undefined {
    return this.target?.label;
  }
  get currentTarget(): ResolvedTarget | null {
    return this.target;
  }

  view(): ConnectionView {
    const s = this.state;
    const issue = s.status === "paused" || s.status === "reconnecting" || s.status === "connecting" ? s.issue : undefined;
    return {
      status: s.status,
      target: this.target?.label,
      serverVersion: s.status === "connected" ? s.serverVersion : undefined,
      issue: issue ? { kind: issue.kind, message: issue.message, nextStep: issue.nextStep } : undefined,
    };
  }

  /** Connects to a resolved target, replacing any current connection. Throws GatewayIssueError. */
  async connect(target: ResolvedTarget, scopes?: OperatorScope[]): Promise<OperatorClient> {
    await this.disconnect();
    return this.startClient(target, scopes);
  }

  /**
   * Reconnects the same transport asking for more scopes (pairing, admin): asked for only when a command
   * needs them. Throws GatewayIssueError (e.g. missing-scope when the gateway will not grant them).
   */
  async upgradeScopes(extra: OperatorScope[]): Promise<OperatorClient> {
    const target = this.target;
    const client = this.client;
    if (!target || !client) throw new GatewayIssueError({ kind: "not-connected", message: "Not connected to a gateway.", nextStep: "Connect first (KrabKrab: Connect Local or Connect Remote).", retrying: false });
    const scopes = [...new Set([...client.requestedScopes, ...extra])];
    for (const c of this.chats.values()) c.dispose();
    this.chats.clear();
    await client.disconnect();
    // The stored device token carries the old scopes: lead with the shared credential, which can get the
    // upgrade approved (the client falls back the other way by itself when there is none).
    return this.startClient(target, scopes, { preferDeviceToken: false });
  }

  private async startClient(target: ResolvedTarget, scopes?: OperatorScope[], opts: { preferDeviceToken?: boolean } = {}): Promise<OperatorClient> {
    const identity = await loadOrCreateDeviceIdentity(this.secrets, (why) => this.log.warn(why));
    const client = new OperatorClient({
      url: target.url,
      token: target.token,
      password: target.password,
      tlsFingerprint: target.tlsFingerprint,
      credentialScope: target.credentialScope,
      preferDeviceToken: opts.preferDeviceToken,
      // A gateway that is still starting (just spawned, restarting) is waited for quietly, not reported.
      waitForGatewayMs: target.local ? 60_000 : 10_000,
      scopes,
      identity,
      secrets: this.secrets,
      clientVersion: String(this.context.extension.packageJSON.version ?? "0.0.0"),
      displayName: `KrabKrab for VS Code (${vscode.env.appName})`,
      instanceId: vscode.env.machineId,
      logger: this.log,
    });
    this.client = client;
    this.target = target;
    client.on("state", () => this.changed.fire());
    client.on("rtt", (r) => {
      this.lastRttMs = r.ms;
      this.changed.fire();
    });
    client.on("hello", () => this.connected.fire(client));
    this.changed.fire();
    try {
      await client.connect();
    } catch (err) {
      if (err instanceof GatewayIssueError && !err.issue.retrying) {
        // Terminal (wrong token, pairing…): keep the client so the state shows why, but stop retrying.
        this.changed.fire();
      }
      throw err;
    }
    return client;
  }

  async disconnect(): Promise<void> {
    for (const c of this.chats.values()) c.dispose();
    this.chats.clear();
    const client = this.client;
    const target = this.target;
    this.client = null;
    this.target = null;
    this.lastRttMs = null;
    if (client) await client.disconnect();
    if (target?.dispose) await target.dispose();
    this.changed.fire();
  }

  /** The chat session for a key, shared by every view that shows it. */
  chat(sessionKey = "main"): ChatSession | null {
    const client = this.client;
    if (!client) return null;
    let chat = this.chats.get(sessionKey);
    if (!chat) {
      chat = new ChatSession(client, sessionKey);
      chat.on("issue", (i: GatewayIssue) => this.log.warn(`chat: ${i.kind}: ${i.message}`));
      this.chats.set(sessionKey, chat);
    }
    return chat;
  }

  dispose(): void {
    void this.disconnect();
    this.changed.dispose();
    this.connected.dispose();
  }
}
