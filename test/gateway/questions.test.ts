// Agent questions (ask_user) and the exec-approval backfill, end to end against the REAL gateway
// (openclaw 2026.9.6) and the deterministic model server, both started once per run by scripts/test.mjs.
//
// The model is told `[[tool:ask_user {questions:[…]}]]`, so it calls the gateway's real ask_user tool; the
// gateway parks the run, broadcasts `question.requested` to question clients (operator.questions) and
// lists it in `question.list` until someone answers with `question.resolve`. The tool result carries the
// answer back to the model, whose stand-in reply is "Tool ask_user returned: <tool content>".
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { createDeviceIdentity, messageText, type AgentEvent, type ChatEvent, type OperatorClient, type QuestionRecord, type QuestionResolved } from "../../src/gateway";
import { operator, waitFor } from "../support/real-peers";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});

const WAIT_MS = 120_000;
const key = `vsc-q-${randomUUID().slice(0, 8)}`;
const canonicalKey = `agent:main:${key}`;
const SCOPES = ["operator.read", "operator.write", "operator.approvals", "operator.questions"] as const;
let c: OperatorClient;
const seen = { requested: [] as QuestionRecord[], resolved: [] as QuestionResolved[], agent: [] as AgentEvent[], chat: [] as ChatEvent[] };

function record(client: OperatorClient) {
  client.on("questionRequested", (p) => {
    if (p.sessionKey === canonicalKey) seen.requested.push(p);
  });
  client.on("questionResolved", (p) => seen.resolved.push(p));
  client.on("agent", (e) => {
    if (e.sessionKey === canonicalKey) seen.agent.push(e);
  });
  client.on("chat", (e) => {
    if (e.sessionKey === canonicalKey) seen.chat.push(e);
  });
}

// One device identity for both windows: VS Code windows of one install share it, and the gateway shows a
// device the approvals its own runs raised (exec.approval.list is per requester, unlike question.list).
const identity = createDeviceIdentity();

before(async () => {
  c = operator({ scopes: [...SCOPES], identity, displayName: "KrabKrab questions test" });
  record(c);
  await c.connect();
});

after(async () => {
  await c?.disconnect();
});

function askDirective(nonce: string) {
  const args = { questions: [{ id: "target", header: "Target", question: `Where to deploy ${nonce}?`, options: [{ label: "Staging" }, { label: "Production" }] }] };
  return `Please ask me [[tool:ask_user ${JSON.stringify(args)}]]`;
}

function toolResult(runId: string) {
  return seen.agent.find((e) => e.runId === runId && e.stream === "tool" && rec(e.data).phase === "result" && rec(e.data).name === "ask_user");
}

test("ask_user: the question arrives as an event and in question.list, the answer resumes the run and reaches the model", { timeout: 300_000 }, async () => {
  assert.ok(c.hello?.methods.includes("question.list") && c.hello.methods.includes("question.resolve"), "the gateway advertises question.list/resolve");
  const nonce = randomUUID().slice(0, 8);
  const runId = randomUUID();
  await c.chatSend({ sessionKey: key, message: askDirective(nonce), idempotencyKey: runId });
  const q = await waitFor("question.requested", () => {
    const found = seen.requested.find((p) => p.runId === runId);
    if (found) return found;
    const early = toolResult(runId);
    if (early) {
      void c.call("tools.effective", { sessionKey: canonicalKey }).then((t) => console.log(`[questions] tools.effective: ${JSON.stringify(t).slice(0, 4000)}`), (e) => console.log(`[questions] tools.effective: ${String(e)}`));
      throw new Error(`ask_user finished without a question: ${JSON.stringify(early.data).slice(0, 800)}`);
    }
    return undefined;
  }, WAIT_MS);
  console.log(`[questions] question.requested payload: ${JSON.stringify(q)}`);
  assert.equal(q.questions.length, 1);
  const item = q.questions[0]!;
  assert.equal(item.questionId, "target");
  assert.equal(item.question, `Where to deploy ${nonce}?`);
  assert.deepEqual(item.options?.map((o) => o.label), ["Staging", "Production"]);
  assert.equal(q.status, "pending");

  const listed = await c.questionList();
  assert.ok(listed.some((r) => r.id === q.id), `question.list has ${q.id}: ${JSON.stringify(listed).slice(0, 400)}`);
  assert.equal(toolResult(runId), undefined, "the run waits for the answer");

  const res = await c.questionResolve(q.id, { values: { target: ["Production"] } });
  console.log(`[questions] question.resolve result: ${JSON.stringify(res)}`);
  assert.equal(res.status, "answered");
  const resolved = await waitFor("question.resolved", () => seen.resolved.find((p) => p.id === q.id), WAIT_MS);
  assert.equal(resolved.status, "answered");
  assert.deepEqual(resolved.answers?.answers, { target: ["Production"] });

  const final = await waitFor("chat final", () => seen.chat.find((e) => e.runId === runId && e.state === "final"), WAIT_MS);
  const text = messageText(final.message);
  console.log(`[questions] final: ${text}`);
  assert.match(text, /^Tool ask_user returned: /);
  assert.ok(text.includes("Production"), `the model saw the answer: ${text}`);
  assert.ok(!(await c.questionList()).some((r) => r.id === q.id), "no longer pending");
});

test("backfill: a question raised before a client connected is found by question.list on connect, and can be answered from it", { timeout: 300_000 }, async () => {
  const nonce = randomUUID().slice(0, 8);
  const runId = randomUUID();
  await c.chatSend({ sessionKey: key, message: askDirective(nonce), idempotencyKey: runId });
  const q = await waitFor("question.requested", () => {
    if (toolResult(runId)) throw new Error("ask_user finished without a question");
    return seen.requested.find((p) => p.runId === runId);
  }, WAIT_MS);

  // A second window connecting now saw no event: only the backfill tells it.
  const late = operator({ scopes: [...SCOPES], displayName: "KrabKrab questions late" });
  try {
    await late.connect();
    const backfill = await late.questionList();
    const found = backfill.find((r) => r.id === q.id);
    assert.ok(found, `backfill finds ${q.id}`);
    assert.equal(found.questions[0]?.question, `Where to deploy ${nonce}?`);
    await late.questionResolve(q.id, { values: { target: [`Somewhere else ${nonce}`] } }); // free text ("Other")
  } finally {
    await late.disconnect();
  }
  const final = await waitFor("chat final", () => seen.chat.find((e) => e.runId === runId && e.state === "final"), WAIT_MS);
  assert.ok(messageText(final.message).includes(`Somewhere else ${nonce}`), messageText(final.message));
});

test("exec.approval.list: an approval raised before a client connected is found on connect", { timeout: 300_000 }, async () => {
  assert.ok(c.hello?.methods.includes("exec.approval.list"), "the gateway advertises exec.approval.list");
  const ekey = `vsc-qe-${randomUUID().slice(0, 8)}`;
  await c.call("sessions.patch", { key: ekey, permissionMode: "guarded" });
  const requested: Rec[] = [];
  c.on("execApprovalRequested", (p) => requested.push(p));
  const runId = randomUUID();
  await c.chatSend({ sessionKey: ekey, message: `Run [[tool:exec {"command":"printf kk-backfill"}]]`, idempotencyKey: runId });
  const req = await waitFor("exec.approval.requested", () => requested.find((p) => rec(p.request).runId === runId), WAIT_MS);
  const late = operator({ scopes: [...SCOPES], identity, displayName: "KrabKrab approvals late" });
  try {
    await late.connect();
    const list = await late.execApprovalList();
    console.log(`[questions] exec.approval.list: ${JSON.stringify(list).slice(0, 600)}`);
    assert.ok(list.some((p) => p.id === req.id), "backfill finds the approval");
    assert.deepEqual(await late.execApprovalResolve(String(req.id), "deny"), { ok: true });
  } finally {
    await late.disconnect();
  }
});
