// src/shared/base/errors.ts and the Logger: one error shape, messages for anything thrown, causes kept.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ConfigError, GatewayIssueError, LocalGatewayError, memoryLogger, redactor } from "../../../src/gateway";
import { KrabError, describeCauses, getErrorMessage, isErrorInfo, toErrorInfo } from "../../../src/shared/base/errors";
import { SshTunnelError } from "../../../src/gateway/ssh";

test("every layer's error has the one shape (kind, message, nextStep, retryable, setting)", () => {
  const errs = [
    new ConfigError("Profile \"x\": bad url", "krabkrab.profiles"),
    new LocalGatewayError("no command", "command-not-found", "Install it."),
    new SshTunnelError("refused", "refused", true),
    new GatewayIssueError({ kind: "pairing-required", message: "m", nextStep: "n", retrying: false, approveCommand: "krabkrab devices approve abc" }),
  ];
  for (const e of errs) assert.ok(isErrorInfo(e) && e instanceof KrabError, e.name);
  assert.equal(errs[0]!.setting, "krabkrab.profiles");
  assert.equal(errs[1]!.setting, "krabkrab.local.command");
  assert.equal(errs[2]!.retryable, true);
  assert.equal(errs[3]!.hostCommand, "krabkrab devices approve abc");
  assert.equal(isErrorInfo(new Error("plain")), false);
  // By shape, not by class: an error from another bundle's copy of the classes still counts.
  assert.ok(isErrorInfo(Object.assign(new Error("x"), { kind: "refused", nextStep: "", retryable: true })));
});

test("getErrorMessage reads anything thrown; toErrorInfo wraps the unknown as 'unexpected'", () => {
  assert.equal(getErrorMessage(new Error("a")), "a");
  assert.equal(getErrorMessage("b"), "b");
  assert.equal(getErrorMessage({ message: "c" }), "c");
  assert.equal(getErrorMessage({ code: 1 }), '{"code":1}');
  assert.equal(getErrorMessage(undefined), "undefined");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(getErrorMessage(cyclic), "[object Object]");
  assert.equal(toErrorInfo(42).kind, "unexpected");
});

test("describeCauses follows the cause chain, cut at cycles", () => {
  const root = new Error("ECONNREFUSED");
  const mid = new Error("socket failed", { cause: root });
  const top = new KrabError({ kind: "unreachable", message: "cannot reach", nextStep: "", retryable: true, cause: mid });
  assert.equal(describeCauses(top), "cannot reach ← caused by: socket failed ← caused by: ECONNREFUSED");
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(describeCauses(b), "b ← caused by: a");
});

test("Logger: child scopes prefix lines, error(err, context) keeps the cause, every line is redacted", () => {
  redactor.add("sekrit-token-123");
  const log = memoryLogger();
  const ssh = log.child("ssh");
  ssh.child("hop").info("hello");
  ssh.error(new Error("auth failed", { cause: new Error("token sekrit-token-123 refused") }), "connecting");
  log.warn("slow", "x");
  assert.deepEqual(log.lines, [
    "info [ssh/hop] hello",
    "error [ssh] connecting: auth failed ← caused by: token ‹redacted› refused",
    "warn slow: x",
  ]);
  redactor.forget("sekrit-token-123");
});
