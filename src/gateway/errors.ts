// Turns every failure the client can meet — gateway error frames, close codes, socket errors, local
// timeouts, TLS pin failures — into one of a fixed set of kinds, each with a readable message and the
// next step for the user. The UI shows `message` + `nextStep`; nothing here ever contains a secret.
import { KrabError } from "../shared/base/errors";
import * as loose from "../shared/base/loose-read";
import { redactor } from "./redact";
import { clientVersionSkewIssue, protocolSkewIssue } from "./client/version-skew";

export type IssueKind =
  | "unreachable" // refused / DNS / timeout / reset before hello
  | "token-mismatch"
  | "password-mismatch"
  | "auth-required" // no credential configured, or the gateway needs one we don't have
  | "device-token-rejected"
  | "rate-limited"
  | "missing-scope"
  | "pairing-required"
  | "protocol-mismatch"
  | "version-mismatch" // CLIENT_VERSION_MISMATCH: the gateway refuses a client older than itself
  | "gateway-starting"
  | "gateway-restarting"
  | "closed-by-policy"
  | "tls-pin-mismatch"
  | "insecure-url"
  | "config-invalid"
  | "timeout"
  | "invalid-request"
  | "invalid-response"
  | "not-connected"
  | "connection-lost" // the socket dropped while a request was waiting for its answer
  | "gateway-error";

export interface GatewayIssue {
  kind: IssueKind;
  /** One sentence saying what happened, no secrets. */
  message: string;
  /** What the user can do about it. */
  nextStep: string;
  /** Whether the client keeps retrying by itself. */
  retrying: boolean;
  missingScope?: string;
  requestId?: string;
  approveCommand?: string;
  expectedProtocol?: number;
  /** Version skew: which side must be updated, the gateway's release when known, the gateway-host command. */
  behind?: "gateway" | "extension";
  gatewayVersion?: string;
  updateCommand?: string;
  /** A retryable answer's own delay (UNAVAILABLE startup-sidecars: retryAfterMs). */
  retryAfterMs?: number;
  gatewayCode?: string;
  detailCode?: string;
  method?: string;
}

const SETTING_OF: Partial<Record<IssueKind, string>> = { "insecure-url": "krabkrab.profiles", "config-invalid": "krabkrab.profiles", "tls-pin-mismatch": "krabkrab.profiles" };

/** A KrabError carrying a classified issue (and its details in `issue`); thrown by the operator facade. */
export class GatewayIssueError extends KrabError {
  declare readonly kind: IssueKind;
  constructor(
    readonly issue: GatewayIssue,
    cause?: unknown,
  ) {
    super({
      kind: issue.kind,
      message: issue.message,
      nextStep: issue.nextStep,
      retryable: issue.retrying,
      setting: SETTING_OF[issue.kind],
      hostCommand: issue.approveCommand ?? issue.updateCommand,
      cause,
    });
    this.name = "GatewayIssueError";
  }
}

const rec = loose.rec;
/** A non-empty string (blank strings count: an error message of spaces is still the gateway's text). */
function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

const CLI = "krabkrab";

export interface ClassifyContext {
  method?: string;
  /** A CLI name to show in commands (krabkrab, or openclaw when that is what the user has). */
  cli?: string;
  /** Whether the operator configured a shared token / password for this gateway. */
  hadSharedSecret?: boolean;
}

/** Classifies anything thrown by or reported from the reference client. */
export function classifyError(err: unknown, ctx: ClassifyContext = {}): GatewayIssue {
  if (err instanceof GatewayIssueError) return err.issue;
  const e = rec(err);
  const cli = ctx.cli ?? CLI;
  const rawMessage = redactor.redact(str(e.message) ?? (typeof err === "string" ? err : String(err)));
  const gatewayCode = str(e.gatewayCode) ?? str(e.code);
  const details = rec(e.details);
  const detailCode = str(details.code);
  const base = { gatewayCode, detailCode, method: ctx.method };
  const lower = rawMessage.toLowerCase();

  // Local, pre-socket and socket-level failures first.
  const sysCode = str(e.code) ?? str(rec(e.cause).code);
  if (sysCode && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED)$/.test(sysCode)) {
    const what =
      sysCode === "ECONNREFUSED" ? "nothing is listening there" : sysCode === "ENOTFOUND" || sysCode === "EAI_AGAIN" ? "the host name does not resolve" : sysCode === "ECONNRESET" || sysCode === "EPIPE" ? "the connection was reset" : "the host did not answer";
    return { ...base, kind: "unreachable", message: `Cannot reach the gateway: ${what} (${sysCode}).`, nextStep: "Check that the gateway is running and the URL, port or SSH target is right; the client keeps retrying.", retrying: true };
  }
  // An RPC (ctx.method) the reference client rejects because the socket closed while it waited
  // ("gateway closed (<code>): <reason>") or was already gone ("gateway not connected"). Connect-phase
  // closes are classified by close code instead (classifyClose).
  const closed = /^gateway closed \((\d+)\)/.exec(rawMessage);
  if (ctx.method && (closed || lower === "gateway not connected" || lower === "gateway client stopped")) {
    return { ...base, kind: "connection-lost", message: `The connection to the gateway dropped before it answered ${ctx.method}${closed ? ` (close code ${closed[1]})` : ""}; the request was not retried.`, nextStep: "The client reconnects by itself; try again once it is connected (a chat message keeps its idempotency key and is resent once).", retrying: true };
  }
  if (str(e.code) === "CLIENT_TIMEOUT" || str(e.name)?.includes("Timeout")) {
    return { ...base, kind: "timeout", message: `The gateway did not answer${ctx.method ? ` ${ctx.method}` : ""} in time.`, nextStep: "The gateway may be busy or the link slow; try again. If it keeps happening, check the connection log.", retrying: false };
  }
  if (lower.includes("tls fingerprint mismatch") || lower.includes("tls fingerprint unavailable")) {
    return { ...base, kind: "tls-pin-mismatch", message: "The gateway's TLS certificate does not match the pinned fingerprint; the connection was refused.", nextStep: "If the gateway's certificate was rotated on purpose, update the TLS fingerprint in the profile; otherwise treat this as an attack and do not connect.", retrying: false };
  }
  if (lower.includes("plaintext ws://") || lower.includes("tls fingerprint requires wss") || lower.includes("must be a sha-256 fingerprint")) {
    return { ...base, kind: "insecure-url", message: rawMessage.split(". ")[0] + ".", nextStep: "Use wss:// for remote gateways, or an SSH tunnel; a TLS fingerprint needs a wss:// URL.", retrying: false };
  }

  // Gateway error frames.
  switch (detailCode) {
    case "AUTH_TOKEN_MISMATCH":
      return { ...base, kind: "token-mismatch", message: "The gateway rejected the token (token mismatch).", nextStep: "Set the gateway token again (KrabKrab: Set Gateway Token) — it must equal gateway.auth.token on the gateway host.", retrying: false };
    case "AUTH_PASSWORD_MISMATCH":
      return { ...base, kind: "password-mismatch", message: "The gateway rejected the password.", nextStep: "Set the gateway password again (KrabKrab: Set Gateway Password).", retrying: false };
    case "AUTH_REQUIRED":
    case "AUTH_UNAUTHORIZED":
    case "AUTH_TOKEN_MISSING":
    case "AUTH_PASSWORD_MISSING":
      return { ...base, kind: "auth-required", message: "The gateway needs a token or password and none was sent.", nextStep: "Set the gateway token (KrabKrab: Set Gateway Token), or KRABKRAB_GATEWAY_TOKEN in the environment.", retrying: false };
    case "AUTH_TOKEN_NOT_CONFIGURED":
    case "AUTH_PASSWORD_NOT_CONFIGURED":
      return { ...base, kind: "auth-required", message: "The gateway has no shared token or password configured for this auth mode.", nextStep: "Configure gateway.auth on the gateway host, then connect again.", retrying: false };
    case "AUTH_DEVICE_TOKEN_MISMATCH":
      return { ...base, kind: "device-token-rejected", message: "The gateway no longer accepts this device's stored token (revoked or rotated).", nextStep: ctx.hadSharedSecret ? "Reconnecting with the shared token." : "Set the gateway token so this device can sign in again.", retrying: Boolean(ctx.hadSharedSecret) };
    case "AUTH_RATE_LIMITED":
      return { ...base, kind: "rate-limited", message: "The gateway is rate-limiting sign-in attempts from this client.", nextStep: "Wait a minute, check the token, then reconnect.", retrying: false };
    case "PAIRING_REQUIRED":
      break; // handled below with the request id
    case "PROTOCOL_MISMATCH":
      break;
    case "CLIENT_VERSION_MISMATCH":
      return clientVersionSkewIssue(details, base);
    case "MISSING_SCOPE":
      break;
    default:
      break;
  }

  // Asking for more scopes than the stored device token carries (a scope upgrade): the shared credential can
  // get them approved (silently on loopback), the device token cannot.
  if (lower.includes("device token scope mismatch")) {
    return { ...base, kind: "device-token-rejected", message: "This device's stored token does not carry the scopes asked for.", nextStep: ctx.hadSharedSecret ? "Reconnecting with the shared token to ask for them." : "Set the gateway token, or approve the scope upgrade on the gateway (krabkrab devices list).", retrying: Boolean(ctx.hadSharedSecret) };
  }

  // The id becomes part of a shell command the user is offered to copy and run: only the CLI's own id
  // alphabet is accepted (a gateway could send `x; curl … | sh` as an "id").
  const idOk = (v: string | undefined) => (v !== undefined && /^[\w-]{1,128}$/.test(v) ? v : undefined);
  const requestId = idOk(str(details.requestId)) ?? idOk(/requestId:\s*([\w-]+)(?![^\s,;.)])/i.exec(rawMessage)?.[1]);
  if (gatewayCode === "NOT_PAIRED" || detailCode === "PAIRING_REQUIRED" || lower.includes("pairing required")) {
    const approveCommand = requestId ? `${cli} devices approve ${requestId}` : `${cli} devices list`;
    return { ...base, kind: "pairing-required", requestId, approveCommand, message: `This device must be approved on the gateway before it can connect${requestId ? ` (request ${requestId})` : ""}.`, nextStep: `On the gateway host run \`${approveCommand}\` (or approve it from an admin client), then reconnect.`, retrying: false };
  }
  const expectedProtocol = typeof details.expectedProtocol === "number" ? details.expectedProtocol : undefined;
  if (detailCode === "PROTOCOL_MISMATCH" || expectedProtocol !== undefined || lower.includes("protocol mismatch")) {
    return protocolSkewIssue({ expectedProtocol, cli }, base);
  }
  const missingScope = str(details.missingScope) ?? /missing scope:\s*([\w.]+)/i.exec(rawMessage)?.[1];
  if (missingScope) {
    return { ...base, kind: "missing-scope", missingScope, message: `This connection lacks the ${missingScope} scope${ctx.method ? ` needed for ${ctx.method}` : ""}.`, nextStep: `Reconnect with the ${missingScope} scope (the command that needs it asks for it), or use a token whose device may hold it.`, retrying: false };
  }
  if (gatewayCode === "UNAVAILABLE") {
    const reason = str(details.reason) ?? "";
    if (reason.includes("startup") || lower.includes("starting")) {
      const retryAfterMs = typeof e.retryAfterMs === "number" && e.retryAfterMs > 0 ? e.retryAfterMs : undefined;
      const what = reason === "startup-sidecars" ? " (its startup sidecars are still loading)" : "";
      return { ...base, kind: "gateway-starting", retryAfterMs, message: `The gateway is up but still starting${what}.`, nextStep: `Nothing to do: the client waits until it reports ready${retryAfterMs ? ` (it asked to retry after ${retryAfterMs} ms)` : ""}, then connects.`, retrying: true };
    }
    if (reason.includes("restart") || lower.includes("restart")) {
      return { ...base, kind: "gateway-restarting", message: "The gateway is restarting.", nextStep: "Nothing to do: the client reconnects when it is back.", retrying: true };
    }
  }
  if (gatewayCode === "INVALID_REQUEST") {
    return { ...base, kind: "invalid-request", message: `The gateway refused the request: ${rawMessage}`, nextStep: "Check the parameters; this is usually a bug or a gateway version difference — see the connection log.", retrying: false };
  }
  if (gatewayCode === "FORBIDDEN") {
    return { ...base, kind: "closed-by-policy", message: `The gateway refused: ${rawMessage}`, nextStep: "This operation needs more rights than this connection has.", retrying: false };
  }
  if (gatewayCode) {
    return { ...base, kind: "gateway-error", message: `The gateway answered ${gatewayCode}: ${rawMessage}`, nextStep: "See the connection log for details.", retrying: e.retryable === true };
  }
  return { ...base, kind: "gateway-error", message: rawMessage || "Unknown error.", nextStep: "See the connection log for details.", retrying: false };
}

/** Classifies a WebSocket close that the reference client reported, when no error frame explains it. */
export function classifyClose(code: number, reason: string): GatewayIssue | null {
  const r = redactor.redact(reason || "");
  if (code === 1012) return { kind: "gateway-restarting", message: "The gateway is restarting.", nextStep: "Nothing to do: the client reconnects when it is back.", retrying: true };
  // ws closes with these itself when a frame breaks its limits: the link is fine, reconnecting is right.
  if (code === 1009) return { kind: "invalid-response", message: "The gateway sent a message larger than the client's 25 MiB limit; the connection was dropped.", nextStep: "Nothing to do: the client reconnects. If it keeps happening, see the gateway's log.", retrying: true };
  if (code === 1007) return { kind: "invalid-response", message: "The gateway sent a text frame that is not valid UTF-8; the connection was dropped.", nextStep: "Nothing to do: the client reconnects. If it keeps happening, see the gateway's log.", retrying: true };
  if (code === 1002) return { ...protocolSkewIssue({}), message: `The gateway closed the connection for a protocol error${r ? `: ${r}` : ""}.` };
  if (code === 1008) {
    const lower = r.toLowerCase();
    if (lower.includes("pairing")) return classifyError({ message: r, code: "NOT_PAIRED" });
    // The reference client closes with 1008 itself on a bad challenge (even one after hello), then retries.
    if (lower.includes("connect challenge")) return { kind: "invalid-response", message: `The gateway sent a malformed handshake challenge (${r}); the connection was dropped.`, nextStep: "Nothing to do: the client reconnects by itself.", retrying: true };
    if (lower.includes("token mismatch")) return classifyError({ message: r, details: { code: lower.includes("device token") ? "AUTH_DEVICE_TOKEN_MISMATCH" : "AUTH_TOKEN_MISMATCH" } });
    return { kind: "closed-by-policy", message: `The gateway closed the connection by policy${r ? `: ${r}` : ""}.`, nextStep: "Check the token, device pairing and scopes, then reconnect.", retrying: false };
  }
  if (code === 4000 && r.includes("tick")) return { kind: "unreachable", message: "The gateway stopped answering (no tick for two intervals).", nextStep: "Nothing to do: the client reconnects when it answers again.", retrying: true };
  return null;
}
