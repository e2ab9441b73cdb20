// What a webview posts to the host: its notifications (webview → host, unanswered) — the `ready` handshake,
// log lines and render reports — and the requests of requests.ts and chat-tool-requests.ts, as one schema the
// host checks every message with. Only the host (and the test harness standing in for it) imports this module at run time.
import * as z from "zod/mini";
import { messageUnion, notification, str, type MessageOf } from "./protocol";
import { MENTION_REQUESTS } from "./mentions";
import { CHAT_TOOL_REQUESTS } from "./chat-tool-requests";
import { REQUESTS } from "./requests";
import { SESSION_SETTINGS_REQUESTS } from "./session-settings";
import { REVIEW_REQUESTS } from "./review";
import { MESSAGE_ACTION_REQUESTS } from "./message-actions";
import { SessionKeySchema } from "./views";

/**
 * webview → host: the webview is listening; the host (re)sends its state. `sessionKey`: the session this webview
 * showed before it was hidden or restored (getState).
 */
export const Ready = notification("ready", { view: z.enum(["chat", "dashboard"]), sessionKey: z.optional(SessionKeySchema) });
/** webview → host: a line for the KrabKrab log (redacted there). */
export const Log = notification("log", { level: z.enum(["info", "warn", "error"]), message: str(4000) });
/** webview → host: what the webview drew (counts only, no content): lets the integration tests see the real DOM result. */
export const Rendered = notification("rendered", {
  view: z.enum(["chat", "dashboard", "dashboard-chat"]),
  items: z.int(),
  domRows: z.int(),
  lastText: z.optional(str(2000)),
  status: z.optional(z.string()),
  nodes: z.optional(z.int()),
  facts: z.optional(z.int()),
});

/** Every webview → host notification. */
export const WEBVIEW_NOTIFICATIONS = [Ready, Log, Rendered] as const;

/** The chat's feature requests declared in their own modules (kept out of the dashboard bundle, which has no use for them). */
export const CHAT_FEATURE_REQUESTS = [
  ...REVIEW_REQUESTS,
  ...MESSAGE_ACTION_REQUESTS,
  ...MENTION_REQUESTS,
  ...CHAT_TOOL_REQUESTS,
  ...SESSION_SETTINGS_REQUESTS,
] as const;

/** Everything a webview posts to the host. */
export const WebviewMessageSchema = messageUnion(WEBVIEW_NOTIFICATIONS, REQUESTS, CHAT_FEATURE_REQUESTS);
export type WebviewNotification = MessageOf<(typeof WEBVIEW_NOTIFICATIONS)[number]>;
export type WebviewRequest = MessageOf<(typeof REQUESTS)[number] | (typeof CHAT_FEATURE_REQUESTS)[number]>;
export type WebviewMessage = WebviewNotification | WebviewRequest;
