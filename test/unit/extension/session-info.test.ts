// The session info the chat header, the model QuickPick, the status bar and the dashboard show, built from
// payloads shaped like the pinned gateway's (openclaw 2026.9.6: models.list, sessions.describe, sessions.usage,
// usage.status); the transcript notes; and the contract of the picker's messages.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { mergeNotes } from "../../../src/gateway/chat-history";
import { ModelsListSchema, modelRef, readSessionState, SettingsDescribeSchema as SessionsDescribeSchema, SessionsUsageSchema, sessionSettingsSupport, UsageStatusSchema } from "../../../src/gateway/session-settings";
import { changeNote, escapeMarkdown, modelChoiceViews, sessionInfoView, usageFacts, usageToday, usageTooltip } from "../../../src/extension/common/session-info";
import { HostOutgoingSchema, HostMessageSchema, parseMessage, WebviewMessageSchema, type TranscriptItem } from "../../../src/shared/contract";
import * as Settings from "../../../src/shared/contract/session-settings";

// Trimmed from what the pinned gateway answered (see test/gateway/session-settings.test.ts for the live ones).
const MODELS = ModelsListSchema.parse({
  models: [
    { id: "krabkrab-demo", name: "KrabKrab demo model", provider: "krabkrab-demo", contextWindow: 128000, reasoning: false, tags: ["default"], thinkingLevels: [{ id: "off", label: "off" }], thinkingDefault: "off", available: true },
    { id: "krabkrab-demo-small", name: "Small <b>demo</b>", provider: "krabkrab-demo", contextWindow: 32000, reasoning: true, thinkingLevels: ["off", "minimal", "low", "medium", "high"].map((id) => ({ id, label: id })), thinkingDefault: "medium", available: true },
    { id: "gpt-x", name: "GPT X", provider: "openai", available: false, unavailableReason: "missing-auth" },
  ],
  accountSelection: { kind: "automatic", label: "Automatic account selection" },
});
const ROW = SessionsDescribeSchema.parse({
  session: {
    key: "agent:main:exp1",
    model: "krabkrab-demo-small",
    modelProvider: "krabkrab-demo",
    modelOverrideSource: "user",
    thinkingLevel: "low",
    thinkingLevels: ["off", "minimal", "low", "medium", "high"].map((id) => ({ id, label: id })),
    thinkingDefault: "medium",
    effectiveFastMode: true,
    effectiveFastModeSource: "session",
    totalTokens: 11194,
    totalTokensFresh: true,
    contextTokens: 32000,
    inputTokens: 11194,
    outputTokens: 15,
    estimatedCostUsd: 0,
  },
}).session!;

test("models.list → picker choices: provider/id refs, names, context windows, thinking levels, default and unavailable", () => {
  const v = modelChoiceViews(MODELS.models);
  assert.deepEqual(v.map((m) => m.ref), ["krabkrab-demo/krabkrab-demo", "krabkrab-demo/krabkrab-demo-small", "openai/gpt-x"]);
  assert.equal(v[0]!.isDefault, true);
  assert.equal(v[1]!.isDefault, undefined);
  assert.deepEqual(v[1]!.thinkingLevels, ["off", "minimal", "low", "medium", "high"]);
  assert.equal(v[1]!.name, "Small <b>demo</b>", "names pass as data; the webview sets them as text");
  assert.equal(v[2]!.unavailable, "missing-auth");
  assert.equal(modelRef({ provider: "p", id: "p/m" }), "p/m", "an id that already names its provider is kept");
  assert.ok(Settings.ListModels.result.safeParse(v).success, "fits the contract");
});

test("a session row → the header's info: model, thinking, fast override, context use; no row → the default model", () => {
  const models = modelChoiceViews(MODELS.models);
  const support = { models: true, compact: true };
  const info = sessionInfoView("exp1", ROW, models, support);
  assert.deepEqual(info, {
    sessionKey: "exp1",
    model: "krabkrab-demo/krabkrab-demo-small",
    modelName: "Small <b>demo</b>",
    thinkingLevel: "low",
    thinkingLevels: ["off", "minimal", "low", "medium", "high"],
    fastMode: "on",
    usedTokens: 11194,
    contextWindow: 32000,
    fresh: true,
    canPick: true,
    canCompact: true,
  });
  assert.ok(Settings.SessionInfoViewSchema.safeParse(info).success);
  // The effective fast mode of the agent's default is not the session's choice: the picker says "Default".
  assert.equal(sessionInfoView("exp1", { ...ROW, effectiveFastModeSource: "default", effectiveFastMode: false } as typeof ROW, models, support).fastMode, undefined);
  const fresh = sessionInfoView("vscode-new", null, models, { models: true, compact: false });
  assert.equal(fresh.model, "krabkrab-demo/krabkrab-demo");
  assert.equal(fresh.usedTokens, undefined, "no meter before the first reply");
  assert.equal(fresh.contextWindow, 128000);
  assert.equal(fresh.canCompact, false);
  assert.equal(sessionInfoView("k", { ...ROW, totalTokens: 0 }, models, support).usedTokens, undefined, "0 tokens: nothing sent yet");
});

test("without sessions.describe, the session's row is found in sessions.list (searched by its key, short or canonical)", async () => {
  const asked: unknown[] = [];
  const fake = {
    hello: { methods: ["sessions.list"] },
    call: async (method: string, params: unknown) => {
      asked.push([method, params]);
      return { sessions: [{ key: "agent:main:exp10", model: "other" }, { key: "agent:main:exp1", model: "krabkrab-demo-small", modelProvider: "krabkrab-demo", totalTokens: 5 }] };
    },
  } as unknown as Parameters<typeof readSessionState>[0];
  assert.equal((await readSessionState(fake, "exp1"))?.model, "krabkrab-demo-small");
  assert.equal((await readSessionState(fake, "agent:main:exp1"))?.totalTokens, 5);
  assert.equal(await readSessionState(fake, "exp2"), null);
  assert.deepEqual(asked[0], ["sessions.list", { search: "exp1", limit: 20 }]);
});

test("which features a gateway offers, from hello-ok.features.methods", () => {
  assert.deepEqual(sessionSettingsSupport(["models.list", "sessions.patch", "sessions.describe", "sessions.compact", "sessions.usage"]), { models: true, read: true, compact: true, usage: true });
  assert.deepEqual(sessionSettingsSupport(["models.list", "sessions.list"]), { models: false, read: true, compact: false, usage: false });
  assert.deepEqual(sessionSettingsSupport(undefined), { models: false, read: false, compact: false, usage: false });
});

test("transcript notes: names escaped as markdown, the previous model named, thinking and fast mode worded", () => {
  const models = modelChoiceViews(MODELS.models);
  const before = sessionInfoView("exp1", { ...ROW, model: "krabkrab-demo" }, models, { models: true, compact: true });
  const note = changeNote({ model: "krabkrab-demo/krabkrab-demo-small" }, before, models);
  assert.equal(note, "Model changed to **Small \\<b\\>demo\\</b\\>** (krabkrab\\-demo/krabkrab\\-demo\\-small) (was KrabKrab demo model): it answers from the next message.");
  assert.equal(changeNote({ model: "x/y" }, null, models), "Model changed to **x/y** (x/y): it answers from the next message.");
  assert.equal(changeNote({ thinkingLevel: "high" }, before, models), "Thinking level set to **high**.");
  assert.equal(changeNote({ fastMode: "default" }, before, models), "Fast mode set back to the default.");
  assert.equal(changeNote({ fastMode: "on" }, before, models), "Fast mode **on**.");
  assert.equal(escapeMarkdown("[x](javascript:alert(1)) *a* `c` <img>"), "\\[x\\]\\(javascript:alert\\(1\\)\\) \\*a\\* \\`c\\` \\<img\\>");
});

test("notes keep their place among history items re-read later", () => {
  const h = (id: string, ts: number): TranscriptItem => ({ id, role: "user", text: id, ts });
  const note: TranscriptItem = { id: "note:1", role: "system", text: "model changed", ts: 150 };
  assert.deepEqual(mergeNotes([h("a", 100), h("b", 200)], [note]).map((i) => i.id), ["a", "note:1", "b"]);
  assert.deepEqual(mergeNotes([h("a", 100)], [note]).map((i) => i.id), ["a", "note:1"]);
  assert.deepEqual(mergeNotes([{ id: "x", role: "user", text: "" }, h("b", 200)], [note]).map((i) => i.id), ["x", "note:1", "b"], "items without a time do not place notes");
  const items = [h("a", 100), note, h("b", 200)];
  assert.deepEqual(mergeNotes(items, [note]).map((i) => i.id), ["a", "note:1", "b"], "a note already in place is not added twice");
});

test("today's usage: sessions.usage totals and usage.status windows, as dashboard facts and a status bar paragraph", () => {
  const usage = SessionsUsageSchema.parse({ totals: { input: 22579, output: 31, totalTokens: 22610, totalCost: 0.011224, missingCostEntries: 0 }, aggregates: { messages: { total: 4 } }, cacheStatus: { status: "fresh" } });
  const status = UsageStatusSchema.parse({ updatedAt: 1, providers: [{ provider: "anthropic", displayName: "Claude", plan: "Max", windows: [{ label: "5h", usedPercent: 30 }, { label: "Week", usedPercent: 92.4 }] }, { provider: "zai", displayName: "Z.ai", windows: [], error: "token expired" }, { provider: "empty", windows: [] }] });
  const u = usageToday(usage, status);
  assert.deepEqual(u, { tokens: 22610, costUsd: 0.011224, messages: 4, refreshing: undefined, providers: [{ label: "Claude (Max)", value: "5h 70% left · Week 8% left" }, { label: "Z.ai", value: "token expired" }] });
  assert.deepEqual(usageFacts(u), [
    { label: "tokens today", value: "22,610" },
    { label: "cost today", value: "$0.01" },
    { label: "messages today", value: "4" },
    { label: "Claude (Max)", value: "5h 70% left · Week 8% left" },
    { label: "Z.ai", value: "token expired" },
  ]);
  assert.equal(usageTooltip(u), "Today: 22,610 tokens · ≈ $0.01 · 4 messages\n\nClaude \\(Max\\): 5h 70% left · Week 8% left\n\nZ\\.ai: token expired");
  const cold = usageToday(SessionsUsageSchema.parse({ totals: { totalTokens: 0, totalCost: 0 }, cacheStatus: { status: "refreshing" } }), undefined);
  assert.equal(usageFacts(cold)[0]!.value, "0 (counting…)");
  assert.equal(usageTooltip(usageToday(undefined, UsageStatusSchema.parse({ providers: [] }))), undefined, "nothing to say: no tooltip line");
});

test("contract: the picker's requests are webview messages, its notification a host message only the host union knows", () => {
  const ok = (m: unknown) => parseMessage(WebviewMessageSchema, m).ok;
  assert.equal(ok({ type: "listModels", requestId: 1 }), true);
  assert.equal(ok({ type: "getSessionInfo", requestId: 2 }), true);
  assert.equal(ok({ type: "patchSession", requestId: 3, model: "krabkrab-demo/krabkrab-demo-small" }), true);
  assert.equal(ok({ type: "patchSession", requestId: 3, fastMode: "default" }), true);
  assert.equal(ok({ type: "patchSession", requestId: 3, fastMode: "turbo" }), false);
  assert.equal(ok({ type: "patchSession", requestId: 3, model: "x".repeat(601) }), false);
  assert.equal(ok({ type: "compactSession", requestId: 4 }), true);
  const msg = { type: "sessionInfo", info: { sessionKey: "main", thinkingLevels: [], canPick: true, canCompact: false } };
  assert.equal(parseMessage(HostOutgoingSchema, msg).ok, true);
  assert.equal(parseMessage(HostOutgoingSchema, { type: "sessionInfo", info: null }).ok, true);
  assert.equal(parseMessage(HostOutgoingSchema, { type: "sessionInfo", info: { sessionKey: "main" } }).ok, false);
  assert.equal(parseMessage(HostMessageSchema, msg).ok, false, "the bundles' own union leaves it out (the picker's script checks it)");
  assert.equal(parseMessage(HostOutgoingSchema, { type: "chat", chat: { sessionKey: "k", items: [], hasMore: false, activeRunId: null } }).ok, true);
  const declared = (Object.values(Settings) as unknown[]).filter((v): v is { method: string } => !!v && typeof v === "object" && "method" in v && "message" in v && "result" in v).map((d) => d.method).sort();
  assert.deepEqual(Settings.SESSION_SETTINGS_REQUESTS.map((d) => d.method).sort(), declared, "every request declared is listed");
  assert.deepEqual(Settings.SESSION_SETTINGS_NOTIFICATIONS.map((d) => d.method), ["sessionInfo"]);
});
