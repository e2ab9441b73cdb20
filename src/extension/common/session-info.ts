// What the chat header, the model QuickPick, the status bar and the dashboard show of a session's model and
// settings and of the day's usage, built from the gateway's answers (src/gateway/session-settings.ts). No
// `vscode` here (unit-tested); the words the notes and tooltips use are here too.
import { modelRef, type ModelChoice, type SessionsUsage, type SessionState, type UsageStatus } from "../../gateway/session-settings";
import type { Fact, FastModeView, ModelChoiceView, SessionInfoView } from "../../shared/contract";

export function modelChoiceViews(models: readonly ModelChoice[]): ModelChoiceView[] {
  return models.slice(0, 500).map((m) => ({
    ref: modelRef(m) ?? m.id,
    name: (m.name ?? m.alias ?? m.id).slice(0, 500),
    provider: m.provider.slice(0, 200),
    contextWindow: m.contextWindow,
    thinkingLevels: (m.thinkingLevels ?? []).map((l) => l.id.slice(0, 64)).slice(0, 20),
    isDefault: m.tags?.includes("default") || undefined,
    unavailable: m.available === false ? (m.unavailableReason ?? "unavailable").slice(0, 200) : undefined,
  }));
}

function fastView(v: unknown): FastModeView | undefined {
  return v === true ? "on" : v === false ? "off" : v === "auto" ? "auto" : undefined;
}

/**
 * The header's view of a session: its row when the gateway has one (null: not created yet, so the defaults
 * apply) and the model list (names, context windows, thinking levels).
 */
export function sessionInfoView(
  sessionKey: string,
  row: SessionState | null,
  models: readonly ModelChoiceView[],
  support: { models: boolean; compact: boolean },
): SessionInfoView {
  const ref = row ? modelRef(row) : models.find((m) => m.isDefault)?.ref;
  const choice = models.find((m) => m.ref === ref);
  const r = (row ?? {}) as Record<string, unknown>;
  // The session's own override only: "Default" in the picker means none (effectiveFastMode is what applies).
  const fastMode = fastView(row?.fastMode) ?? (r.effectiveFastModeSource === "session" ? fastView(row?.effectiveFastMode) : undefined);
  const used = row?.totalTokens ?? undefined;
  return {
    sessionKey: sessionKey.slice(0, 256),
    model: ref?.slice(0, 600),
    modelName: (choice?.name ?? row?.model)?.slice(0, 500),
    thinkingLevel: (row?.thinkingLevel ?? row?.thinkingDefault)?.slice(0, 64),
    thinkingLevels: (row?.thinkingLevels?.map((l) => l.id) ?? choice?.thinkingLevels ?? []).map((l) => l.slice(0, 64)).slice(0, 20),
    fastMode,
    usedTokens: used !== undefined && used > 0 ? used : undefined,
    contextWindow: row?.contextTokens ?? choice?.contextWindow ?? undefined,
    fresh: row?.totalTokensFresh,
    canPick: support.models,
    canCompact: support.compact,
  };
}

/** Markdown punctuation escaped: a model name is shown as written, never as a link or emphasis. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, "\\$&");
}

export type SettingsChange = { model: string } | { thinkingLevel: string } | { fastMode: FastModeView | "default" };

/** The transcript's note for a change (markdown, names escaped). */
export function changeNote(change: SettingsChange, before: SessionInfoView | null, models: readonly ModelChoiceView[]): string {
  if ("model" in change) {
    const name = (ref: string | undefined) => models.find((m) => m.ref === ref)?.name ?? ref ?? "the default model";
    const to = `**${escapeMarkdown(name(change.model))}** (${escapeMarkdown(change.model)})`;
    const from = before?.model && before.model !== change.model ? ` (was ${escapeMarkdown(name(before.model))})` : "";
    return `Model changed to ${to}${from}: it answers from the next message.`;
  }
  if ("thinkingLevel" in change) return `Thinking level set to **${escapeMarkdown(change.thinkingLevel)}**.`;
  return change.fastMode === "default" ? "Fast mode set back to the default." : `Fast mode **${change.fastMode}**.`;
}

function money(usd: number): string {
  return usd === 0 ? "$0" : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** Today's usage: tokens, estimated cost, messages (sessions.usage) and the providers' plan windows (usage.status). */
export interface UsageToday {
  tokens?: number;
  costUsd?: number;
  messages?: number;
  /** The gateway was still reading its usage files: the figures may grow. */
  refreshing?: boolean;
  providers: { label: string; value: string }[];
}

export function usageToday(usage: SessionsUsage | undefined, status: UsageStatus | undefined): UsageToday {
  const providers = (status?.providers ?? []).slice(0, 20).flatMap((p) => {
    const label = `${p.displayName ?? p.provider ?? "provider"}${p.plan ? ` (${p.plan})` : ""}`;
    const windows = (p.windows ?? []).filter((w) => typeof w.usedPercent === "number").map((w) => `${w.label ?? "window"} ${Math.max(0, Math.min(100, Math.round(100 - w.usedPercent!)))}% left`);
    const value = p.error ?? (windows.length ? windows.join(" · ") : p.summary?.trim());
    return value ? [{ label: label.slice(0, 200), value: value.slice(0, 300) }] : [];
  });
  return {
    tokens: usage?.totals?.totalTokens,
    costUsd: usage?.totals?.totalCost,
    messages: usage?.aggregates?.messages?.total,
    refreshing: usage?.cacheStatus?.status === "refreshing" || undefined,
    providers,
  };
}

/** The figures as dashboard facts (in its Sessions card). */
export function usageFacts(u: UsageToday): Fact[] {
  const facts: Fact[] = [];
  const approx = u.refreshing ? " (counting…)" : "";
  if (u.tokens !== undefined) facts.push({ label: "tokens today", value: `${u.tokens.toLocaleString("en-US")}${approx}` });
  if (u.costUsd !== undefined) facts.push({ label: "cost today", value: `${money(u.costUsd)}${approx}` });
  if (u.messages !== undefined) facts.push({ label: "messages today", value: String(u.messages) });
  for (const p of u.providers) facts.push({ label: p.label, value: p.value });
  return facts;
}

/** One markdown paragraph for the status bar's tooltip (gateway text escaped). */
export function usageTooltip(u: UsageToday): string | undefined {
  const parts: string[] = [];
  if (u.tokens !== undefined) parts.push(`${u.tokens.toLocaleString("en-US")} tokens`);
  if (u.costUsd !== undefined) parts.push(`≈ ${money(u.costUsd)}`);
  if (u.messages !== undefined) parts.push(`${u.messages} messages`);
  const lines = parts.length ? [`Today: ${parts.join(" · ")}${u.refreshing ? " (still counting)" : ""}`] : [];
  for (const p of u.providers) lines.push(`${escapeMarkdown(p.label)}: ${escapeMarkdown(p.value)}`);
  return lines.length ? lines.join("\n\n") : undefined;
}
