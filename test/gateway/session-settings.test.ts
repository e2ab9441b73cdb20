// A session's model, thinking level, fast mode, context use, compaction and the day's usage, end to end against
// the REAL gateway (openclaw 2026.9.6) and the deterministic model server, both started once per run by
// scripts/test.mjs. The fixture's provider has two models on the same stand-in server (test/fixtures/gateway.ts):
// "krabkrab-demo" (128k context, the default) and "krabkrab-demo-small" (32k, reasoning: thinking levels).
//
// Observed on 2026.9.6 (what src/gateway/session-settings.ts reads):
//   models.list {}              → {models:[{id, name, provider, contextWindow, reasoning, tags:["default"]?, thinkingLevels:[{id,label}],
//                                  thinkingDefault, available}], accountSelection}
//   sessions.describe {key}     → {session: row | null}; row: model, modelProvider, modelOverrideSource, thinkingLevel?, thinkingLevels,
//                                  thinkingDefault, effectiveFastMode, effectiveFastModeSource, totalTokens, totalTokensFresh,
//                                  contextTokens (= the model's window), inputTokens, outputTokens, estimatedCostUsd
//   sessions.patch {key, model:"provider/id"} → {ok, key, entry, resolved:{model, modelProvider, thinkingLevel, thinkingLevels}};
//                                  a key with no session yet is created; operator.write is enough
//   sessions.compact {key}      → {ok, key, compacted:true, result:{summary, tokensBefore, …}} | {ok, compacted:false, reason:"no transcript"};
//                                  needs operator.admin; chat.history then holds a system "Compaction" message
//   sessions.usage {startDate, endDate, mode, timeZone} → {totals:{totalTokens, totalCost, …}, aggregates, cacheStatus:{status}}
//                                  (answers, but is NOT in hello-ok.features.methods)
//   usage.cost {days}           → {days, daily:[{date, totalTokens, totalCost, …}], totals:{…}, cacheStatus} (advertised)
//   usage.status {}             → {updatedAt, providers:[]} (no provider here reports plan windows)
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { ChatSession, GatewayIssueError, localDate, projectHistory, readSessionState, sessionSettingsSupport, type OperatorClient } from "../../src/gateway";
import { modelChoiceViews, sessionInfoView, usageToday } from "../../src/extension/common/session-info";
import { DEMO_SMALL_MODEL_ID } from "../fixtures/gateway";
import { operator, waitFor } from "../support/real-peers";

const WAIT_MS = 120_000;
const SMALL = `krabkrab-demo/${DEMO_SMALL_MODEL_ID}`;
let c: OperatorClient;
let admin: OperatorClient;
const sessions: ChatSession[] = [];

before(async () => {
  // What the extension asks for by default; admin only where compaction needs it.
  c = operator({ scopes: ["operator.read", "operator.write", "operator.approvals", "operator.questions"], displayName: "KrabKrab session-settings test" });
  admin = operator({ scopes: ["operator.read", "operator.write", "operator.admin"], displayName: "KrabKrab session-settings admin test" });
  await Promise.all([c.connect(), admin.connect()]);
});

after(async () => {
  for (const s of sessions) s.dispose();
  await Promise.all([c?.disconnect(), admin?.disconnect()]);
});

/** A chat session of our own, opened, with one exchange done (the gateway then has a transcript and usage for it). */
async function sessionWithReply(client: OperatorClient, key: string, text: string): Promise<ChatSession> {
  const chat = new ChatSession(client, key);
  sessions.push(chat);
  await chat.open();
  await exchange(chat, text);
  return chat;
}

async function exchange(chat: ChatSession, text: string): Promise<void> {
  const sent = chat.send(text);
  await waitFor(`the reply to “${text}”`, () => {
    const items = chat.snapshot().items;
    const at = items.findIndex((i) => i.id === sent.id);
    const reply = at >= 0 && items.slice(at + 1).find((i) => i.role === "assistant" && (i.status === "final" || i.status === "error"));
    if (reply && reply.status === "error") throw new Error(`the run failed: ${reply.error}`);
    return reply;
  }, WAIT_MS);
}

test("the gateway advertises what the picker, the meter, Compact and the usage figures need", () => {
  const methods = c.hello!.methods;
  assert.deepEqual(sessionSettingsSupport(methods), { models: true, read: true, compact: true, usage: true });
  for (const m of ["models.list", "sessions.patch", "sessions.describe", "sessions.list", "sessions.compact", "usage.cost", "usage.status"]) assert.ok(methods.includes(m), `${m} is advertised`);
  // sessions.usage answers (below) but is not advertised on 2026.9.6: the extension reads usage.cost then.
  assert.equal(methods.includes("sessions.usage"), false, "if this changes, UsageMonitor switches to sessions.usage by itself");
});

test("models.list answers with both demo models: names, context windows, thinking levels, the default", async () => {
  const r = await c.modelsList();
  const views = modelChoiceViews(r.models);
  const big = views.find((m) => m.ref === "krabkrab-demo/krabkrab-demo");
  const small = views.find((m) => m.ref === SMALL);
  assert.ok(big && small, `both models listed: ${JSON.stringify(views.map((m) => m.ref))}`);
  assert.equal(big.isDefault, true);
  assert.equal(big.contextWindow, 128000);
  assert.deepEqual(big.thinkingLevels, ["off"]);
  assert.equal(small.contextWindow, 32000);
  assert.ok(small.thinkingLevels.includes("low") && small.thinkingLevels.includes("high"), `reasoning model levels: ${small.thinkingLevels.join(",")}`);
  assert.match(small.name, /small context/);
});

test("sessions.patch changes the model: describe, sessions.list and the next reply (chat.history) show it; the meter follows", async () => {
  const key = `vsc-model-${randomUUID().slice(0, 8)}`;
  const chat = await sessionWithReply(c, key, "[[echo:first on the default model]]");
  const models = modelChoiceViews((await c.modelsList()).models);
  // The gateway writes the run's token counts into the session store after the final chat event (the row says
  // `fresh` until then): poll, as the meter does on the next sessions.changed.
  let before = sessionInfoView(key, await readSessionState(c, key), models, { models: true, compact: true });
  const t0 = Date.now();
  while (!((before.usedTokens ?? 0) > 0) && Date.now() - t0 < 15_000) {
    await new Promise((r) => setTimeout(r, 200));
    before = sessionInfoView(key, await readSessionState(c, key), models, { models: true, compact: true });
  }
  assert.equal(before.model, "krabkrab-demo/krabkrab-demo");
  assert.equal(before.contextWindow, 128000);
  assert.ok((before.usedTokens ?? 0) > 0, `the first exchange used tokens (within 15 s): ${JSON.stringify(before)}`);

  const patched = await c.sessionsPatch({ key, model: SMALL });
  assert.equal(patched.ok, true);
  assert.equal(patched.resolved?.model, DEMO_SMALL_MODEL_ID);
  const after = sessionInfoView(key, await readSessionState(c, key), models, { models: true, compact: true });
  assert.equal(after.model, SMALL);
  assert.match(after.modelName ?? "", /small context/);
  assert.equal(after.contextWindow, 32000, "the meter's window is the new model's");
  assert.ok(after.thinkingLevels.includes("high"), "the new model's thinking levels");

  const list = await c.sessionsList({ limit: 200 });
  const row = list.sessions.find((s) => s.key === `agent:main:${key}`);
  assert.equal(row?.model, DEMO_SMALL_MODEL_ID, "sessions.list shows the new model");

  await exchange(chat, "[[echo:second on the small model]]");
  const history = await c.chatHistory({ sessionKey: key, limit: 20 });
  const answered = history.messages.filter((m) => m.role === "assistant").map((m) => (m as { model?: string }).model);
  assert.deepEqual(answered.slice(-2), ["krabkrab-demo", DEMO_SMALL_MODEL_ID], "the second reply came from the new model");

  // A note the extension adds stays where it was put when the transcript is read again from history.
  const note = chat.addNote("Model changed (test note)");
  await exchange(chat, "[[echo:third]]");
  await chat.open();
  const ids = chat.snapshot().items.map((i) => (i.id === note.id ? "note" : `${i.role}:${i.text}`));
  assert.deepEqual(ids.slice(-3), ["note", "user:[[echo:third]]", "assistant:third"], `note in place: ${JSON.stringify(ids)}`);

  // Back to the agent's default (null clears the override).
  await c.sessionsPatch({ key, model: null });
  assert.equal((await readSessionState(c, key))?.model, "krabkrab-demo");
});

test("thinking level and fast mode: a level the model offers is set, one it does not is refused with the gateway's reason", async () => {
  const key = `vsc-think-${randomUUID().slice(0, 8)}`;
  await c.sessionsPatch({ key, model: SMALL }); // a fresh key: the gateway creates the session
  const r = await c.sessionsPatch({ key, thinkingLevel: "low", fastMode: true });
  assert.equal(r.resolved?.thinkingLevel, "low");
  const row = await readSessionState(c, key);
  assert.ok(row, "the patched key has a session now");
  const info = sessionInfoView(key, row, [], { models: true, compact: true });
  assert.equal(info.thinkingLevel, "low");
  assert.equal(info.fastMode, "on");
  await c.sessionsPatch({ key, fastMode: null });
  assert.equal(sessionInfoView(key, await readSessionState(c, key), [], { models: true, compact: true }).fastMode, undefined, "back to the default");

  await c.sessionsPatch({ key, model: "krabkrab-demo/krabkrab-demo" });
  const refused = await c.sessionsPatch({ key, thinkingLevel: "high" }).then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof GatewayIssueError, `refused: ${String(refused)}`);
  assert.equal(refused.issue.kind, "invalid-request");
  assert.match(refused.issue.message, /thinkingLevel "high" is not supported for krabkrab-demo\/krabkrab-demo/);
  const unknown = await c.sessionsPatch({ key, model: "nope/missing" }).then(() => null, (e: unknown) => e);
  assert.ok(unknown instanceof GatewayIssueError);
  assert.match(unknown.issue.message, /Unknown provider "nope"/);
});

test("sessions.describe: a key without a session reads as null (the header then shows the default model)", async () => {
  const key = `vsc-none-${randomUUID().slice(0, 8)}`;
  assert.equal(await readSessionState(c, key), null);
  const info = sessionInfoView(key, null, modelChoiceViews((await c.modelsList()).models), { models: true, compact: true });
  assert.equal(info.model, "krabkrab-demo/krabkrab-demo");
  assert.equal(info.usedTokens, undefined);
});

test("sessions.compact: refused without operator.admin (a classified missing-scope), compacts with it, says why when there is nothing", async () => {
  const key = `vsc-compact-${randomUUID().slice(0, 8)}`;
  const chat = await sessionWithReply(c, key, "[[echo:something to compact]]");
  const denied = await c.sessionsCompact(key).then(() => null, (e: unknown) => e);
  assert.ok(denied instanceof GatewayIssueError, `denied: ${String(denied)}`);
  assert.equal(denied.issue.kind, "missing-scope");
  assert.equal(denied.issue.missingScope, "operator.admin");

  const r = await admin.sessionsCompact(key);
  assert.equal(r.ok, true);
  assert.equal(r.compacted, true, `compacted: ${JSON.stringify(r).slice(0, 500)}`);
  assert.ok((r.result?.tokensBefore ?? 0) > 0);
  // The gateway's transcript records it; the chat shows that entry after re-reading history.
  await chat.open();
  const system = chat.snapshot().items.filter((i) => i.role === "system");
  assert.ok(system.some((i) => /Compaction/.test(i.text)), `a system item: ${JSON.stringify(projectHistory((await c.chatHistory({ sessionKey: key })).messages).filter((i) => i.role === "system"))}`);

  const nothing = await admin.sessionsCompact(`vsc-empty-${randomUUID().slice(0, 8)}`);
  assert.equal(nothing.compacted, false);
  assert.ok(nothing.reason && /no (transcript|sessionId)/.test(nothing.reason), `reason: ${nothing.reason}`);
});

test("today's usage: sessions.usage for today (this machine's time zone) counts our exchanges; usage.status answers", async () => {
  await sessionWithReply(c, `vsc-usage-${randomUUID().slice(0, 8)}`, "[[echo:count me]]");
  const date = localDate();
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // A cold usage cache answers "refreshing" at first: ask again until it has read the files.
  let usage = await c.sessionsUsage({ startDate: date, endDate: date, timeZone });
  for (const t0 = Date.now(); (usage.cacheStatus?.status === "refreshing" || !usage.totals?.totalTokens) && Date.now() - t0 < 60_000; ) {
    await new Promise((r) => setTimeout(r, 1000));
    usage = await c.sessionsUsage({ startDate: date, endDate: date, timeZone });
  }
  const status = await c.usageStatus();
  assert.ok(Array.isArray(status.providers));
  const today = usageToday(usage, status);
  assert.ok((today.tokens ?? 0) > 0, `tokens today: ${JSON.stringify(today)}`);
  assert.equal(today.costUsd, 0, "the demo models cost nothing");
  assert.ok((today.messages ?? 0) >= 2);
  // What the extension reads on this gateway: usage.cost for one day, the same totals (the gateway's day).
  // usage.cost keeps a cache of its own, which answers "refreshing" (and zeros) until it has read the files too.
  let cost = usageToday(await c.usageCost(1), status);
  for (const t0 = Date.now(); (cost.refreshing || !cost.tokens) && Date.now() - t0 < 60_000; ) {
    await new Promise((r) => setTimeout(r, 1000));
    cost = usageToday(await c.usageCost(1), status);
  }
  assert.ok((cost.tokens ?? 0) > 0, `usage.cost today: ${JSON.stringify(cost)}`);
  assert.equal(cost.costUsd, 0);
  assert.equal(cost.messages, undefined, "usage.cost has no message counts");
});
