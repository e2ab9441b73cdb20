// Everything the host posts to a webview: one declaration per notification (host → webview, unanswered) — the
// state the webview renders (connection, transcript, questions, dashboard) and user intents from VS Code (add
// context, focus the composer) — and the `response` that answers each request of requests.ts.
// What the webview posts is in webview-messages.ts (the webview bundles leave that module out: only the host checks it).
import * as z from "zod/mini";
import { messageUnion, notification, RequestIdSchema, type MessageOf } from "./protocol";
import { ChatPatchSchema, ChatStateSchema } from "./transcript";
import { AttachmentPolicySchema, ConnectionViewSchema, ContextSnippetSchema, DashboardViewSchema, QuestionViewSchema } from "./views";

/**
 * host → webview: the connection's state, the gateway's attachment limits while connected, and which actions on
 * a transcript message this connection offers ("fork": sessions.fork, message-actions.ts).
 */
export const ConnectionChanged = notification("connection", {
  connection: ConnectionViewSchema,
  policy: z.optional(AttachmentPolicySchema),
  messageActions: z.optional(z.array(z.enum(["fork"])).check(z.maxLength(8))),
});
/** host → webview: the whole transcript of the session shown. */
export const ChatChanged = notification("chat", { chat: ChatStateSchema });
/** host → webview: the transcript items that changed since the last `chat` or `chatPatch`. */
export const ChatPatched = notification("chatPatch", { patch: ChatPatchSchema });
/** host → webview: a message for the error bar. */
export const Notice = notification("notice", { level: z.enum(["info", "warning", "error"]), message: z.string() });
/** host → webview: text to put at the composer's cursor. */
export const InsertText = notification("insertText", { text: z.string() });
/** host → webview: editor selection or file, attached to the next message as context. */
export const AddContext = notification("addContext", { context: ContextSnippetSchema });
/** host → webview: a fresh dashboard (on gateway events, on reconnect, on Refresh). */
export const DashboardChanged = notification("dashboard", { dashboard: DashboardViewSchema });
/** host → webview: put the keyboard in the composer (after “New session”). */
export const FocusComposer = notification("focusComposer", {});
/** host → webview: this session's agent questions; sent only when the gateway offers question.list/resolve (hello-ok.features.methods). */
export const QuestionsChanged = notification("questions", { sessionKey: z.string(), questions: z.array(QuestionViewSchema).check(z.maxLength(200)) });

/** Every host → webview notification. */
export const HOST_NOTIFICATIONS = [
  ConnectionChanged,
  ChatChanged,
  ChatPatched,
  Notice,
  InsertText,
  AddContext,
  DashboardChanged,
  FocusComposer,
  QuestionsChanged,
] as const;

/** host → webview: the answer to request `requestId` — its result, or why it failed (text for the user). */
export const ResponseSchema = z.object({ type: z.literal("response"), requestId: RequestIdSchema, ok: z.boolean(), result: z.optional(z.unknown()), error: z.optional(z.string()) });
export type ResponseMessage = z.infer<typeof ResponseSchema>;

/** Everything the host posts to a webview. */
export const HostMessageSchema = messageUnion(HOST_NOTIFICATIONS, [{ message: ResponseSchema }]);
export type HostNotification = MessageOf<(typeof HOST_NOTIFICATIONS)[number]>;
export type HostMessage = HostNotification | ResponseMessage;
