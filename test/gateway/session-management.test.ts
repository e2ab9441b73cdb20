// Slash commands and session management against the REAL gateway (openclaw 2026.9.6) and the deterministic
// model server, both started once per run by scripts/test.mjs: commands.list answers and the composer's
// entries are exactly its text commands; rename / fork / delete go through sessions.patch / sessions.create /
// sessions.delete and sessions.list shows the result — with operator.write (archive, then the archived-only
// delete) and with operator.admin (one delete); "fork from here" is sessions.fork at one user message.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import {
  canForkAtMessage,
  deleteSession,
  forkAtMessage,
  forkSession,
  listSlashCommands,
  messageText,
  projectHistory,
  renameSession,
  sessionActionsOffered,
  slashCommands,
  type OperatorClient,
} from "../../src/gateway";
import { operator } from "../support/real-peers";

let c: OperatorClient;
let admin: OperatorClient;

before(async () => {
  c = operator({ scopes: ["operator.read", "operator.write"], displayName: "KrabKrab sessions test" });
  admin = operator({ scopes: ["operator.read", "operator.write", "operator.admin"], displayName: "KrabKrab sessions test (admin)" });
  await Promise.all([c.connect(), admin.connect()]);
});

after(async () => {
  await Promise.all([c?.disconnect(), admin?.disconnect()]);
});

const row = async (client: OperatorClient, key: string) => (await client.sessionsList({ limit: 500 })).sessions.find((s) => s.key === `agent:main:${key}`);

/** A session with one finished exchange (its reply is `reply`). */
async function sessionWithReply(client: OperatorClient, reply: string, key = `vscode-sm-${randomUUID().slice(0, 8)}`): Promise<string> {
  await client.chatSend({ sessionKey: key, message: `hello [[echo:${reply}]]`, idempotencyKey: randomUUID() });
  for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 250))) {
    const h = await client.chatHistory({ sessionKey: key });
    if (h.messages.some((m) => m.role === "assistant" && messageText(m) === reply)) return key;
    if (Date.now() - t0 > 120_000) throw new Error(`timed out waiting for the reply “${reply}” in ${key}`);
  }
}

test("the gateway advertises commands.list and the session methods; write and admin clients are offered rename, fork and delete, a read-only one nothing", async () => {
  for (const m of ["commands.list", "sessions.patch", "sessions.create", "sessions.delete", "sessions.list"]) assert.ok(c.hello?.methods.includes(m), `${m} is advertised`);
  assert.deepEqual(sessionActionsOffered(c), ["rename", "fork", "delete"]);
  assert.deepEqual(sessionActionsOffered(admin), ["rename", "fork", "delete"]);
  const reader = operator({ scopes: ["operator.read"], displayName: "KrabKrab sessions test (read-only)" });
  await reader.connect();
  try {
    assert.deepEqual(sessionActionsOffered(reader), []);
    assert.ok((await listSlashCommands(reader)).length > 0, "commands.list needs only operator.read");
  } finally {
    await reader.disconnect();
  }
});

test("commands.list answers; the slash commands are its text commands, in its order, with their descriptions", { timeout: 60_000 }, async () => {
  const raw = await c.commandsList({ scope: "text", includeArgs: true, agentId: "main" });
  assert.ok(raw.commands.length >= 10, `the gateway lists its commands (${raw.commands.length})`);
  // For any session key, also one nothing is stored under yet (commands.list would refuse its sessionKey).
  const commands = await listSlashCommands(c, `vscode-none-${randomUUID().slice(0, 8)}`);
  assert.deepEqual(await listSlashCommands(c, "agent:main:main"), commands);
  const textual = raw.commands.filter((e) => e.scope !== "native");
  assert.equal(commands.length, new Set(textual.map((e) => (e.textAliases?.[0] ?? `/${e.name}`).toLowerCase())).size);
  // Each entry is the gateway's: its first text alias, its description, its other aliases.
  for (const cmd of commands) {
    const e = textual.find((x) => (x.textAliases?.[0] ?? `/${x.name}`) === cmd.name);
    assert.ok(e, `${cmd.name} comes from commands.list`);
    assert.equal(cmd.description, e.description ?? "");
    assert.deepEqual(cmd.aliases, (e.textAliases ?? []).slice(1).filter((a) => a.startsWith("/")));
    if (e.args?.some((a) => a.required)) assert.match(cmd.args ?? "", /</, `${cmd.name} shows its required argument`);
  }
  const help = commands.find((x) => x.name === "/help");
  assert.ok(help, "/help is among them");
  assert.match(help.description, /\S/);
  // Same mapping as the pure function (what the host posts to the webview).
  assert.deepEqual(slashCommands(raw.commands), commands);
});

test("rename: sessions.patch label shows in sessions.list; clearing it restores the generated title", { timeout: 180_000 }, async () => {
  const key = await sessionWithReply(c, `renamed-${randomUUID().slice(0, 6)}`);
  const label = `Renamed ${randomUUID().slice(0, 6)}`;
  await renameSession(c, key, `  ${label}  `);
  assert.equal((await row(c, key))?.label, label);
  await renameSession(c, key, "");
  const after = await row(c, key);
  assert.ok(after, "the session is still there");
  assert.equal(after.label, undefined, "the custom name is gone");
  await deleteSession(admin, key);
});

test("fork: sessions.create with fork copies the parent's transcript into the new key, listed with its parent", { timeout: 180_000 }, async () => {
  const reply = `forked-${randomUUID().slice(0, 6)}`;
  const parent = await sessionWithReply(c, reply);
  const child = `vscode-fork-${randomUUID().slice(0, 8)}`;
  // Right after a run the parent may still be settling: forkSession falls back to its last completed reply.
  const r = await forkSession(c, parent, child, "Fork test");
  assert.equal(r.key, `agent:main:${child}`);
  const h = await c.chatHistory({ sessionKey: child });
  assert.ok(h.messages.some((m) => m.role === "assistant" && messageText(m) === reply), `the fork holds the parent's reply: ${JSON.stringify(h.messages.map((m) => [m.role, messageText(m)]))}`);
  const listed = await row(c, child);
  assert.equal(listed?.label, "Fork test");
  assert.equal(listed?.parentSessionKey, `agent:main:${parent}`);
  await deleteSession(admin, child);
  await deleteSession(admin, parent);
});

test("fork while the parent's run is still going: the gateway refuses a plain fork, so it forks through the last completed reply", { timeout: 180_000 }, async () => {
  const reply = `before-slow-${randomUUID().slice(0, 6)}`;
  const parent = await sessionWithReply(c, reply);
  const runId = randomUUID();
  await c.chatSend({ sessionKey: parent, message: "take your time [[slow]]", idempotencyKey: runId });
  for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
    const h = await c.chatHistory({ sessionKey: parent });
    if (h.sessionInfo?.hasActiveRun) break;
    if (Date.now() - t0 > 60_000) throw new Error("the slow run never showed as active");
  }
  await assert.rejects(c.sessionsCreate({ key: `vscode-fork-${randomUUID().slice(0, 8)}`, parentSessionKey: parent, fork: true }), /still active/, "a plain fork of a running parent is refused (else this test checks nothing)");
  const child = `vscode-fork-${randomUUID().slice(0, 8)}`;
  await forkSession(c, parent, child);
  const texts = (await c.chatHistory({ sessionKey: child })).messages.map((m): [string, string] => [m.role, messageText(m)]);
  assert.ok(texts.some(([role, text]) => role === "assistant" && text === reply), `the fork holds the completed reply: ${JSON.stringify(texts)}`);
  assert.ok(!texts.some(([, text]) => text.includes("take your time")), "but not the run still going");
  await c.chatAbort({ sessionKey: parent });
  await deleteSession(admin, child);
  await deleteSession(admin, parent);
});

/** Waits until the gateway no longer counts a run of `key` as active (a fork is refused until then). */
async function settled(client: OperatorClient, key: string): Promise<void> {
  for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
    if (!(await client.chatHistory({ sessionKey: key })).sessionInfo?.hasActiveRun) return;
    if (Date.now() - t0 > 60_000) throw new Error(`${key} still has an active run`);
  }
}

test("fork from here: sessions.fork at a user message (by entry id, or by the idempotency key it was sent with) copies what came before it and hands the message back", { timeout: 240_000 }, async () => {
  assert.ok(c.hello?.methods.includes("sessions.fork"), "2026.9.6 advertises sessions.fork");
  assert.equal(canForkAtMessage(c), true);
  const first = `first-${randomUUID().slice(0, 6)}`;
  const second = `second-${randomUUID().slice(0, 6)}`;
  const parent = await sessionWithReply(c, first);
  const sentKey = randomUUID();
  await c.chatSend({ sessionKey: parent, message: `again [[echo:${second}]]`, idempotencyKey: sentKey });
  for (const t0 = Date.now(); !(await c.chatHistory({ sessionKey: parent })).messages.some((m) => messageText(m) === second); await new Promise((r) => setTimeout(r, 250))) {
    if (Date.now() - t0 > 120_000) throw new Error("no second reply");
  }
  await settled(c, parent);
  const before = (await c.chatHistory({ sessionKey: parent })).messages;
  // The transcript item of the second message carries the gateway's entry id (what the webview sends back).
  const item = projectHistory(before).find((i) => i.role === "user" && i.text.startsWith("again "));
  assert.ok(item?.entryId, `the history row has an entry id: ${JSON.stringify(item)}`);
  const texts = async (key: string) => (await c.chatHistory({ sessionKey: key })).messages.map((m) => messageText(m));
  const forks: string[] = [];
  for (const ref of [{ entryId: item.entryId }, { idempotencyKey: sentKey }]) {
    const r = await forkAtMessage(c, parent, ref);
    forks.push(r.key);
    assert.notEqual(r.key, `agent:main:${parent}`, "a new session");
    assert.equal(r.editorText, `again [[echo:${second}]]`, `the message comes back for the composer (${JSON.stringify(ref)})`);
    const got = await texts(r.key);
    assert.ok(got.includes(first), `the fork holds what came before: ${JSON.stringify(got)}`);
    assert.ok(!got.some((t) => t.includes(second)), `but not the message or its reply: ${JSON.stringify(got)}`);
  }
  assert.deepEqual(await texts(forks[0]!), await texts(forks[1]!), "both ways name the same message");
  assert.deepEqual((await c.chatHistory({ sessionKey: parent })).messages.map((m) => messageText(m)), before.map((m) => messageText(m)), "the parent is unchanged");
  // A message the gateway never stored cannot be forked at.
  await assert.rejects(forkAtMessage(c, parent, { idempotencyKey: randomUUID() }), /has not stored this message/);
  // While the agent is working the gateway refuses (the webview disables the action then).
  await c.chatSend({ sessionKey: parent, message: "take your time [[slow]]", idempotencyKey: randomUUID() });
  for (const t0 = Date.now(); !(await c.chatHistory({ sessionKey: parent })).sessionInfo?.hasActiveRun; await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() - t0 > 60_000) throw new Error("the slow run never showed as active");
  }
  await assert.rejects(forkAtMessage(c, parent, { entryId: item.entryId }), /unavailable while the agent is working/);
  await c.chatAbort({ sessionKey: parent });
  const reader = operator({ scopes: ["operator.read"], displayName: "KrabKrab sessions test (read-only fork)" });
  await reader.connect();
  try {
    assert.equal(canForkAtMessage(reader), false, "sessions.fork needs operator.write");
  } finally {
    await reader.disconnect();
  }
  for (const k of [...forks, parent]) await deleteSession(admin, k);
});

test("delete with operator.write: archived, then deleted; gone from sessions.list; the main session is refused", { timeout: 180_000 }, async () => {
  const key = await sessionWithReply(c, `deleted-${randomUUID().slice(0, 6)}`);
  assert.ok(await row(c, key));
  assert.deepEqual(await deleteSession(c, key), { deleted: true });
  assert.equal(await row(c, key), undefined, "sessions.list no longer has it");
  assert.equal((await c.call<{ sessions: { key: string }[] }>("sessions.list", { limit: 500, archived: "all" })).sessions.some((s) => s.key === `agent:main:${key}`), false, "not even as an archived row");
  // A key with nothing stored: nothing to delete (and nothing created).
  assert.deepEqual(await deleteSession(c, `vscode-nothing-${randomUUID().slice(0, 8)}`), { deleted: false });
  // The main session (given a message, so that it is stored) is protected: the gateway refuses to archive it.
  await sessionWithReply(c, `main-${randomUUID().slice(0, 6)}`, "main");
  await assert.rejects(deleteSession(c, "main"), (err: Error) => /main|protected|changed/i.test(err.message), "refused");
  const main = await row(c, "main");
  assert.ok(main && main.archived !== true, "the main session is still there, not archived");
});

test("delete with operator.admin: one sessions.delete; the main session is refused by the gateway", { timeout: 180_000 }, async () => {
  const key = await sessionWithReply(admin, `deleted-admin-${randomUUID().slice(0, 6)}`);
  assert.deepEqual(await deleteSession(admin, key), { deleted: true });
  assert.equal(await row(admin, key), undefined);
  await assert.rejects(deleteSession(admin, "main"), /Cannot delete the main session/);
});
