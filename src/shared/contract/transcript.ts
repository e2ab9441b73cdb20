// The transcript as the UI shows it: one type, used by the gateway's ChatSession (which builds it) and by the
// webview (which renders it), and the schema the host and webview check it with. Every object schema drops keys
// it does not declare, so a field added to the type only would vanish on its way to the webview without a word:
// the Expect<Equal<…>> lines below make that (or a field added to the schema only) a compile error instead.
import * as z from "zod/mini";
import type { Equal, Expect } from "./protocol";

export type ItemStatus = "queued" | "sending" | "sent" | "streaming" | "final" | "aborted" | "error" | "interrupted";

export interface ToolCard {
  toolCallId: string;
  name: string;
  args?: unknown;
  result?: unknown;
  isError?: boolean;
  phase: "start" | "update" | "result";
}

export interface TranscriptItem {
  /** Stable across updates; the UI keys rows by it. */
  id: string;
  role: "user" | "assistant" | "tool" | "system";
  text: string;
  thinking?: string;
  status?: ItemStatus;
  runId?: string;
  idempotencyKey?: string;
  /** The gateway's transcript entry id of a stored message (history rows): what sessions.fork names a message by. */
  entryId?: string;
  phase?: string;
  error?: string;
  tools?: ToolCard[];
  /** How many images went with a user message (the images themselves stay with the gateway). */
  images?: number;
  ts?: number;
}

export const ToolCardSchema = z.object({
  toolCallId: z.string(),
  name: z.string(),
  args: z.optional(z.unknown()),
  result: z.optional(z.unknown()),
  isError: z.optional(z.boolean()),
  phase: z.enum(["start", "update", "result"]),
});

export const TranscriptItemSchema = z.object({
  id: z.string(),
  role: z.enum(["user", "assistant", "tool", "system"]),
  text: z.string(),
  thinking: z.optional(z.string()),
  status: z.optional(z.enum(["queued", "sending", "sent", "streaming", "final", "aborted", "error", "interrupted"])),
  runId: z.optional(z.string()),
  idempotencyKey: z.optional(z.string()),
  entryId: z.optional(z.string()),
  phase: z.optional(z.string()),
  error: z.optional(z.string()),
  tools: z.optional(z.array(ToolCardSchema)),
  images: z.optional(z.number()),
  ts: z.optional(z.number()),
});

// The schemas and the types above must not drift (see the header).
export type ToolCardSchemaMatchesType = Expect<Equal<z.infer<typeof ToolCardSchema>, ToolCard>>;
export type TranscriptItemSchemaMatchesType = Expect<Equal<z.infer<typeof TranscriptItemSchema>, TranscriptItem>>;

/** A whole transcript (a session switch, a history re-sync, load older). */
export const ChatStateSchema = z.object({
  sessionKey: z.string(),
  items: z.array(TranscriptItemSchema),
  hasMore: z.boolean(),
  activeRunId: z.nullable(z.string()),
});
export type ChatStateView = z.infer<typeof ChatStateSchema>;

/** Changed items only (same order of ids as the last full `chat`); anything else is sent as a full `chat`. */
export const ChatPatchSchema = z.object({
  sessionKey: z.string(),
  upsert: z.array(TranscriptItemSchema),
  hasMore: z.boolean(),
  activeRunId: z.nullable(z.string()),
});
export type ChatPatchView = z.infer<typeof ChatPatchSchema>;
