// The host end of a webview channel with a fake webview: invalid messages are dropped and logged, state
// waits for `ready`, user intents queue until then, every request gets exactly one response (ok, error,
// or "not available here") from the one handler registered for it, and outgoing messages are validated too.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type * as vscode from "vscode";
import { renderedReports, WebviewChannel } from "../../../src/extension/webviews/webview-channel";
import { GatewayIssueError, redactingLogger, type Logger } from "../../../src/gateway";
import { Abort, LoadOlder, SwitchSession, type HostMessage } from "../../../src/shared/contract";

function fake() {
  const posted: unknown[] = [];
  const logs: string[] = [];
  let listener: ((m: unknown) => void) | null = null;
  const webview = {
    postMessage: async (m: unknown) => (posted.push(m), true),
    onDidReceiveMessage: (l: (m: unknown) => void) => ((listener = l), { dispose: () => (listener = null) }),
  } as unknown as vscode.Webview;
  const log: Logger = redactingLogger({ trace() {}, debug() {}, info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`) });
  const send = async (m: unknown) => {
    listener!(m);
    await new Promise((r) => setTimeout(r, 5));
  };
  return { webview, posted, logs, send, log };
}

test("invalid messages are dropped and logged; state waits for ready; queued intents follow ready", async () => {
  const f = fake();
  const ch = new WebviewChannel(f.webview, f.log, "test");
  const seen: string[] = [];
  ch.onReady((m) => void seen.push(`ready ${m.view}`));
  await f.send({ type: "send", requestId: "x", text: "hi" });
  await f.send({ type: "nope" });
  assert.equal(f.logs.filter((l) => l.startsWith("warn test: dropped an invalid message")).length, 2);
  assert.deepEqual(seen, []);
  ch.post({ type: "connection", connection: { status: "connected" } });
  ch.post({ type: "addContext", context: { label: "a", text: "b" } });
  assert.deepEqual(f.posted, [], "nothing is posted before ready");
  await f.send({ type: "ready", view: "chat" });
  assert.deepEqual(seen, ["ready chat"]);
  assert.deepEqual(f.posted, [{ type: "addContext", context: { label: "a", text: "b" } }], "the queued intent follows ready; state is re-sent by its owner");
  ch.dispose();
});

test("every request gets exactly one response: a result, an error with its next step, or not-available", async () => {
  const f = fake();
  const ch = new WebviewChannel(f.webview, f.log, "test");
  const params: unknown[] = [];
  ch.handle(Abort, (p) => (params.push(p), {}));
  ch.handle(SwitchSession, (p) => (params.push(p), {}));
  ch.handle(LoadOlder, () => {
    throw new GatewayIssueError({ kind: "missing-scope", message: "missing scope: operator.read.", nextStep: "Reconnect with read access.", retrying: false });
  });
  assert.throws(() => ch.handle(Abort, () => ({})), /already has a handler/, "one handler per request");
  await f.send({ type: "abort", requestId: 1 }); // before ready: still answered
  await f.send({ type: "ready", view: "chat" });
  await f.send({ type: "loadOlder", requestId: 2 });
  await f.send({ type: "newSession", requestId: 3 });
  await f.send({ type: "switchSession", requestId: 4, sessionKey: "agent:main:x" });
  assert.deepEqual(params, [{}, { sessionKey: "agent:main:x" }], "a handler gets the params alone");
  const responses = f.posted.filter((m): m is Extract<HostMessage, { type: "response" }> => (m as HostMessage).type === "response");
  assert.deepEqual(responses.map((r) => r.requestId), [1, 2, 3, 4]);
  assert.deepEqual(responses[0], { type: "response", requestId: 1, ok: true, result: {} });
  assert.equal(responses[1]!.ok, false);
  assert.equal(responses[1]!.error, "missing scope: operator.read. Reconnect with read access.");
  assert.match(responses[2]!.error ?? "", /not available in this view/);
  ch.dispose();
});

test("outgoing messages are validated; rendered reports are kept for the test-only activation API", async () => {
  const f = fake();
  const ch = new WebviewChannel(f.webview, f.log, "test");
  await f.send({ type: "ready", view: "dashboard" });
  ch.post({ type: "chat", chat: { sessionKey: "k", items: [{ id: "1", role: "robot", text: "x" }], hasMore: false, activeRunId: null } } as unknown as HostMessage);
  assert.deepEqual(f.posted, []);
  assert.ok(f.logs.some((l) => l.startsWith("error test: refusing to post an invalid chat message")));
  await f.send({ type: "rendered", view: "dashboard", items: 1, domRows: 3, facts: 4 });
  assert.equal(renderedReports.get("dashboard")?.facts, 4);
  ch.dispose();
});
