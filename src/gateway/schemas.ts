// Tolerant schemas for the payloads we render. `looseObject` keeps fields we do not know, so a newer
// gateway that adds fields still works; a gateway that drops or retypes a field we need produces a
// clear "unexpected response" error instead of a blank view.
import * as z from "zod/mini";
import { asText } from "../shared/base/loose-read";

const num = z.number();
const optStr = z.optional(z.string());

export const HealthSchema = z.looseObject({
  ok: z.boolean(),
  ts: z.optional(num),
  durationMs: z.optional(num),
  channels: z.optional(z.unknown()),
  agents: z.optional(z.array(z.looseObject({ agentId: optStr, id: optStr, name: optStr }))),
  sessions: z.optional(z.looseObject({})),
  eventLoop: z.optional(z.looseObject({})),
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
  ts: z.optional(num),
});
export type PresenceEntry = z.infer<typeof PresenceEntrySchema>;
/** `system-presence` answers with a bare array on 2026.9.x; older builds wrapped it. Accept both. */
export const PresenceSchema = z.union([
  z.array(PresenceEntrySchema),
  z.pipe(z.looseObject({ presence: z.array(PresenceEntrySchema) }), z.transform((v) => v.presence)),
  z.pipe(z.looseObject({ entries: z.array(PresenceEntrySchema) }), z.transform((v) => v.entries)),
]);

export const NodeSchema = z.looseObject({
  nodeId: z.string(),
  displayName: optStr,
  platform: optStr,
  version: optStr,
  caps: z.optional(z.array(z.string())),
  commands: z.optional(z.array(z.string())),
  paired: z.optional(z.boolean()),
  connected: z.optional(z.boolean()),
  /** "approved" | "pending-approval" (a live node whose command surface waits for node.pair.approve). */
  approvalState: optStr,
  pendingRequestId: optStr,
  pendingDeclaredCommands: z.optional(z.array(z.string())),
});
export type GatewayNode = z.infer<typeof NodeSchema>;
export const NodeListSchema = z.looseObject({ nodes: z.array(NodeSchema) });

export const NodeInvokeResultSchema = z.looseObject({ ok: z.optional(z.boolean()), nodeId: optStr, command: optStr, payload: z.optional(z.unknown()) });

export const PairRequestSchema = z.looseObject({
  requestId: z.string(),
  deviceId: optStr,
  nodeId: optStr,
  displayName: optStr,
  platform: optStr,
  clientId: optStr,
  clientMode: optStr,
  role: optStr,
  scopes: z.optional(z.array(z.string())),
  remoteIp: optStr,
  version: optStr,
  caps: z.optional(z.array(z.string())),
  commands: z.optional(z.array(z.string())),
  requiredApproveScopes: z.optional(z.array(z.string())),
  ts: z.optional(num),
});
export type PairRequest = z.infer<typeof PairRequestSchema>;
export const PairListSchema = z.looseObject({ pending: z.array(PairRequestSchema), paired: z.array(z.looseObject({})) });

export const SessionRowSchema = z.looseObject({
  key: z.string(),
  kind: optStr,
  label: optStr,
  displayName: optStr,
  derivedTitle: optStr,
  updatedAt: z.optional(z.nullable(z.union([num, z.string()]))),
  model: optStr,
});
export type SessionRow = z.infer<typeof SessionRowSchema>;
export const SessionsListSchema = z.looseObject({ sessions: z.array(SessionRowSchema), hasMore: z.optional(z.boolean()) });

export const ChatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.optional(z.unknown()),
  timestamp: z.optional(z.union([num, z.string()])),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatHistorySchema = z.looseObject({
  sessionKey: z.optional(z.string()),
  messages: z.array(ChatMessageSchema),
  hasMore: z.optional(z.boolean()),
  nextOffset: z.optional(z.nullable(num)),
  totalMessages: z.optional(num),
  sessionInfo: z.optional(z.looseObject({ key: optStr, hasActiveRun: z.optional(z.boolean()), activeRunIds: z.optional(z.nullable(z.array(z.string()))) })),
  inFlightRun: z.optional(z.nullable(z.looseObject({ runId: z.string(), text: z.optional(z.string()) }))),
});
export type ChatHistory = z.infer<typeof ChatHistorySchema>;

export const ChatSendResultSchema = z.looseObject({ runId: z.string(), status: z.string() });
export const ChatAbortResultSchema = z.looseObject({ ok: z.optional(z.boolean()), aborted: z.optional(z.boolean()), runIds: z.optional(z.array(z.string())) });

export const LogsTailSchema = z.looseObject({
  cursor: z.optional(z.nullable(z.union([num, z.string()]))),
  lines: z.optional(z.array(z.unknown())),
  entries: z.optional(z.array(z.unknown())),
});

// ---- events ----

export const ChatEventSchema = z.looseObject({
  runId: z.string(),
  sessionKey: z.string(),
  seq: z.optional(num),
  state: z.string(),
  phase: optStr,
  deltaText: optStr,
  message: z.optional(z.unknown()),
  stopReason: optStr,
  errorMessage: optStr,
});
export type ChatEvent = z.infer<typeof ChatEventSchema>;

export const AgentEventSchema = z.looseObject({
  runId: z.string(),
  seq: z.optional(num),
  stream: z.string(),
  ts: z.optional(num),
  data: z.optional(z.unknown()),
  sessionKey: optStr,
});
export type AgentEvent = z.infer<typeof AgentEventSchema>;

export const TickEventSchema = z.looseObject({ ts: num });
export const ShutdownEventSchema = z.looseObject({ reason: optStr, restartExpectedMs: z.optional(num) });
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
      .map((b) => (b && typeof b === "object" && (b as Record<string, unknown>).type === "text" ? asText((b as Record<string, unknown>).text) : ""))
      .join("");
  }
  return "";
}

/** Formats a zod error as one short line naming the first bad paths. */
export function describeZodError(err: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
