// describeExecApproval: what the notification shows and which buttons it offers, from the payload shapes
// the real gateway sends (see src/gateway/exec-approval.ts; end to end in test/gateway/exec-approval.test.ts).
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { describeExecApproval } from "../../src/gateway";

const observed = {
  approvalKind: "exec",
  id: "bd6c2b97-b4ea-4cdc-a832-b7991f35dc04",
  request: {
    command: "echo hi",
    systemRunBinding: null,
    systemRunPlan: null,
    cwd: "/srv/workspace",
    nodeId: null,
    host: "gateway",
    security: "allowlist",
    ask: "on-miss",
    warningText: null,
    scope: null,
    commandAnalysis: { commandCount: 1, nestedCommandCount: 0, riskKinds: [], warningLines: [] },
    unavailableDecisions: ["allow-always"],
    allowedDecisions: ["allow-once", "deny"],
    agentId: "main",
    resolvedPath: "/usr/bin/echo",
    sessionKey: "agent:main:s1",
    sessionId: null,
    runId: "run-1",
    toolCallId: "call-1",
    turnSourceChannel: "webchat",
  },
  createdAtMs: 1000,
  expiresAtMs: 1_801_000,
};

test("the observed gateway payload: command, where, the decisions it accepts, correlation ids", () => {
  const d = describeExecApproval(observed);
  assert.equal(d.command, "echo hi");
  assert.equal(d.where, "gateway · /srv/workspace · main");
  assert.equal(d.warning, undefined);
  assert.deepEqual(d.decisions, ["allow-once", "deny"]);
  assert.equal(d.sessionKey, "agent:main:s1");
  assert.equal(d.runId, "run-1");
  assert.equal(d.toolCallId, "call-1");
  assert.equal(d.expiresAtMs, 1_801_000);
});

test("presentation wins over request; warnings come from presentation, request or the analysis lines", () => {
  const d = describeExecApproval({ ...observed, presentation: { commandText: "echo shown", host: "node-a", warningText: "careful" } });
  assert.equal(d.command, "echo shown");
  assert.ok(d.where?.startsWith("node-a"));
  assert.equal(d.warning, "careful");
  const w = describeExecApproval({ ...observed, request: { ...observed.request, commandAnalysis: { warningLines: ["uses sudo", ""] } } });
  assert.equal(w.warning, "uses sudo");
});

test("without decision lists all three are offered; unavailable ones are dropped; unknown ones ignored", () => {
  assert.deepEqual(describeExecApproval({ id: "x", request: { command: "ls" } }).decisions, ["allow-once", "allow-always", "deny"]);
  assert.deepEqual(describeExecApproval({ id: "x", request: { command: "ls", unavailableDecisions: ["allow-always"] } }).decisions, ["allow-once", "deny"]);
  assert.deepEqual(describeExecApproval({ id: "x", request: { command: "ls", allowedDecisions: ["deny", "allow-always", "maybe"] } }).decisions, ["allow-always", "deny"]);
});

test("node runs: the command comes from the systemRunPlan; long commands are kept whole; nothing at all is said so", () => {
  assert.equal(describeExecApproval({ id: "x", request: { systemRunPlan: { argv: ["ls", "-la"], cwd: "/tmp" } } }).command, "ls -la");
  assert.equal(describeExecApproval({ id: "x", request: { systemRunPlan: { rawCommand: "ls -la | wc -l" } } }).command, "ls -la | wc -l");
  // The operator approves what they read: a cut command could hide its dangerous tail (was cut at 400).
  const full = `echo ${"x".repeat(600)}; rm -rf ~/important`;
  assert.equal(describeExecApproval({ id: "x", request: { command: full } }).command, full);
  assert.equal(describeExecApproval({ id: "x" }).command, "(command not shown)");
});

test("host, cwd, agent, node and resolved path are reported one by one", () => {
  const d = describeExecApproval({ ...observed, request: { ...observed.request, host: "node", nodeId: "n-1" } });
  assert.deepEqual([d.host, d.cwd, d.agentId, d.nodeId, d.resolvedPath], ["node", "/srv/workspace", "main", "n-1", "/usr/bin/echo"]);
});
