// The data the host shows in the webviews, and what the webview sends along with its requests: the shapes the
// messages in requests.ts and notifications.ts carry (the transcript is in transcript.ts). Everything here is
// checked on arrival, so the limits (lengths, counts) are the contract too.
import * as z from "zod/mini";
import { str } from "./protocol";

/** The gateway's session keys: "main", "agent:main:main", "vscode-…"; no whitespace or control characters. */
export const SessionKeySchema = z.string().check(z.minLength(1), z.maxLength(256), z.regex(/^[^\s\u0000-\u001f]+$/) /* eslint-disable-line no-control-regex -- control characters are what it refuses */);

export const ConnectionViewSchema = z.object({
  status: z.enum(["disconnected", "connecting", "connected", "reconnecting", "paused"]),
  /** e.g. "local :18789", "ssh me@vps", "wss://gw.tailnet.ts.net" */
  target: z.optional(z.string()),
  /** Which gateway (the profile's name, "default" for the default target): a view is bound to one. */
  gateway: z.optional(str(200)),
  serverVersion: z.optional(z.string()),
  issue: z.optional(z.object({ kind: z.string(), message: z.string(), nextStep: z.string() })),
});
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;

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

/** The answer to one agent question request: values per questionId (option labels and/or typed text). */
export const AnswerValuesSchema = z.record(str(512), z.array(str(20_000)).check(z.minLength(1), z.maxLength(50)));

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
  /** The custom name, when the session has one (title may be a generated one). */
  label: z.optional(z.string()),
  /** What the picker offers for this row (the gateway's methods; its main session is never deleted). */
  actions: z.optional(z.array(z.enum(["rename", "fork", "delete"]))),
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
