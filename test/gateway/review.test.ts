// Reviewing the agent's edits, end to end against the REAL gateway (openclaw 2026.9.6) and the deterministic
// model server, both started once per run by scripts/test.mjs. The model is told `[[write:…]]…[[/write]]` and
// `[[edit:…]]…[[to]]…[[/edit]]`, so the gateway's real `write` and `edit` tools change real files in the agent's
// workspace; the change set is built from the run's tool cards (live, and again from chat.history) and completed
// with the file's content from `sessions.files.get`; `sessions.diff` gives the checkout's changes.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ChatSession, sessionChangeSet, toolChangeSet, type OperatorClient, type RunToolCard, type TranscriptItem } from "../../src/gateway";
import { operator, realGateway, waitFor } from "../support/real-peers";

const WAIT_MS = 120_000;
let c: OperatorClient;
const workspace = () => path.join(realGateway().rootDir, "workspace");

before(async () => {
  c = operator({ scopes: ["operator.read", "operator.write"], displayName: "KrabKrab review test" });
  await c.connect();
});
after(async () => {
  await c?.disconnect();
});

const cardsOf = (items: TranscriptItem[]): RunToolCard[] => items.flatMap((i) => (i.tools ?? []).map((card) => ({ card, runId: i.runId })));

/** Sends `text` in `chat` and waits for the run's final reply; returns the run id. */
async function run(chat: ChatSession, text: string): Promise<string> {
  const sent = chat.send(text);
  const runId = sent.idempotencyKey!;
  await waitFor("the run's final reply", () => {
    const item = chat.snapshot().items.find((i) => i.runId === runId && i.role === "assistant" && (i.status === "final" || i.status === "error"));
    if (item?.status === "error") throw new Error(`the run failed: ${item.error}`);
    return item;
  }, WAIT_MS);
  return runId;
}

test("the gateway advertises what the review uses", () => {
  for (const m of ["sessions.files.get", "sessions.files.list", "sessions.diff"]) assert.ok(c.hello?.methods.includes(m), `${m} is advertised`);
});

test("a run that writes and then edits a file yields its change set: live tool cards, then again from chat.history", { timeout: 300_000 }, async () => {
  const key = `vsc-review-${randomUUID().slice(0, 8)}`;
  const file = `review-${randomUUID().slice(0, 8)}.txt`;
  const chat = new ChatSession(c, key);
  await chat.open();
  const runId = await run(chat, `Make the notes [[write:${file}]]one\ntwo\nthree\n[[/write]] then fix them [[edit:${file}]]two\n[[to]]TWO\nand a half\n[[/edit]]`);
  const expected = "one\nTWO\nand a half\nthree\n";
  assert.equal(readFileSync(path.join(workspace(), file), "utf8"), expected, "the gateway's tools really changed the file");

  const live = cardsOf(chat.snapshot().items);
  const calls = live.filter((t) => t.runId === runId && (t.card.name === "write" || t.card.name === "edit"));
  assert.deepEqual(calls.map((t) => [t.card.name, t.card.phase, t.card.isError ?? false]), [["write", "result", false], ["edit", "result", false]]);
  const canonical = chat.snapshot().sessionKey;

  const whole = await toolChangeSet(c, canonical, live, { runId });
  assert.equal(whole.files.length, 1);
  const f = whole.files[0]!;
  assert.deepEqual([f.path, f.before, f.after, f.exact], [file, null, expected, true]);
  assert.deepEqual([f.additions, f.deletions, f.line], [4, 0, 1]);
  assert.equal(whole.root, workspace(), "the agent's workspace root, from sessions.files.*");

  const editOnly = await toolChangeSet(c, canonical, live, { toolCallId: calls[1]!.card.toolCallId });
  assert.deepEqual([editOnly.files[0]?.before, editOnly.files[0]?.after, editOnly.files[0]?.line], ["one\ntwo\nthree\n", expected, 2]);

  // A window that opens the session later sees it through chat.history: the same change set.
  chat.dispose();
  const again = new ChatSession(c, key);
  await again.open();
  const history = cardsOf(again.snapshot().items);
  const fromHistory = await toolChangeSet(c, canonical, history, { runId });
  assert.deepEqual(fromHistory.files.map((x) => [x.before, x.after, x.exact]), [[null, expected, true]]);
  again.dispose();
});

test("an edit of a file the agent did not create: the before side comes from the current content, undone", { timeout: 300_000 }, async () => {
  const key = `vsc-review-${randomUUID().slice(0, 8)}`;
  const file = `existing-${randomUUID().slice(0, 8)}.ts`;
  const original = "export const a = 1;\n// keep\nexport const b = 2;\n";
  writeFileSync(path.join(workspace(), file), original);
  const chat = new ChatSession(c, key);
  await chat.open();
  const runId = await run(chat, `Bump it [[edit:${file}]]export const b = 2;[[to]]export const b = 3;[[/edit]]`);
  const set = await toolChangeSet(c, chat.snapshot().sessionKey, cardsOf(chat.snapshot().items), { runId });
  const f = set.files[0]!;
  assert.equal(f.exact, true);
  assert.equal(f.before, original);
  assert.equal(f.after, original.replace("b = 2", "b = 3"));
  assert.deepEqual([f.additions, f.deletions, f.line], [1, 1, 3]);

  // The same edit without sessions.files.*: only the changed parts, said so.
  const blind = await toolChangeSet({ ...c, hello: c.hello && { ...c.hello, methods: [] }, sessionsFilesGet: c.sessionsFilesGet.bind(c), sessionsFilesList: c.sessionsFilesList.bind(c), sessionsDiff: c.sessionsDiff.bind(c) }, chat.snapshot().sessionKey, cardsOf(chat.snapshot().items), { runId });
  assert.deepEqual([blind.files[0]?.exact, blind.files[0]?.before, blind.files[0]?.after], [false, "export const b = 2;", "export const b = 3;"]);

  // sessions.diff: the checkout's changes against git HEAD include the new (untracked) file, before = absent.
  const checkout = await sessionChangeSet(c, chat.snapshot().sessionKey);
  const mine = checkout.files.find((x) => x.path === file);
  assert.ok(mine, `sessions.diff lists ${file}: ${JSON.stringify(checkout.files.map((x) => x.path))}`);
  assert.deepEqual([mine.before, mine.after, mine.exact], [null, original.replace("b = 2", "b = 3"), true]);
  chat.dispose();
});
