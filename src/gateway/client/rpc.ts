// The typed RPC surface: one method per gateway method we use, results parsed by the tolerant schemas, and
// the params check every request goes through (the protocol package's validators). Written against `call()`
// alone, so it knows nothing of connecting; OperatorClient mixes it in (withOperatorRpc) and callers keep
// writing `client.health()`.
import { randomUUID } from "node:crypto";
import {
  validateChatAbortParams,
  validateChatHistoryParams,
  validateChatSendParams,
  validateCommandsListParams,
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
  validateSessionsCreateParams,
  validateSessionsDeleteParams,
  validateSessionsForkParams,
  validateSessionsDescribeParams,
  validateSessionsListParams,
  validateModelsListParams,
  validateSessionsPatchParams,
  validateSessionsCompactParams,
  validateSessionsUsageParams,
  validateSessionsDiffParams,
  validateSessionsFilesGetParams,
  validateSessionsFilesListParams,
  formatValidationErrors,
} from "@openclaw/gateway-protocol";
import * as z from "zod/mini";
import { GatewayIssueError } from "../errors";
import type { ExecApprovalDecision } from "../exec-approval";
import type { Logger } from "../logger";
import * as Q from "../questions";
import { redactor } from "../redact";
import * as S from "../schemas";
import * as F from "../changes/session-files";
import * as M from "../session-management";
import * as SS from "../session-settings";

// sessions.describe and sessions.patch serve two features (session management, session settings): one schema each,
// reading what both need.
const SessionsDescribeSchema = z.looseObject({
  ...M.SessionsDescribeSchema.shape,
  session: z.optional(z.nullable(z.looseObject({ ...M.DescribedRowSchema.shape, ...SS.SessionStateSchema.shape }))),
});
const SessionsPatchResultSchema = z.looseObject({ ...SS.SettingsPatchResultSchema.shape, ...M.SessionsPatchResultSchema.shape });

export interface CallOptions {
  /** null: no timeout (the reference client's default otherwise). */
  timeoutMs?: number | null;
  signal?: AbortSignal;
}

type Validator = ((v: unknown) => boolean) & { errors?: unknown };
const VALIDATORS: Record<string, Validator> = {
  "chat.send": validateChatSendParams,
  "chat.history": validateChatHistoryParams,
  "chat.abort": validateChatAbortParams,
  "sessions.list": validateSessionsListParams,
  "sessions.describe": validateSessionsDescribeParams,
  "sessions.patch": validateSessionsPatchParams,
  "sessions.create": validateSessionsCreateParams,
  "sessions.delete": validateSessionsDeleteParams,
  "sessions.fork": validateSessionsForkParams,
  "commands.list": validateCommandsListParams,
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
  "models.list": validateModelsListParams,
  "sessions.compact": validateSessionsCompactParams,
  "sessions.usage": validateSessionsUsageParams,
  "sessions.diff": validateSessionsDiffParams,
  "sessions.files.get": validateSessionsFilesGetParams,
  "sessions.files.list": validateSessionsFilesListParams,
};

/**
 * Refuses params the protocol package's validator for `method` rejects, before anything is sent (the gateway
 * would refuse them too, less readably). Methods without a validator pass.
 */
export function checkParams(method: string, params: Record<string, unknown>): void {
  const validator = VALIDATORS[method];
  if (validator && !validator(params)) {
    const why = formatValidationErrors((validator.errors ?? null) as Parameters<typeof formatValidationErrors>[0]);
    throw new GatewayIssueError({ kind: "invalid-request", method, message: `Parameters for ${method} are not valid: ${redactor.redact(why)}.`, nextStep: "Fix the parameters and try again.", retrying: false });
  }
}

// `any[]`: TypeScript's rule for a mixin's base (a class that extends it may take any constructor arguments).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place TypeScript requires it
type AbstractConstructor = abstract new (...args: any[]) => object;

/** `Base` with the typed gateway methods, for a class that implements `call()` and has a logger. */
export function withOperatorRpc<TBase extends AbstractConstructor>(Base: TBase) {
  abstract class OperatorRpc extends Base {
    /** A generic request (params checked with checkParams, errors classified): see OperatorClient.call. */
    abstract call<T = unknown>(method: string, params?: Record<string, unknown>, opts?: CallOptions): Promise<T>;
    /** Where an answer of unexpected shape is reported. */
    protected abstract readonly log: Logger;

    private async typed<T extends z.ZodMiniType>(
      method: string,
      params: Record<string, unknown>,
      schema: T,
      opts?: { timeoutMs?: number | null },
    ): Promise<z.infer<T>> {
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
    /** One session's row (exact key). */
    sessionsDescribe(key: string) {
      return this.typed("sessions.describe", { key }, SessionsDescribeSchema);
    }
    /**
     * Session metadata and settings: `label` (a string renames, null restores the generated title), `archived` with
     * `expectedSessionId`, `model` / `thinkingLevel` / `fastMode` (session-settings.ts), …
     */
    sessionsPatch<P extends { key: string }>(p: P) {
      return this.typed("sessions.patch", stripUndefined({ ...p }), SessionsPatchResultSchema);
    }
    /** A new session; `fork: true` with `parentSessionKey` copies the parent's transcript. */
    sessionsCreate(p: { key?: string; parentSessionKey?: string; fork?: boolean; forkFrom?: "last-completed"; label?: string } & Record<string, unknown>) {
      return this.typed("sessions.create", stripUndefined(p), M.SessionsCreateResultSchema);
    }
    /** A new session holding `sessionKey`'s conversation before the user message `entryId`; that message comes back as editorText. */
    sessionsFork(p: { sessionKey: string; entryId: string; agentId?: string }) {
      return this.typed("sessions.fork", stripUndefined(p), M.SessionsForkResultSchema);
    }
    sessionsDelete(p: { key: string; deleteTranscript?: boolean; archivedOnly?: boolean; expectedSessionId?: string }) {
      return this.typed("sessions.delete", stripUndefined(p), M.SessionsDeleteResultSchema);
    }
    /** The runtime's command inventory (the slash commands a chat message may start with). */
    commandsList(p: { sessionKey?: string; agentId?: string; scope?: "text" | "native" | "both"; includeArgs?: boolean } = {}) {
      return this.typed("commands.list", stripUndefined(p), M.CommandsListSchema);
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
    // ---- a session's model, thinking level, fast mode and context (session-settings.ts) ----
    modelsList() {
      return this.typed("models.list", {}, SS.ModelsListSchema);
    }
    /** Summarizes the session's older turns with the model: can take minutes on a long session. */
    sessionsCompact(key: string) {
      return this.typed("sessions.compact", { key }, SS.SessionsCompactResultSchema, { timeoutMs: 600_000 });
    }
    sessionsUsage(p: { startDate: string; endDate: string; timeZone?: string }) {
      return this.typed("sessions.usage", stripUndefined({ ...p, mode: p.timeZone ? "specific" : undefined }), SS.SessionsUsageSchema);
    }
    /** Token and cost totals of the last `days` days (1: today, the gateway's day). */
    usageCost(days: number) {
      return this.typed("usage.cost", { days }, SS.SessionsUsageSchema);
    }
    usageStatus() {
      return this.typed("usage.status", {}, SS.UsageStatusSchema);
    }
    /** Answers a question (one value list per questionId), or skips it with `cancel`. */
    questionResolve(id: string, answer: { values: Record<string, string[]> } | { cancel: true }) {
      const params = "cancel" in answer ? { id, cancel: true } : { id, answers: Q.questionAnswers(answer.values) };
      return this.call<Record<string, unknown>>("question.resolve", params);
    }
    /** One file of the session's workspace, with its content (text as utf8, confined to the agent's workspace). */
    sessionsFilesGet(p: { sessionKey: string; path: string }) {
      return this.typed("sessions.files.get", p, F.SessionsFilesGetSchema);
    }
    /** The files the session read or modified, and the workspace root. */
    sessionsFilesList(p: { sessionKey: string }) {
      return this.typed("sessions.files.list", p, F.SessionsFilesListSchema);
    }
    /** The session checkout's git changes, one unified patch per file (`unavailableReason` when not a git checkout). */
    sessionsDiff(p: { sessionKey: string; scope?: "all" | "uncommitted" }) {
      return this.typed("sessions.diff", stripUndefined(p), F.SessionsDiffSchema);
    }
  }
  return OperatorRpc;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
