// Agent questions: the gateway's `ask_user` tool parks a run until an operator answers. Plain data helpers
// (no `vscode`) shared by the extension's notification/transcript and by the real-peer test.
//
// Observed on openclaw 2026.9.6 (protocol 4), read from its dist and docs/tools/ask-user.md:
// - The agent tool is `ask_user {questions:[{id, header, question, options:[{label, description?}],
//   multiSelect?}], timeoutSeconds?}`; the gateway turns it into a question record and broadcasts
//   `question.requested` (the record) to connections holding `operator.questions` (or admin).
// - Record: `{id, questions:[{questionId, header, question, options, multiSelect?, isOther?, isSecret?}],
//   agentId?, sessionKey?, runId?, createdAtMs, expiresAtMs, status}`. A free-text "Other" answer is always
//   allowed for ask_user questions (isOther), and the gateway matches typed text against option labels.
// - `question.list {}` → `{questions: [record…]}` (pending only, oldest first): the backfill on connect.
// - `question.resolve {id, answers:{answers:{<questionId>: [value…]}}}` or `{id, cancel:true}` →
//   `{status:"answered", answers}` | `{status:"cancelled"}`; then `question.resolved {id, status, answers?}`
//   reaches every question client. Every question in a record needs an answer.
// The payload schemas below are tolerant (looseObject): only the fields we render are required.
import * as z from "zod/mini";

const QuestionOptionSchema = z.looseObject({ label: z.string(), description: z.optional(z.string()) });
export const QuestionItemSchema = z.looseObject({
  questionId: z.string(),
  header: z.optional(z.string()),
  question: z.string(),
  options: z.optional(z.array(QuestionOptionSchema)),
  multiSelect: z.optional(z.boolean()),
  isOther: z.optional(z.boolean()),
  isSecret: z.optional(z.boolean()),
});
export const QuestionRecordSchema = z.looseObject({
  id: z.string(),
  questions: z.array(QuestionItemSchema),
  agentId: z.optional(z.string()),
  sessionKey: z.optional(z.string()),
  runId: z.optional(z.string()),
  createdAtMs: z.optional(z.number()),
  expiresAtMs: z.optional(z.number()),
  status: z.optional(z.string()),
});
export type QuestionRecord = z.infer<typeof QuestionRecordSchema>;
export const QuestionListSchema = z.looseObject({ questions: z.array(QuestionRecordSchema) });
export const QuestionResolvedSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  answers: z.optional(z.looseObject({ answers: z.record(z.string(), z.array(z.string())) })),
});
export type QuestionResolved = z.infer<typeof QuestionResolvedSchema>;

/** `exec.approval.list` answers with the pending requests, as an array (or wrapped, on other versions). */
export function approvalListItems(raw: unknown): (Record<string, unknown> & { id: string })[] {
  const r = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  // The list under whichever key this release uses (older ones wrapped it).
  const list = Array.isArray(raw) ? raw : [r.approvals, r.requests, r.pending].find((v): v is unknown[] => Array.isArray(v)) ?? [];
  return list.filter((x): x is Record<string, unknown> & { id: string } => !!x && typeof x === "object" && typeof (x as Record<string, unknown>).id === "string");
}

/** The answers envelope `question.resolve` wants, from one list of values per questionId. */
export function questionAnswers(values: Record<string, string[]>): { answers: Record<string, string[]> } {
  return { answers: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.filter((s) => s.trim() !== "")])) };
}

/** Whether a question takes free text besides its options (always for ask_user; also when it has no options). */
export function acceptsFreeText(q: z.infer<typeof QuestionItemSchema>): boolean {
  return q.isOther !== false || !q.options?.length;
}
