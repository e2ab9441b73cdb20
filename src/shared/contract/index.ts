// The one host↔webview message contract, imported by both sides (extension host and browser bundles).
// Every message is declared once — requests.ts (webview → host, answered), notifications.ts (host → webview),
// webview-messages.ts (webview → host, unanswered) — and validated on arrival with its schema; anything that
// fails is dropped and logged. Each request carries a numbered `requestId` and gets exactly one `response`,
// whose result the webview checks against the request's result schema.
// The host imports this index. The webview modules import the submodules they use directly: esbuild keeps every
// top-level schema of a module it bundles, and the webview bundles have a size budget (test/webview/bundle-size.test.ts).
// Requests of chat-only features (review.ts, mentions.ts, message-actions.ts) are declared in modules of their own for that reason:
// the dashboard bundle, which embeds the chat without them, never imports those modules.
// zod/mini only: the full zod build would add ~450 KB to each webview bundle.
export * from "./host-messages";
export * from "./mentions";
export * from "./message-actions";
export * from "./chat-tool-requests";
export * from "./notifications";
export * from "./protocol";
export * from "./requests";
export * from "./review";
export * from "./session-settings";
export * from "./transcript";
export * from "./views";
export * from "./webview-messages";
