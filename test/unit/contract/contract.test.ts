// The host↔webview contract (what is accepted and refused), the dashboard model built from gateway-shaped
// payloads, and how editor context is put into a message.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { composeMessage } from "../../../src/extension/common/compose-message";
import { buildDashboard, formatDuration } from "../../../src/extension/common/dashboard-model";
import { contentSecurityPolicy, renderShell } from "../../../src/extension/common/webview-shell";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { DeleteSession, HostMessageSchema, ListCommands, ListSessions, parseMessage, Send, WebviewMessageSchema, type Equal, type Expect, type ParamsOf, type ResultOf } from "../../../src/shared/contract";
import * as ChatToolRequests from "../../../src/shared/contract/chat-tool-requests";
import * as Notifications from "../../../src/shared/contract/notifications";
import * as Requests from "../../../src/shared/contract/requests";
import * as WebviewMessages from "../../../src/shared/contract/webview-messages";
import * as Mentions from "../../../src/shared/contract/mentions";
import * as Review from "../../../src/shared/contract/review";
import * as MessageActions from "../../../src/shared/contract/message-actions";
import * as Settings from "../../../src/shared/contract/session-settings";

test("webview requests: valid ones parse; bad ids, keys, attachments and unknown types are refused", () => {
  const ok = (m: unknown) => parseMessage(WebviewMessageSchema, m).ok;
  assert.equal(ok({ type: "send", requestId: 1, text: "hi" }), true);
  assert.equal(ok({ type: "switchSession", requestId: 2, sessionKey: "agent:main:main" }), true);
  assert.equal(ok({ type: "send", requestId: 3, text: "x", attachments: [{ fileName: "a.png", mimeType: "image/png", content: "iVBORw0KGgo=", sizeBytes: 8 }] }), true);
  assert.equal(ok({ type: "send", requestId: 0, text: "hi" }), false, "request ids start at 1");
  assert.equal(ok({ type: "send", requestId: "1", text: "hi" }), false);
  assert.equal(ok({ type: "send", requestId: 1.5, text: "hi" }), false);
  assert.equal(ok({ type: "send", requestId: 1, text: "x".repeat(200_001) }), false);
  assert.equal(ok({ type: "switchSession", requestId: 2, sessionKey: "has space" }), false);
  assert.equal(ok({ type: "switchSession", requestId: 2, sessionKey: "" }), false);
  assert.equal(ok({ type: "send", requestId: 3, text: "x", attachments: [{ fileName: "a.svg", mimeType: "image/svg+xml", content: "PHN2Zz4=", sizeBytes: 5 }] }), false, "SVG is not an accepted image type");
  assert.equal(ok({ type: "send", requestId: 3, text: "x", attachments: [{ fileName: "a.png", mimeType: "image/png", content: "not base64!", sizeBytes: 5 }] }), false);
  assert.equal(ok({ type: "runCommand", requestId: 4, command: "workbench.action.terminal.new" }), false);
  assert.equal(ok({ type: "nodeInvoke", requestId: 5, nodeId: "n", command: "system.run" }), true);
  // The chat tools' requests (chat-tool-requests.ts) are accepted the same way, and bounded the same way.
  assert.equal(ok({ type: "listCommands", requestId: 6 }), true);
  assert.equal(ok({ type: "renameSession", requestId: 7, sessionKey: "agent:main:x", label: "" }), true);
  assert.equal(ok({ type: "renameSession", requestId: 7, sessionKey: "agent:main:x", label: "x".repeat(513) }), false);
  assert.equal(ok({ type: "deleteSession", requestId: 8, sessionKey: "has space" }), false);
  assert.equal(ok({ type: "forkSession", requestId: 9, sessionKey: "agent:main:x" }), true);
  // Fork from here (message-actions.ts): a message named by entry id or idempotency key, bounded.
  assert.equal(ok({ type: "forkAtMessage", requestId: 10, sessionKey: "agent:main:x", entryId: "e1" }), true);
  assert.equal(ok({ type: "forkAtMessage", requestId: 10, sessionKey: "agent:main:x", idempotencyKey: "k".repeat(513) }), false);
  assert.equal(ok({ type: "forkAtMessage", requestId: 10, sessionKey: "has space", entryId: "e1" }), false);
  assert.equal(ok({ type: "ready", view: "chat" }), true);
  assert.equal(ok({ type: "ready", view: "other" }), false);
  assert.equal(ok(null), false);
  assert.equal(ok({ type: "reviewChanges", requestId: 6, toolCallId: "call1" }), true);
  assert.equal(ok({ type: "reviewChanges", requestId: 6, toolCallId: "x".repeat(513) }), false);
  assert.equal(ok({ type: "mentionSearch", requestId: 7, query: "src/a.ts#L1-2" }), true);
  assert.equal(ok({ type: "mentionResolve", requestId: 8, ref: "file:///w/a.ts", range: { start: 1, end: 2 } }), true);
  assert.equal(ok({ type: "mentionResolve", requestId: 8, ref: "file:///w/a.ts", range: { start: 0, end: 2 } }), false, "lines count from 1");
});

test("every declared message is in its direction's list, once; names are unique on the wire", () => {
  const declared = (mod: Record<string, unknown>) => Object.values(mod).filter((v): v is { method: string } => !!v && typeof v === "object" && "method" in v && "message" in v);
  const methods = (list: readonly { method: string }[]) => list.map((d) => d.method).sort();
  assert.deepEqual(methods(Requests.REQUESTS), methods(declared(Requests)));
  assert.deepEqual(methods(ChatToolRequests.CHAT_TOOL_REQUESTS), methods(declared(ChatToolRequests)));
  assert.deepEqual(methods(Notifications.HOST_NOTIFICATIONS), methods(declared(Notifications)));
  assert.deepEqual(methods(WebviewMessages.WEBVIEW_NOTIFICATIONS), methods(declared(WebviewMessages)));
  // The chat-only features' own modules (kept out of the dashboard bundle), all in the host's union.
  assert.deepEqual(methods(Review.REVIEW_REQUESTS), methods(declared(Review)));
  assert.deepEqual(methods(Mentions.MENTION_REQUESTS), methods(declared(Mentions)));
  assert.deepEqual(methods(MessageActions.MESSAGE_ACTION_REQUESTS), methods(declared(MessageActions)));
  assert.deepEqual(methods(ChatToolRequests.CHAT_TOOL_REQUESTS), methods(declared(ChatToolRequests)));
  // The model picker's module holds its one host → webview notification too (host-messages.ts lists it).
  const settings = declared(Settings);
  assert.deepEqual(methods(Settings.SESSION_SETTINGS_REQUESTS), methods(settings.filter((d) => "result" in d)));
  assert.deepEqual(methods(Settings.SESSION_SETTINGS_NOTIFICATIONS), methods(settings.filter((d) => !("result" in d))));
  assert.deepEqual(
    methods(WebviewMessages.CHAT_FEATURE_REQUESTS),
    methods([...Review.REVIEW_REQUESTS, ...MessageActions.MESSAGE_ACTION_REQUESTS, ...Mentions.MENTION_REQUESTS, ...ChatToolRequests.CHAT_TOOL_REQUESTS, ...Settings.SESSION_SETTINGS_REQUESTS]),
  );
  const toWebview = [...methods(Notifications.HOST_NOTIFICATIONS), ...methods(Settings.SESSION_SETTINGS_NOTIFICATIONS)];
  assert.equal(new Set(toWebview).size, toWebview.length);
  const fromWebview = [...methods(Requests.REQUESTS), ...methods(WebviewMessages.CHAT_FEATURE_REQUESTS), ...methods(WebviewMessages.WEBVIEW_NOTIFICATIONS)];
  assert.equal(new Set(fromWebview).size, fromWebview.length);
});

test("a request declaration: params beside `type` and `requestId` on the wire, and a result schema", () => {
  assert.equal(ListSessions.message.safeParse({ type: "listSessions", requestId: 1, search: "x" }).success, true);
  assert.equal(ListSessions.message.safeParse({ type: "listSessions", search: "x" }).success, false, "a request has a requestId");
  assert.equal(ListSessions.result.safeParse([{ key: "agent:main:main", title: "Main" }]).success, true);
  assert.equal(ListSessions.result.safeParse([{ key: "has space", title: "x" }]).success, false);
  assert.equal(Send.result.safeParse({ id: "send:1", queued: false }).success, true);
  assert.equal(Send.result.safeParse({}).success, false);
  // The types come from the same declaration (checked by tsc when this file compiles).
  const params: ParamsOf<typeof ListSessions> = { search: "x" };
  const rows: ResultOf<typeof ListSessions> = [{ key: "main", title: "Main" }];
  assert.ok(params && rows);
});

test("chat-tool results: a slash command is a /word with bounded texts; the host cannot hand the menu anything else", () => {
  const fits = (commands: unknown) => ListCommands.result.safeParse({ commands }).success;
  assert.equal(fits([{ name: "/help", aliases: ["/h"], description: "Show help.", args: "[topic]" }]), true);
  assert.equal(fits([{ name: "help", aliases: [], description: "" }]), false, "the slash is part of the name");
  assert.equal(fits([{ name: "/two words", aliases: [], description: "" }]), false);
  assert.equal(fits([{ name: "/x", aliases: [], description: "d".repeat(2001) }]), false);
  assert.equal(fits(Array.from({ length: 501 }, () => ({ name: "/x", aliases: [], description: "" }))), false);
  assert.equal(DeleteSession.result.safeParse({ deleted: true }).success, true);
  assert.equal(ListSessions.result.safeParse([{ key: "agent:main:x", title: "X", actions: ["rename", "fork", "delete"] }]).success, true);
  assert.equal(ListSessions.result.safeParse([{ key: "agent:main:x", title: "X", actions: ["reset"] }]).success, false);
});

test("the drift check: Equal tells a type from one with an extra optional field (so a one-sided TranscriptItem field fails tsc)", () => {
  const Schema = z.object({ id: z.string(), note: z.optional(z.string()) });
  type Same = Expect<Equal<z.infer<typeof Schema>, { id: string; note?: string }>>;
  // @ts-expect-error a field only the type has
  type TypeOnly = Expect<Equal<z.infer<typeof Schema>, { id: string; note?: string; extra?: number }>>;
  // @ts-expect-error a field only the schema has
  type SchemaOnly = Expect<Equal<z.infer<typeof Schema>, { id: string }>>;
  const checked: [Same?, TypeOnly?, SchemaOnly?] = [];
  assert.deepEqual(checked, []);
});

test("webview modules take values from the contract's submodules, never its index (which holds what only the host checks)", () => {
  const dir = path.resolve(__dirname, "../../../../src/webview");
  const offenders = readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .filter((f) => /^import\s+(?!type\b)[^;]*from\s+"\.\.\/shared\/contract";/m.test(readFileSync(path.join(dir, f), "utf8")));
  assert.deepEqual(offenders, []);
});

test("host messages: a chat item with an unknown role or a non-string text is refused", () => {
  const chat = (item: unknown) => ({ type: "chat", chat: { sessionKey: "k", items: [item], hasMore: false, activeRunId: null } });
  assert.equal(parseMessage(HostMessageSchema, chat({ id: "a", role: "assistant", text: "x" })).ok, true);
  assert.equal(parseMessage(HostMessageSchema, chat({ id: "a", role: "root", text: "x" })).ok, false);
  assert.equal(parseMessage(HostMessageSchema, chat({ id: "a", role: "assistant", text: 1 })).ok, false);
  // The connection's message actions: only the known ones.
  const conn = (messageActions: unknown) => ({ type: "connection", connection: { status: "connected" }, messageActions });
  assert.equal(parseMessage(HostMessageSchema, conn(["fork"])).ok, true);
  assert.equal(parseMessage(HostMessageSchema, conn(["rewind"])).ok, false);
  assert.equal(parseMessage(HostMessageSchema, chat({ id: "a", role: "user", text: "x", entryId: "e1" })).ok, true);
  const r = parseMessage(HostMessageSchema, { type: "response", requestId: 7 });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : "", /ok/);
});

test("the webview shell: strict CSP with a nonce, no inline allowances, assets only from cspSource", () => {
  const csp = contentSecurityPolicy("https://x.vscode-cdn.net", "abc123");
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc123'; style-src https://x.vscode-cdn.net; font-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net data: blob:");
  const html = renderShell({ cspSource: "https://x.vscode-cdn.net", nonce: "abc123", asset: (f) => `https://x.vscode-cdn.net/dist/webview/${f}`, bundle: "chat", title: 'a"<b>' });
  assert.match(html, /<script nonce="abc123" src="https:\/\/x\.vscode-cdn\.net\/dist\/webview\/main-chat\.js"><\/script>/);
  assert.match(html, /<title>a&quot;&lt;b&gt;<\/title>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test("editor context goes after the text in a fence longer than any backtick run inside it", () => {
  const msg = composeMessage("  explain this  ", [{ label: "src/a.md:1-2", text: "```js\nx\n```", language: "markdown" }]);
  assert.equal(msg, "explain this\n\nsrc/a.md:1-2:\n````markdown\n```js\nx\n```\n````");
  assert.equal(composeMessage("", [{ label: "f", text: "t", language: "ts\n```evil" }]), "f:\n```tsevil\nt\n```");
  assert.equal(composeMessage("just text", []), "just text");
});

test("dashboard model: figures from health/status/presence/node payloads shaped like the pinned gateway's", () => {
  const v = buildDashboard({
    serverVersion: "2026.9.6",
    protocol: 4,
    connectedSince: 1_000,
    now: 61_000,
    snapshot: { uptimeMs: 3_600_000 },
    health: {
      ok: true,
      durationMs: 3,
      channels: { telegram: { configured: false, running: false }, discord: { accounts: { a: { configured: true, running: true } } } },
      agents: [{ agentId: "main", name: "main", isDefault: true, sessions: { count: 4 } }],
      sessions: { count: 4, path: "/secret/path", recent: [] },
      eventLoop: { degraded: true, reasons: ["cpu"], intervalMs: 1000, delayP99Ms: 20.25, delayMaxMs: 30, utilization: 0.5, cpuCoreRatio: 1.25 },
      defaultAgentId: "main",
    },
    status: { pid: 42, processMemory: { rss: 850 * 1024 * 1024, heapUsed: 100 * 1024 * 1024 } },
    presence: [{ host: "devbox", mode: "ui", platform: "linux", version: "1.0" }, "garbage"],
    nodes: [
      { nodeId: "n1", displayName: "box", connected: true, commands: ["system.which", 3], caps: [] },
      { nodeId: "n2", paired: false },
      { nodeId: "n3", approvalState: "pending" },
      { displayName: "no id" },
    ],
    pendingNodes: [{ requestId: "r1", nodeId: "n3", displayName: "new" }, { nodeId: "missing-request-id" }],
    errors: [{ section: "Status", message: "x" }],
  });
  const get = (facts: { label: string; value: string }[], l: string) => facts.find((f) => f.label === l)?.value;
  assert.equal(get(v.gateway, "Version"), "2026.9.6");
  assert.equal(get(v.gateway, "Uptime"), "1h 0m");
  assert.equal(get(v.gateway, "PID"), "42");
  assert.equal(get(v.gateway, "Connected for"), "1m 0s");
  assert.deepEqual(v.channels, [{ label: "telegram", value: "not configured", tone: undefined }, { label: "discord", value: "running", tone: "ok" }]);
  assert.equal(v.agents[0]?.value, "default · 4 sessions");
  assert.equal(get(v.sessions, "count"), "4");
  assert.equal(get(v.sessions, "path"), undefined, "paths are not shown");
  assert.equal(v.eventLoop[0]?.tone, "warn");
  assert.equal(get(v.eventLoop, "delayP99Ms"), "20.3 ms");
  assert.equal(get(v.memory, "rss"), "850.0 MB");
  assert.equal(v.presence.length, 2);
  assert.deepEqual(v.presence[0], { label: "devbox", detail: "ui · linux · v1.0", ts: undefined });
  assert.deepEqual(v.nodes.map((n) => [n.nodeId, n.state, n.commands]), [["n1", "connected", ["system.which"]], ["n2", "unpaired", []], ["n3", "pending", []]]);
  assert.deepEqual(v.pending.map((p) => p.requestId), ["r1"]);
  assert.equal(HostMessageSchema.safeParse({ type: "dashboard", dashboard: v }).success, true, "the model fits the contract");
  assert.equal(formatDuration(90_061_000), "1d 1h 1m");
});

test("dashboard model: nothing known yields empty sections, not a crash", () => {
  const v = buildDashboard({ errors: [{ section: "Connection", message: "Not connected." }], health: "nonsense", status: null, presence: undefined });
  assert.deepEqual([v.gateway, v.channels, v.agents, v.nodes, v.pending], [[], [], [], [], []]);
  assert.equal(v.errors.length, 1);
});

test("dashboard model: the gateway's update line (available is a warning; none known is not 'up to date')", () => {
  const avail = buildDashboard({ errors: [], update: { kind: "available", currentVersion: "2026.9.6", latestVersion: "2026.10.1", channel: "stable" } });
  const line = avail.gateway.find((f) => f.label === "Update");
  assert.equal(line?.tone, "warn");
  assert.match(line?.value ?? "", /^2026\.10\.1 available \(running 2026\.9\.6, stable channel\) — KrabKrab: Update Gateway$/);
  // What 2026.9.6 and 2026.5.12 answer offline (test/gateway/compat.test.ts): updateAvailable null.
  assert.equal(buildDashboard({ errors: [], update: { kind: "none-known", channel: "stable" } }).gateway.find((f) => f.label === "Update")?.value, "no update known (stable channel)");
  assert.match(buildDashboard({ errors: [], update: { kind: "not-allowed" } }).gateway.find((f) => f.label === "Update")?.value ?? "", /operator\.admin/);
  assert.equal(buildDashboard({ errors: [] }).gateway.length, 0, "no update line when nothing was asked");
});
