// The operator client's public types and constants: what it asks the gateway for (protocol, scopes, caps),
// the connection state the UI shows, the hello it hands out, its options and its typed events. Kept apart
// from operator-client.ts so the client's parts (frames, auth, reference-client) and its users (the
// connection slot, chat sessions) can name them without importing the client itself.
import type { GatewayClientOptions } from "@openclaw/gateway-client";
import type { DeviceIdentity } from "../device-identity";
import type { GatewayIssue } from "../errors";
import type { Logger } from "../logger";
import type * as Q from "../questions";
import type * as S from "../schemas";
import type { SecretStore } from "../secret-store";

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
