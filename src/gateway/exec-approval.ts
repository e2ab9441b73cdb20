// Exec approvals: what the gateway asks when an agent wants to run a host command that its policy does not
// allow outright, and how an operator answers. Plain data helpers (no `vscode`), used by the extension's
// notification and by tests against the real gateway.
//
// Observed on openclaw 2026.9.6 (protocol 4). The gateway delivers `exec.approval.requested` ONLY to
// connections that hold operator.approvals (or operator.admin) AND advertise the `exec-approvals` (or
// `approvals`) cap — see CLIENT_CAPS. When no such connection exists, the run is denied at once with
// "Headless runs cannot wait for interactive exec approval". Payload of an agent `exec` tool call on the
// gateway host (session with permissionMode "guarded", command `echo hi`):
//
//   { approvalKind: "exec", id: "<uuid>",
//     request: { command: "echo hi", cwd: "<agent workspace>", host: "gateway", nodeId: null,
//                security: "allowlist", ask: "on-miss", warningText: null, scope: null,
//                systemRunBinding: null, systemRunPlan: null,            // set for host=node
//                commandAnalysis: { commandCount: 1, nestedCommandCount: 0, riskKinds: [], warningLines: [] },
//                allowedDecisions: ["allow-once", "deny"], unavailableDecisions: ["allow-always"],
//                agentId: "main", resolvedPath: "/usr/bin/echo", sessionKey: "agent:main:<key>",
//                sessionId: null, runId: "<chat.send idempotencyKey>", toolCallId: "<model's tool call id>",
//                turnSourceChannel: "webchat", turnSourceTo: "agent:main:<key>", turnSourceAccountId: null,
//                turnSourceThreadId: null, cronExecutionSource: null, cronOperationBinding: null },
//     createdAtMs: <ms>, expiresAtMs: <createdAtMs + 30 min> }
//
// There is no `presentation` object in that version; newer gateways may add one (commandText, host,
// agentId, warningText), so it is read first. `exec.approval.resolve {id, decision}` answers `{ok: true}`;
// a decision listed in `unavailableDecisions` is refused (INVALID_REQUEST "allow-always is unavailable for
// this command"), and a second answer is refused with "approval already resolved" (or, once the run is
// done with it, "unknown or expired approval id"). Every approval client
// then gets `exec.approval.resolved { id, decision, resolvedBy: <client displayName>, ts, request }`.
import { rec, str, type Rec } from "../shared/base/loose-read";

export type ExecApprovalDecision = "allow-once" | "allow-always" | "deny";
export const EXEC_APPROVAL_DECISIONS: readonly ExecApprovalDecision[] = ["allow-once", "allow-always", "deny"];

export interface ExecApprovalSummary {
  /** The command exactly as the gateway shows it: never cut here, because the operator approves what they read. */
  command: string;
  /** Host · working directory · agent, when known (a one-line summary; the parts are below). */
  where?: string;
  host?: string;
  cwd?: string;
  agentId?: string;
  /** The node that runs it (host=node), and the executable the gateway resolved. */
  nodeId?: string;
  resolvedPath?: string;
  warning?: string;
  /** The decisions the gateway accepts for this request (all three when it does not say). */
  decisions: ExecApprovalDecision[];
  sessionKey?: string;
  runId?: string;
  toolCallId?: string;
  expiresAtMs?: number;
}

const isDecision = (v: unknown): v is ExecApprovalDecision => typeof v === "string" && (EXEC_APPROVAL_DECISIONS as readonly string[]).includes(v);

/** What to show for an exec approval request, from the fields the protocol defines (presentation first). */
export function describeExecApproval(payload: Rec): ExecApprovalSummary {
  const pres = rec(payload.presentation);
  const req = rec(payload.request);
  const plan = rec(req.systemRunPlan ?? payload.systemRunPlan);
  const argv = Array.isArray(req.commandArgv) ? req.commandArgv : Array.isArray(plan.argv) ? plan.argv : undefined;
  const command =
    str(pres.commandText) ?? str(plan.commandText) ?? str(plan.rawCommand) ?? str(req.command) ?? str(payload.command) ?? (argv ? argv.map(String).join(" ") : undefined) ?? "(command not shown)";
  const host = str(pres.host) ?? str(req.host);
  const cwd = str(plan.cwd) ?? str(req.cwd);
  const agentId = str(pres.agentId) ?? str(req.agentId);
  const where = [host, cwd, agentId].filter(Boolean).join(" · ") || undefined;
  const analysis = rec(req.commandAnalysis);
  const warningLines = Array.isArray(analysis.warningLines) ? analysis.warningLines.filter((l): l is string => typeof l === "string" && l.trim() !== "") : [];
  const warning = str(pres.warningText) ?? str(req.warningText) ?? (warningLines.length ? warningLines.join("\n") : undefined);
  const allowed = Array.isArray(req.allowedDecisions) ? req.allowedDecisions.filter(isDecision) : [];
  const unavailable = new Set(Array.isArray(req.unavailableDecisions) ? req.unavailableDecisions.filter(isDecision) : []);
  const offered = allowed.length ? EXEC_APPROVAL_DECISIONS.filter((d) => allowed.includes(d)) : [...EXEC_APPROVAL_DECISIONS];
  const decisions = offered.filter((d) => !unavailable.has(d));
  const expiresAtMs = typeof payload.expiresAtMs === "number" ? payload.expiresAtMs : undefined;
  return {
    command,
    where,
    host,
    cwd,
    agentId,
    nodeId: str(req.nodeId),
    resolvedPath: str(req.resolvedPath),
    warning,
    decisions,
    sessionKey: str(req.sessionKey) ?? str(payload.sessionKey),
    runId: str(req.runId),
    toolCallId: str(req.toolCallId),
    expiresAtMs,
  };
}
