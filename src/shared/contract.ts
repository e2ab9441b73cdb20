// The one host↔webview message contract, imported by both sides (extension host and browser bundle).
// Every message is validated on arrival with these schemas; anything that fails is dropped and logged.
// Webview-initiated calls carry a numbered `requestId` and get exactly one `response`.
import * as z from "zod/mini";

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
  phase: z.optional(z.string()),
  error: z.optional(z.string()),
  tools: z.optional(z.array(ToolCardSchema)),
  images: z.optional(z.number()),
  ts: z.optional(z.number()),
});
export type TranscriptItemView = z.infer<typeof TranscriptItemSchema>;

export const ConnectionViewSchema = z.object({
  status: z.enum(["disconnected", "connecting", "connected", "reconnecting", "paused"]),
  /** e.g. "local :18789", "ssh me@vps", "wss://gw.tailnet.ts.net" */
  target: z.optional(z.string()),
  serverVersion: z.optional(z.string()),
  issue: z.optional(z.object({ kind: z.string(), message: z.string(), nextStep: z.string() })),
});
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;

export const ChatStateSchema = z.object({
  sessionKey: z.string(),
  items: z.array(TranscriptItemSchema),
  hasMore: z.boolean(),
  activeRunId: z.nullable(z.string()),
});
export type ChatStateView = z.infer<typeof ChatStateSchema>;

/** Host → webview. */
export const HostMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("connection"), connection: ConnectionViewSchema }),
  z.object({ type: z.literal("chat"), chat: ChatStateSchema }),
  z.object({ type: z.literal("notice"), level: z.enum(["info", "warning", "error"]), message: z.string() }),
  z.object({ type: z.literal("response"), requestId: z.int(), ok: z.boolean(), result: z.optional(z.unknown()), error: z.optional(z.string()) }),
  z.object({ type: z.literal("insertText"), text: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Webview → host. Requests (with requestId) get one `response`. */
export const WebviewMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("send"), requestId: z.int(), text: z.string().check(z.minLength(1), z.maxLength(200_000)) }),
  z.object({ type: z.literal("abort"), requestId: z.int() }),
  z.object({ type: z.literal("loadOlder"), requestId: z.int() }),
  z.object({ type: z.literal("connect"), requestId: z.int() }),
  z.object({ type: z.literal("log"), level: z.enum(["info", "warn", "error"]), message: z.string().check(z.maxLength(4000)) }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

/** Parses an incoming message; returns null (and the reason) instead of throwing. */
export function parseMessage<T extends z.ZodMiniType>(schema: T, data: unknown): { ok: true; value: z.infer<T> } | { ok: false; reason: string } {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, reason: first ? `${first.path.map(String).join(".") || "(root)"}: ${first.message}` : "invalid" };
}
