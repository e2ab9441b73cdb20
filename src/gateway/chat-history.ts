// Turning `chat.history` rows into transcript items (user/assistant text, tool calls with their results),
// and the user's own words back out of the gateway's stored form. Pure functions, shared by ChatSession.
import { readSessionMessageIdentity } from "@openclaw/gateway-client";
import { asText } from "../shared/base/loose-read";
import type { ToolCard, TranscriptItem } from "../shared/contract/transcript";
import { messageText } from "./schemas";
import { FILE_TOOLS } from "./changes/tool-edits";

/** Turns `chat.history` rows into transcript items: user/assistant text, tool calls with their results. */
export function projectHistory(messages: readonly { role: string; content?: unknown }[]): TranscriptItem[] {
  const out: TranscriptItem[] = [];
  const toolById = new Map<string, ToolCard>();
  messages.forEach((m, index) => {
    const ident = readSessionMessageIdentity(m);
    const id = `h:${ident?.id ?? index}:${index}`;
    const ts = timestampOf((m as { timestamp?: unknown }).timestamp);
    const blocks = Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : [];
    if (m.role === "user") {
      out.push({ id, role: "user", text: stripInboundEnvelope(messageText(m)), status: "sent", idempotencyKey: ident?.idempotencyKey ?? ident?.sendId ?? undefined, entryId: ident?.id ?? undefined, runId: ident?.runId ?? undefined, images: blocks.filter((b) => b?.type === "image").length || undefined, ts });
    } else if (m.role === "assistant") {
      const tools: ToolCard[] = [];
      for (const b of blocks) {
        if (b?.type === "toolCall" || b?.type === "tool_use") {
          const card: ToolCard = { toolCallId: asText(b.id ?? b.toolCallId, `${index}`), name: asText(b.name, "tool"), args: b.arguments ?? b.args ?? b.input, phase: "start" };
          tools.push(card);
          toolById.set(card.toolCallId, card);
        }
      }
      const thinking = blocks.filter((b) => b?.type === "thinking").map((b) => asText(b.thinking ?? b.text)).join("\n");
      const text = messageText(m);
      const stop = (m as Record<string, unknown>).stopReason;
      const errorMessage = (m as Record<string, unknown>).errorMessage;
      out.push({ id, role: "assistant", text, thinking: thinking || undefined, status: stop === "aborted" ? "aborted" : errorMessage ? "error" : "final", error: typeof errorMessage === "string" ? errorMessage : undefined, runId: ident?.runId ?? undefined, tools: tools.length ? tools : undefined, ts });
    } else if (m.role === "system") {
      // The gateway's own transcript entries (e.g. "Compaction" after sessions.compact).
      const text = messageText(m);
      if (text) out.push({ id, role: "system", text, status: "final", ts });
    } else if (m.role === "toolResult" || m.role === "tool") {
      const r = m as Record<string, unknown>;
      const callId = asText(r.toolCallId ?? r.tool_call_id);
      const card = toolById.get(callId);
      const result = typeof m.content === "string" ? m.content : messageText(m) || m.content;
      if (card) {
        // A file tool's `details` (created, changed, firstChangedLine) tell the review what the call did: kept,
        // in the shape of a live result ({content, details}).
        card.result = FILE_TOOLS.has(card.name) && r.details && typeof r.details === "object" ? { content: result, details: r.details } : result;
        card.phase = "result";
        card.isError = r.isError === true;
      } else {
        out.push({ id, role: "tool", text: typeof result === "string" ? result : JSON.stringify(result), tools: [{ toolCallId: callId, name: asText(r.toolName, "tool"), result, isError: r.isError === true, phase: "result" }] });
      }
    }
  });
  return out;
}

function timestampOf(v: unknown): number | undefined {
  const t = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Puts local notes (items the extension adds, e.g. "model changed", which the gateway's history does not
 * hold) back among history items after a re-read: each before the first item stamped later than it.
 */
export function mergeNotes(items: TranscriptItem[], notes: readonly TranscriptItem[]): TranscriptItem[] {
  if (!notes.length) return items;
  const out = [...items];
  for (const n of [...notes].sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0))) {
    if (out.includes(n)) continue;
    const at = out.findIndex((i) => i.ts !== undefined && i.ts > (n.ts ?? 0) && !notes.includes(i));
    if (at < 0) out.push(n);
    else out.splice(at, 0, n);
  }
  return out;
}

/**
 * The gateway stores the user turn as the model saw it, with a timestamp envelope in front
 * ("[Wed 2026-11-25 22:05 UTC] hello"). Show the user what they typed.
 */
export function stripInboundEnvelope(text: string): string {
  return text.replace(/^\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?(?: [A-Z]{2,5}|[+-]\d{2}:?\d{2})?\]\s*/, "");
}
