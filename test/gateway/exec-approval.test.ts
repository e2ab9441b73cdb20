// Exec approvals end to end against the REAL gateway (openclaw 2026.9.6) and the deterministic model
// server, both started once per run by scripts/test.mjs.
//
// How the gateway is made to ask, without touching its shared config: the test's own session gets
// `sessions.patch {key, permissionMode: "guarded"}` (operator.write is enough; it affects that session
// only). In a guarded session host exec runs with security=allowlist ask=on-miss, so any command that is
// not allowlisted needs a human. The model is told `[[tool:exec {"command": …}]]`, so it calls the
// gateway's real `exec` tool (args `{command}`), the gateway runs it on the gateway host (host=auto → no
// sandbox → gateway) and, before it does, broadcasts `exec.approval.requested` to approval clients.
//
// Observed payloads (see src/gateway/exec-approval.ts for the field-by-field comment):
//   exec.approval.requested  { approvalKind: "exec", id, createdAtMs, expiresAtMs (= +30 min),
//                              request: { command, cwd, host: "gateway", security: "allowlist", ask: "on-miss",
//                                         allowedDecisions: ["allow-once","deny"], unavailableDecisions: ["allow-always"],
//                                         agentId: "main", resolvedPath, sessionKey: "agent:main:<key>", runId,
//                                         toolCallId, turnSourceChannel: "webchat", commandAnalysis, … } }
//   exec.approval.resolve    → { ok: true }
//   exec.approval.resolved   { id, decision, resolvedBy: "<client displayName>", ts, request }
//   agent stream "lifecycle" { phase: "waiting-approval" | "approval-resolved", approvalId, toolCallId }
//   agent stream "tool"      { phase: "result", name: "exec", toolCallId, isError,
//                              result: { content: [{ type: "text", text }], details } }
//     allow-once: text = the command's output; details { status: "completed", exitCode: 0, … }
//     deny:       text = "Exec denied (gateway id=<approval id>, user-denied): <command>"; isError true
//   agent stream "approval"  { phase: "resolved", kind: "exec", status: "denied", … } (on deny)
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { describeExecApproval, GatewayIssueError, messageText, type AgentEvent, type ChatEvent, type OperatorClient } from "../../src/gateway";
import { operator, waitFor } from "../support/real-peers";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});

const WAIT_MS = 120_000; // model turn + approval + tool run on two busy cores
const key = `vsc-exec-${randomUUID().slice(0, 8)}`;
const canonicalKey = `agent:main:${key}`;
let c: OperatorClient;

/** Everything the gateway says about our session, recorded from the moment of subscription. */
const seen = { requested: [] as (Rec & { id: string })[], resolved: [] as Rec[], agent: [] as AgentEvent[], chat: [] as ChatEvent[] };

before(async () => {
  // Exactly what the extension asks for by default: no admin needed for any of this.
  c = operator({ scopes: ["operator.read", "operator.write", "operator.approvals"], displayName: "KrabKrab exec-approval test" });
  await c.connect();
  c.on("execApprovalRequested", (p) => {
    if (rec(p.request).sessionKey === canonicalKey) seen.requested.push(p);
  });
  c.on("execApprovalResolved", (p) => {
    if (rec(p.request).sessionKey === canonicalKey) seen.resolved.push(p);
  });
  c.on("agent", (e) => {
    if (e.sessionKey === canonicalKey) seen.agent.push(e);
  });
  c.on("chat", (e) => {
    if (e.sessionKey === canonicalKey) seen.chat.push(e);
  });
  const patched = rec(await c.call("sessions.patch", { key, permissionMode: "guarded" }));
  assert.equal(patched.ok, true, `sessions.patch: ${JSON.stringify(patched)}`);
  assert.equal(rec(patched.entry).permissionMode, "guarded");
});

after(async () => {
  await c?.disconnect();
});

/** Sends a chat turn whose model reply calls `exec {command}`; resolves with the approval request it raises. */
async function runExecAndAwaitRequest(command: string) {
  const runId = randomUUID();
  const before = seen.requested.length;
  const sent = await c.chatSend({ sessionKey: key, message: `Please run it [[tool:exec ${JSON.stringify({ command })}]]`, idempotencyKey: runId });
  assert.equal(sent.runId, runId);
  const request = await waitFor(`exec.approval.requested for "${command}"`, () => {
    const found = seen.requested.slice(before).find((p) => rec(p.request).runId === runId);
    if (found) return found;
    // The tool finished without asking (e.g. "Headless runs cannot wait for interactive exec approval"
    // when this connection is not an approval client): fail now, with what the gateway said.
    const early = seen.agent.find((e) => e.runId === runId && e.stream === "tool" && rec(e.data).phase === "result");
    if (early) throw new Error(`the exec tool finished without an approval request: ${JSON.stringify(early.data).slice(0, 800)}`);
    return undefined;
  }, WAIT_MS);
  return { runId, request };
}

function toolResult(runId: string, toolCallId: string) {
  return seen.agent.find((e) => e.runId === runId && e.stream === "tool" && rec(e.data).phase === "result" && rec(e.data).toolCallId === toolCallId);
}
function resultText(e: AgentEvent): string {
  const content = rec(rec(e.data).result).content;
  return Array.isArray(content) ? content.map((b) => String(rec(b).text ?? "")).join("") : "";
}
function finalChat(runId: string) {
  return seen.chat.find((e) => e.runId === runId && e.state === "final");
}

test("allow-once: the gateway asks with the command, the answer runs it, and the tool result carries its output", { timeout: 300_000 }, async () => {
  const nonce = randomUUID().slice(0, 8);
  // Output ("kk-ran-<nonce>") differs from the command text, so seeing it proves the command ran.
  const command = `printf %s-%s kk ran-${nonce}`;
  const { runId, request } = await runExecAndAwaitRequest(command);
  console.log(`[exec-approval] exec.approval.requested payload: ${JSON.stringify(request)}`);

  // The request, as the extension's notification reads it.
  assert.match(request.id, /\S/);
  assert.equal(request.approvalKind, "exec");
  const d = describeExecApproval(request);
  assert.ok(d.command.includes(command), `notification command "${d.command}" contains "${command}"`);
  assert.equal(d.sessionKey, canonicalKey);
  assert.equal(d.runId, runId);
  assert.ok(d.where?.includes("gateway"), `where: ${d.where}`);
  assert.deepEqual(d.decisions, ["allow-once", "deny"], "a guarded session offers no allow-always");
  assert.ok(typeof d.expiresAtMs === "number" && d.expiresAtMs > Date.now(), "not yet expired");

  // The run is parked on the approval, and the tool has not produced a result yet.
  const toolCallId = d.toolCallId!;
  assert.ok(toolCallId, "request names the model's tool call");
  await waitFor("lifecycle waiting-approval", () => seen.agent.find((e) => e.runId === runId && e.stream === "lifecycle" && rec(e.data).phase === "waiting-approval" && rec(e.data).approvalId === request.id), WAIT_MS);
  assert.equal(toolResult(runId, toolCallId), undefined, "no tool result before the decision");

  assert.deepEqual(await c.execApprovalResolve(request.id, "allow-once"), { ok: true });
  const resolved = await waitFor("exec.approval.resolved", () => seen.resolved.find((p) => p.id === request.id), WAIT_MS);
  console.log(`[exec-approval] exec.approval.resolved payload: ${JSON.stringify(resolved)}`);
  assert.equal(resolved.decision, "allow-once");
  assert.equal(resolved.resolvedBy, "KrabKrab exec-approval test");

  const result = await waitFor("exec tool result", () => toolResult(runId, toolCallId), WAIT_MS);
  assert.equal(rec(result.data).name, "exec");
  assert.equal(rec(result.data).isError, false, `tool result: ${JSON.stringify(result.data)}`);
  assert.equal(resultText(result).trim(), `kk-ran-${nonce}`);
  assert.equal(rec(rec(rec(result.data).result).details).exitCode, 0);

  const final = await waitFor("chat final", () => finalChat(runId), WAIT_MS);
  assert.equal(messageText(final.message), `Tool exec returned: kk-ran-${nonce}`);
  const history = await c.chatHistory({ sessionKey: key, limit: 50 });
  const stored = history.messages.find((m) => rec(m).role === "toolResult" && rec(m).toolCallId === toolCallId);
  assert.ok(stored, "the tool result is in chat.history");
  assert.equal(messageText(stored).trim(), `kk-ran-${nonce}`);

  // First answer wins: a second one is refused ("approval already resolved" while the record is still
  // live, "unknown or expired approval id" once the run has finished with it — as here).
  await assert.rejects(c.execApprovalResolve(request.id, "deny"), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "invalid-request" && /already resolved|unknown or expired approval id/.test(e.issue.message));
});

test("deny: a second run in the same session asks again, allow-always is refused as unavailable, deny reports the command as denied", { timeout: 300_000 }, async () => {
  const nonce = randomUUID().slice(0, 8);
  const command = `printf %s-%s kk denied-${nonce}`;
  const { runId, request } = await runExecAndAwaitRequest(command);
  const d = describeExecApproval(request);
  assert.ok(d.command.includes(command), d.command);
  assert.ok(!d.decisions.includes("allow-always"));

  // The gateway enforces what it advertised: the request stays pending after the refusal.
  await assert.rejects(c.execApprovalResolve(request.id, "allow-always"), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "invalid-request" && /allow-always is unavailable/.test(e.issue.message));
  assert.deepEqual(await c.execApprovalResolve(request.id, "deny"), { ok: true });

  const resolved = await waitFor("exec.approval.resolved (deny)", () => seen.resolved.find((p) => p.id === request.id), WAIT_MS);
  assert.equal(resolved.decision, "deny");

  const result = await waitFor("exec tool result (denied)", () => toolResult(runId, d.toolCallId!), WAIT_MS);
  assert.equal(rec(result.data).isError, true);
  const text = resultText(result);
  assert.match(text, /Exec denied/);
  assert.ok(text.includes(request.id) && text.includes("user-denied"), text);
  assert.ok(!text.includes(`kk-denied-${nonce}`), `the command did not run: ${text}`);
  const approvalEvent = await waitFor("agent approval stream: denied", () => seen.agent.find((e) => e.runId === runId && e.stream === "approval" && rec(e.data).status === "denied"), WAIT_MS);
  assert.equal(rec(approvalEvent.data).kind, "exec");

  const final = await waitFor("chat final (denied)", () => finalChat(runId), WAIT_MS);
  assert.match(messageText(final.message), /^Tool exec returned: Exec denied/);
  assert.equal(seen.requested.length, 2, "one request per run");
  assert.equal(seen.resolved.length, 2, "one resolution per request");
});
