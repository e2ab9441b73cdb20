// Tolerant schemas for the payloads we render. `looseObject` keeps fields we do not know, so a newer
// gateway that adds fields still works; a gateway that drops or retypes a field we need produces a
// clear "unexpected response" error instead of a blank view.
import { z } from "zod";

const num = z.number();
const optStr = z.string().optional();

export const HealthSchema = z.looseObject({
  ok: z.boolean(),
  ts: num.optional(),
  durationMs: num.optional(),
  channels: z.unknown().optional(),
  agents: z.array(z.looseObject({ agentId: optStr, id: optStr, name: optStr })).optional(),
  sessions: z.looseObject({}).optional(),
  eventLoop: z.looseObject({}).optional(),
  defaultAgentId: optStr,
});
export type Health = z.infer<typeof HealthSchema>;

export const StatusSchema = z.looseObject({});
export type Status = z.infer<typeof StatusSchema>;

export const PresenceEntrySchema = z.looseObject({
  host: optStr,
  ip: optStr,
  version: optStr,
  platform: optStr,
  mode: optStr,
  reason: optStr,
  deviceId: optStr,
  instanceId: optStr,
  text: optStr,
  ts: num.optional(),
});
export type PresenceEntry = z.infer<typeof PresenceEntrySchema>;
/** `system-presence` answers with a bare array on 2026.9.x; older builds wrapped it. Accept both. */
export const PresenceSchema = z.union([
  z.array(PresenceEntrySchema),
  z.looseObject({ presence: z.array(PresenceEntrySchema) }).transform((v) => v.presence),
  z.looseObject({ entries: z.array(PresenceEntrySchema) }).transform((v) => v.entries),
]);

export const NodeSchema = z.looseObject({
  nodeId: z.string(),
  displayName: optStr,
  platform: optStr,
  version: optStr,
  caps: z.array(z.string()).optional(),
  commands: z.array(z.string()).optional(),
  paired: z.boolean().optional(),
  connected: z.boolean().optional(),
  approvalState: optStr,
});
export type GatewayNode = z.infer<typeof NodeSchema>;
export const NodeListSchema = z.looseObject({ nodes: z.array(NodeSchema) });

export const NodeInvokeResultSchema = z.looseObject({ ok: z.boolean().optional(), nodeId: optStr, command: optStr, payload: z.unknown().optional() });

export const PairRequestSchema = z.looseObject({
  requestId: z.string(),
  deviceId: optStr,
  nodeId: optStr,
  displayName: optStr,
  platform: optStr,
  clientId: optStr,
  clientMode: optStr,
  role: optStr,
  scopes: z.array(z.string()).optional(),
  remoteIp: optStr,
  ts: num.optional(),
});
export type PairRequest = z.infer<typeof PairRequestSchema>;
export const PairListSchema = z.looseObject({ pending: z.array(PairRequestSchema), paired: z.array(z.looseObject({})) });

export const SessionRowSchema = z.looseObject({
  key: z.string(),
  kind: optStr,
  label: optStr,
  displayName: optStr,
  derivedTitle: optStr,
  updatedAt: z.union([num, z.string()]).nullable().optional(),
  model: optStr,
});
export type SessionRow = z.infer<typeof SessionRowSchema>;
export const SessionsListSchema = z.looseObject({ sessions: z.array(SessionRowSchema), hasMore: z.boolean().optional() });

export const ChatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
  timestamp: z.union([num, z.string()]).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatHistorySchema = z.looseObject({
  sessionKey: z.string().optional(),
  messages: z.array(ChatMessageSchema),
  hasMore: z.boolean().optional(),
  nextOffset: num.nullable().optional(),
  totalMessages: num.optional(),
  sessionInfo: z.looseObject({ key: optStr, hasActiveRun: z.boolean().optional(), activeRunIds: z.array(z.string()).nullable().optional() }).optional(),
  inFlightRun: z.looseObject({ runId: z.string(), text: z.string().optional() }).nullable().optional(),
});
export type ChatHistory = z.infer<typeof ChatHistorySchema>;

export const ChatSendResultSchema = z.looseObject({ runId: z.string(), status: z.string() });
export const ChatAbortResultSchema = z.looseObject({ ok: z.boolean().optional(), aborted: z.boolean().optional(), runIds: z.array(z.string()).optional() });

export const LogsTailSchema = z.looseObject({
  cursor: z.union([num, z.string()]).nullable().optional(),
  lines: z.array(z.unknown()).optional(),
  entries: z.array(z.unknown()).optional(),
});

// ---- events ----

export const ChatEventSchema = z.looseObject({
  runId: z.string(),
  sessionKey: z.string(),
  seq: num.optional(),
  state: z.string(),
  phase: optStr,
  deltaText: optStr,
  message: z.unknown().optional(),
  stopReason: optStr,
  errorMessage: optStr,
});
export type ChatEvent = z.infer<typeof ChatEventSchema>;

export const AgentEventSchema = z.looseObject({
  runId: z.string(),
  seq: num.optional(),
  stream: z.string(),
  ts: num.optional(),
  data: z.unknown().optional(),
  sessionKey: optStr,
});
export type AgentEvent = z.infer<typeof AgentEventSchema>;

export const TickEventSchema = z.looseObject({ ts: num });
export const ShutdownEventSchema = z.looseObject({ reason: optStr, restartExpectedMs: num.optional() });
export const ExecApprovalRequestedSchema = z.looseObject({ id: z.string() });
export const PairEventSchema = z.looseObject({ requestId: z.string() });

/** The plain text of a chat message (`content` is a string or a list of blocks). */
export function messageText(message: unknown): string {
  if (typeof message === "string") return message;
  const m = message && typeof message === "object" ? (message as Record<string, unknown>) : {};
  const content = m.content ?? m.text;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((b) => (b && typeof b === "object" && (b as Record<string, unknown>).type === "text" ? String((b as Record<string, unknown>).text ?? "") : ""))
      .join("");
  }
  return "";
}

/** Formats a zod error as one short line naming the first bad paths. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
