// Every request the webviews make of the host, one declaration each: its name, its params and its result.
// All are webview → host (the host never asks the webview anything); each gets exactly one `response`.
// A request is handled by the chat (ChatController) or the dashboard (DashboardPanel); one that the view's
// host does not handle is answered with "not available in this view".
import * as z from "zod/mini";
import { request, str } from "./protocol";
import { AnswerValuesSchema, AttachmentSchema, ContextSnippetSchema, SessionKeySchema, SessionRowViewSchema } from "./views";

/** The result of a request that only reports success. */
const Done = z.object({});

// ---- the chat ----

/** webview → host: send a message (with images and editor context) now, or queue it until the next connect. */
export const Send = request(
  "send",
  {
    text: z.string().check(z.maxLength(200_000)),
    attachments: z.optional(z.array(AttachmentSchema).check(z.maxLength(10))),
    context: z.optional(z.array(ContextSnippetSchema).check(z.maxLength(10))),
  },
  // `id`: the transcript item that shows the message.
  z.object({ id: z.string(), queued: z.boolean() }),
);
/** webview → host: stop the running reply (chat.abort). */
export const Abort = request("abort", {}, Done);
/** webview → host: read the page of history before the oldest message shown. */
export const LoadOlder = request("loadOlder", {}, Done);
/** webview → host: run “KrabKrab: Connect Local” (the banner's button). */
export const Connect = request("connect", {}, Done);
/** webview → host: the gateway's sessions (sessions.list), optionally those matching `search`. */
export const ListSessions = request("listSessions", { search: z.optional(str(200)) }, z.array(SessionRowViewSchema));
/** webview → host: show another session in this webview. */
export const SwitchSession = request("switchSession", { sessionKey: SessionKeySchema }, Done);
/** webview → host: start a new session (a fresh key) and show it. */
export const NewSession = request("newSession", {}, z.object({ sessionKey: z.string() }));
/** webview → host: open a link. Links never navigate the webview: the host uses openExternal (VS Code asks first). */
export const OpenLink = request("openLink", { href: str(8192) }, z.object({ opened: z.boolean() }));
/** webview → host: put a code block on the clipboard. */
export const CopyText = request("copyText", { text: str(2_000_000) }, Done);
/** webview → host: insert a code block at the editor's cursor(s). */
export const InsertCode = request("insertCode", { code: str(2_000_000) }, Done);
/** webview → host: open a code block in a new untitled editor. */
export const OpenCode = request("openCode", { code: str(2_000_000), language: z.optional(str(64)) }, Done);
/** webview → host: the active editor's selection or file, to attach to the next message as context. */
export const AddEditorContext = request("addEditorContext", { what: z.enum(["selection", "file"]) }, ContextSnippetSchema);
/** webview → host: answer an agent question (values per questionId). */
export const AnswerQuestion = request("answerQuestion", { id: str(512), answers: AnswerValuesSchema }, Done);
/** webview → host: skip an agent question (the agent goes on without an answer). */
export const SkipQuestion = request("skipQuestion", { id: str(512) }, Done);

// ---- the dashboard ----

/** webview → host: read everything again now (the host also posts a fresh `dashboard`). */
export const RefreshDashboard = request("refreshDashboard", {}, Done);
/** webview → host: node.describe; the result is the gateway's payload, shown as JSON. */
export const NodeDescribe = request("nodeDescribe", { nodeId: str(512) }, z.unknown());
/** webview → host: node.invoke of one of the node's advertised commands; `params` is JSON text. */
export const NodeInvoke = request("nodeInvoke", { nodeId: str(512), command: str(256), params: z.optional(str(100_000)) }, z.unknown());
/** webview → host: approve a pending node or device pairing, after the same confirmation as every Approve. */
export const PairApprove = request("pairApprove", { kind: z.enum(["node", "device"]), pairRequestId: str(512) }, z.object({ ok: z.boolean() }));

/** Every request: what the host accepts (a request not listed here is refused as an invalid message). */
export const REQUESTS = [
  Send,
  Abort,
  LoadOlder,
  Connect,
  ListSessions,
  SwitchSession,
  NewSession,
  OpenLink,
  CopyText,
  InsertCode,
  OpenCode,
  AddEditorContext,
  AnswerQuestion,
  SkipQuestion,
  RefreshDashboard,
  NodeDescribe,
  NodeInvoke,
  PairApprove,
] as const;
