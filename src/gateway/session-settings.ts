// A session's model, thinking level, fast mode and context use, as the gateway reports them, and the day's usage.
// Tolerant schemas for the answers of models.list, sessions.describe / sessions.list rows, sessions.patch,
// sessions.compact, sessions.usage and usage.status (fields observed on openclaw 2026.9.6; everything optional
// beyond what we need, so an older or newer gateway shows less instead of failing), and the reads built on them.
import * as z from "zod/mini";
import type { OperatorClient } from "./client";

const optStr = z.optional(z.string());
const optNum = z.optional(z.number());
const Level = z.looseObject({ id: z.string(), label: optStr });
/** `true` / `false` / `"auto"` (a model or session setting); `null` = inherit. */
const FastSchema = z.optional(z.nullable(z.union([z.boolean(), z.string()])));

export const ModelChoiceSchema = z.looseObject({
  id: z.string(),
  name: optStr,
  provider: z.string(),
  alias: optStr,
  tags: z.optional(z.array(z.string())),
  available: z.optional(z.boolean()),
  unavailableReason: optStr,
  contextWindow: optNum,
  reasoning: z.optional(z.boolean()),
  thinkingLevels: z.optional(z.array(Level)),
  thinkingDefault: optStr,
  effectiveFastMode: FastSchema,
});
export type ModelChoice = z.infer<typeof ModelChoiceSchema>;
export const ModelsListSchema = z.looseObject({ models: z.array(ModelChoiceSchema) });

/** The fields of a session row (sessions.describe, sessions.list, sessions.changed) this extension shows. */
export const SessionStateSchema = z.looseObject({
  key: z.string(),
  model: optStr,
  modelProvider: optStr,
  thinkingLevel: optStr,
  thinkingLevels: z.optional(z.array(Level)),
  thinkingDefault: optStr,
  fastMode: FastSchema,
  effectiveFastMode: FastSchema,
  /** Tokens of the context as last sent to the model (what a compaction shrinks). */
  totalTokens: z.optional(z.nullable(z.number())),
  /** false: the figure predates the last change (a compaction, a model switch) and is approximate. */
  totalTokensFresh: z.optional(z.boolean()),
  /** The context window of the session's current model. */
  contextTokens: z.optional(z.nullable(z.number())),
  inputTokens: z.optional(z.nullable(z.number())),
  outputTokens: z.optional(z.nullable(z.number())),
  estimatedCostUsd: z.optional(z.nullable(z.number())),
});
export type SessionState = z.infer<typeof SessionStateSchema>;
/** `session: null` for a key the gateway has no session for yet (a fresh "vscode-…" key before its first message). */
export const SettingsDescribeSchema = z.looseObject({ session: z.optional(z.nullable(SessionStateSchema)) });
const SessionsListRowsSchema = z.looseObject({ sessions: z.array(SessionStateSchema) });

export const SettingsPatchResultSchema = z.looseObject({
  ok: z.optional(z.boolean()),
  key: optStr,
  resolved: z.optional(z.looseObject({ model: optStr, modelProvider: optStr, thinkingLevel: optStr })),
});
/** `compacted: false` comes with the gateway's reason ("no transcript", "no sessionId", …). */
export const SessionsCompactResultSchema = z.looseObject({
  ok: z.optional(z.boolean()),
  compacted: z.optional(z.boolean()),
  reason: optStr,
  result: z.optional(z.looseObject({ tokensBefore: optNum })),
});
export type SessionsCompactResult = z.infer<typeof SessionsCompactResultSchema>;

const UsageTotals = z.looseObject({ totalTokens: optNum, totalCost: optNum, input: optNum, output: optNum, missingCostEntries: optNum });
/**
 * sessions.usage's answer; usage.cost {days} answers with the same `totals` and `cacheStatus` (and `daily[]`,
 * no message counts). 2026.9.6 advertises usage.cost but not sessions.usage (which answers all the same).
 */
export const SessionsUsageSchema = z.looseObject({
  totals: z.optional(UsageTotals),
  aggregates: z.optional(z.looseObject({ messages: z.optional(z.looseObject({ total: optNum })) })),
  /** "refreshing" on a cold cache: the totals may still grow. */
  cacheStatus: z.optional(z.looseObject({ status: optStr })),
});
export type SessionsUsage = z.infer<typeof SessionsUsageSchema>;
export const UsageStatusSchema = z.looseObject({
  providers: z.optional(
    z.array(
      z.looseObject({
        provider: optStr,
        displayName: optStr,
        plan: optStr,
        summary: optStr,
        error: optStr,
        windows: z.optional(z.array(z.looseObject({ label: optStr, usedPercent: optNum, resetAt: optNum }))),
      }),
    ),
  ),
});
export type UsageStatus = z.infer<typeof UsageStatusSchema>;

/** What sessions.patch takes for these settings; `null` clears an override (back to the agent's default). */
export interface SessionSettingsPatch {
  key: string;
  model?: string | null;
  thinkingLevel?: string | null;
  fastMode?: boolean | "auto" | null;
}

/** "provider/id": how sessions.patch names a model (a bare id may be ambiguous across providers). */
export function modelRef(m: { provider?: string; id?: string; model?: string; modelProvider?: string }): string | undefined {
  const id = m.id ?? m.model;
  const provider = m.provider ?? m.modelProvider;
  if (!id) return undefined;
  return provider && !id.startsWith(`${provider}/`) ? `${provider}/${id}` : id;
}

/** Which of these features the gateway offers (hello-ok.features.methods). */
export function sessionSettingsSupport(methods: readonly string[] | undefined): { models: boolean; read: boolean; compact: boolean; usage: boolean } {
  const has = (m: string) => methods?.includes(m) === true;
  return {
    models: has("models.list") && has("sessions.patch"),
    read: has("sessions.describe") || has("sessions.list"),
    compact: has("sessions.compact"),
    usage: has("sessions.usage") || has("usage.cost") || has("usage.status"),
  };
}

/**
 * The session's row: sessions.describe where offered, else the sessions.list row with that key (searched by
 * it). null: the gateway has no session under that key yet.
 */
export async function readSessionState(client: OperatorClient, key: string): Promise<SessionState | null> {
  if (client.hello?.methods.includes("sessions.describe")) return (await client.sessionsDescribe(key)).session ?? null;
  const r = SessionsListRowsSchema.safeParse(await client.call("sessions.list", { search: key, limit: 20 }));
  if (!r.success) return null;
  const short = (k: string) => k.replace(/^agent:[^:]+:/, "");
  return r.data.sessions.find((s) => s.key === key || short(s.key) === short(key)) ?? null;
}

/** "YYYY-MM-DD" of `now` in local time: sessions.usage's day. */
export function localDate(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}
