// The one host↔webview message contract, imported by both sides (extension host and browser bundles).
// Every message is validated on arrival with these schemas; anything that fails is dropped and logged.
// Webview-initiated calls carry a numbered `requestId` and get exactly one `response`.
// zod/mini only: the full zod build would add ~450 KB to each webview bundle.
import * as z from "zod/mini";

const str = (max: number) => z.string().check(z.maxLength(max));
const reqId = z.int().check(z.gte(1));
/** The gateway's session keys: "main", "agent:main:main", "vscode-…"; no whitespace or control characters. */
export const SessionKeySchema = z.string().check(z.minLength(1), z.maxLength(256), z.regex(/^[^\s\u0000-\u001f]+$/));

export const ToolCardSchema = z.object({
  toolCallId: z.string(),
  name: z.string(),
  args: z.optional(z.unknown()),
  result: z.optional(z.unknown()),
  isError: z.optional(z.boolean()),
  phase: z.enum(["start", "update", "result"]),
});
export type ToolCardView = z.infer<typeof ToolCardSchema>;

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

/** Changed items only (same order of ids as the last full `chat`); anything else is sent as a full `chat`. */
export const ChatPatchSchema = z.object({
  sessionKey: z.string(),
  upsert: z.array(TranscriptItemSchema),
  hasMore: z.boolean(),
  activeRunId: z.nullable(z.string()),
});
export type ChatPatchView = z.infer<typeof ChatPatchSchema>;

/** An agent question (ask_user) of this chat's session: pending ones take answers, settled ones show the outcome. */
export const QuestionViewSchema = z.object({
  id: str(512),
  runId: z.optional(str(512)),
  status: z.enum(["pending", "answered", "cancelled", "expired"]),
  items: z.array(
    z.object({
      questionId: str(512),
      header: z.optional(str(500)),
      question: str(20_000),
      options: z.array(z.object({ label: str(2000), description: z.optional(str(4000)) })).check(z.maxLength(50)),
      multiSelect: z.boolean(),
      freeText: z.boolean(),
      secret: z.boolean(),
    }),
  ).check(z.maxLength(10)),
  answers: z.optional(z.record(z.string(), z.array(z.string()))),
});
export type QuestionView = z.infer<typeof QuestionViewSchema>;

/** What an answer to one request is: values per questionId (option labels and/or typed text). */
const AnswerValuesSchema = z.record(str(512), z.array(str(20_000)).check(z.minLength(1), z.maxLength(50)));

/** `hello-ok.policy.attachments`: per-attachment decoded-size ceilings, plus the frame limit. */
export const AttachmentPolicySchema = z.object({
  maxBytes: z.optional(z.number()),
  maxImageBytes: z.optional(z.number()),
  maxPayload: z.optional(z.number()),
});
export type AttachmentPolicy = z.infer<typeof AttachmentPolicySchema>;

export const ImageMimeSchema = z.enum(["image/png", "image/jpeg", "image/gif", "image/webp"]);
export const AttachmentSchema = z.object({
  fileName: str(255),
  mimeType: ImageMimeSchema,
  /** base64 of the decoded bytes (no data: prefix). 34 MB of base64 ≈ the 25 MiB frame ceiling. */
  content: z.string().check(z.minLength(1), z.maxLength(34_000_000), z.regex(/^[A-Za-z0-9+/]+={0,2}$/)),
  sizeBytes: z.int().check(z.gte(1)),
});
export type AttachmentView = z.infer<typeof AttachmentSchema>;

export const ContextSnippetSchema = z.object({ label: str(500), text: str(200_000), language: z.optional(str(64)) });
export type ContextSnippet = z.infer<typeof ContextSnippetSchema>;

export const SessionRowViewSchema = z.object({
  key: SessionKeySchema,
  title: z.string(),
  kind: z.optional(z.string()),
  updatedAt: z.optional(z.number()),
  model: z.optional(z.string()),
});
export type SessionRowView = z.infer<typeof SessionRowViewSchema>;

/** One labelled figure of the dashboard; the host formats values (bytes, durations) into text. */
export const FactSchema = z.object({ label: z.string(), value: z.string(), tone: z.optional(z.enum(["ok", "warn", "error"])) });
export type Fact = z.infer<typeof FactSchema>;

export const NodeViewSchema = z.object({
  nodeId: z.string(),
  displayName: z.optional(z.string()),
  platform: z.optional(z.string()),
  version: z.optional(z.string()),
  state: z.enum(["connected", "offline", "pending", "unpaired"]),
  commands: z.array(z.string()),
  caps: z.array(z.string()),
});
export type NodeView = z.infer<typeof NodeViewSchema>;

export const PendingPairSchema = z.object({
  requestId: z.string(),
  kind: z.enum(["node", "device"]),
  displayName: z.optional(z.string()),
  platform: z.optional(z.string()),
  detail: z.optional(z.string()),
});

export const DashboardViewSchema = z.object({
  updatedAt: z.number(),
  gateway: z.array(FactSchema),
  channels: z.array(FactSchema),
  agents: z.array(FactSchema),
  sessions: z.array(FactSchema),
  eventLoop: z.array(FactSchema),
  memory: z.array(FactSchema),
  presence: z.array(z.object({ label: z.string(), detail: z.string(), ts: z.optional(z.number()) })),
  nodes: z.array(NodeViewSchema),
  pending: z.array(PendingPairSchema),
  /** Sections that could not be read, with why (e.g. a missing scope) — shown inline, not as a blank. */
  errors: z.array(z.object({ section: z.string(), message: z.string() })),
});
export type DashboardView = z.infer<typeof DashboardViewSchema>;

/** Host → webview. */
export const HostMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("connection"), connection: ConnectionViewSchema, policy: z.optional(AttachmentPolicySchema) }),
  z.object({ type: z.literal("chat"), chat: ChatStateSchema }),
  z.object({ type: z.literal("chatPatch"), patch: ChatPatchSchema }),
  z.object({ type: z.literal("notice"), level: z.enum(["info", "warning", "error"]), message: z.string() }),
  z.object({ type: z.literal("response"), requestId: reqId, ok: z.boolean(), result: z.optional(z.unknown()), error: z.optional(z.string()) }),
  z.object({ type: z.literal("insertText"), text: z.string() }),
  /** Editor selection or file, attached to the next message as context. */
  z.object({ type: z.literal("addContext"), context: ContextSnippetSchema }),
  z.object({ type: z.literal("dashboard"), dashboard: DashboardViewSchema }),
  z.object({ type: z.literal("focusComposer") }),
  /** Sent only when the gateway offers question.list/resolve (hello-ok.features.methods). */
  z.object({ type: z.literal("questions"), sessionKey: z.string(), questions: z.array(QuestionViewSchema).check(z.maxLength(200)) }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Webview → host. Requests (with requestId) get one `response`. */
export const WebviewMessageSchema = z.discriminatedUnion("type", [
  /** `sessionKey`: the session this webview showed before it was hidden or restored (getState). */
  z.object({ type: z.literal("ready"), view: z.enum(["chat", "dashboard"]), sessionKey: z.optional(SessionKeySchema) }),
  z.object({
    type: z.literal("send"),
    requestId: reqId,
    text: z.string().check(z.maxLength(200_000)),
    attachments: z.optional(z.array(AttachmentSchema).check(z.maxLength(10))),
    context: z.optional(z.array(ContextSnippetSchema).check(z.maxLength(10))),
  }),
  z.object({ type: z.literal("abort"), requestId: reqId }),
  z.object({ type: z.literal("loadOlder"), requestId: reqId }),
  z.object({ type: z.literal("connect"), requestId: reqId }),
  z.object({ type: z.literal("listSessions"), requestId: reqId, search: z.optional(str(200)) }),
  z.object({ type: z.literal("switchSession"), requestId: reqId, sessionKey: SessionKeySchema }),
  z.object({ type: z.literal("newSession"), requestId: reqId }),
  /** Links never navigate the webview: the host opens them with openExternal (VS Code asks first). */
  z.object({ type: z.literal("openLink"), requestId: reqId, href: str(8192) }),
  z.object({ type: z.literal("copyText"), requestId: reqId, text: str(2_000_000) }),
  z.object({ type: z.literal("insertCode"), requestId: reqId, code: str(2_000_000) }),
  z.object({ type: z.literal("openCode"), requestId: reqId, code: str(2_000_000), language: z.optional(str(64)) }),
  z.object({ type: z.literal("addEditorContext"), requestId: reqId, what: z.enum(["selection", "file"]) }),
  z.object({ type: z.literal("refreshDashboard"), requestId: reqId }),
  z.object({ type: z.literal("nodeDescribe"), requestId: reqId, nodeId: str(512) }),
  z.object({ type: z.literal("nodeInvoke"), requestId: reqId, nodeId: str(512), command: str(256), params: z.optional(str(100_000)) }),
  z.object({ type: z.literal("pairApprove"), requestId: reqId, kind: z.enum(["node", "device"]), pairRequestId: str(512) }),
  z.object({ type: z.literal("answerQuestion"), requestId: reqId, id: str(512), answers: AnswerValuesSchema }),
  z.object({ type: z.literal("skipQuestion"), requestId: reqId, id: str(512) }),
  z.object({ type: z.literal("log"), level: z.enum(["info", "warn", "error"]), message: str(4000) }),
  /** What the webview drew (counts only, no content): lets the integration tests see the real DOM result. */
  z.object({ type: z.literal("rendered"), view: z.enum(["chat", "dashboard", "dashboard-chat"]), items: z.int(), domRows: z.int(), lastText: z.optional(str(2000)), status: z.optional(z.string()), nodes: z.optional(z.int()), facts: z.optional(z.int()) }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;
export type WebviewRequest = Extract<WebviewMessage, { requestId: number }>;

/** Parses an incoming message; returns null (and the reason) instead of throwing. */
export function parseMessage<T extends z.ZodMiniType>(schema: T, data: unknown): { ok: true; value: z.infer<T> } | { ok: false; reason: string } {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, reason: first ? `${first.path.map(String).join(".") || "(root)"}: ${first.message}` : "invalid" };
}
