// The vscode-free half of @-mentions: "path#L10-20" queries, the fuzzy ranking of paths, the size limit from
// the gateway's policy, and the mention syntax of the editor context's label.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { contextProblem, fuzzyScore, mentionLimit, parseMentionQuery, rangeLabel, SNIPPET_MAX_CHARS } from "../../../src/extension/common/mention-query";

test("a query names a path and, after #L, a line or a range (put in order)", () => {
  assert.deepEqual(parseMentionQuery("src/a.ts"), { path: "src/a.ts" });
  assert.deepEqual(parseMentionQuery("src/a.ts#L10-20"), { path: "src/a.ts", range: { start: 10, end: 20 } });
  assert.deepEqual(parseMentionQuery("a.ts#L7"), { path: "a.ts", range: { start: 7, end: 7 } });
  assert.deepEqual(parseMentionQuery("a.ts#20-L10"), { path: "a.ts", range: { start: 10, end: 20 } });
  assert.deepEqual(parseMentionQuery("#L3"), { path: "", range: { start: 3, end: 3 } });
  assert.equal(rangeLabel({ start: 10, end: 20 }), "#L10-20");
  assert.equal(rangeLabel({ start: 4, end: 4 }), "#L4");
  assert.equal(rangeLabel(undefined), "");
});

test("fuzzy ranking: characters in order; the file name and word starts count more", () => {
  assert.equal(fuzzyScore("xyz", "src/webview/chat-app.ts"), -1);
  assert.ok(fuzzyScore("chtapp", "src/webview/chat-app.ts") > 0);
  const rank = (q: string, paths: string[]) => [...paths].sort((a, b) => fuzzyScore(q, b) - fuzzyScore(q, a));
  assert.deepEqual(rank("composer", ["test/webview/chat.test.ts", "docs/compose-a-message/readme.md", "src/webview/composer.ts"]).slice(0, 1), ["src/webview/composer.ts"]);
  assert.deepEqual(rank("app", ["src/app/index.ts", "src/webview/chat-app.ts", "src/app.ts"])[0], "src/app.ts", "a name that starts with the query wins");
  assert.equal(fuzzyScore("", "anything"), 0);
});

test("the limit of one mention: the contract's cap, lowered by the gateway's advertised limits", () => {
  assert.equal(mentionLimit(undefined), SNIPPET_MAX_CHARS);
  assert.equal(mentionLimit({ maxBytes: 19_464_192, maxPayload: 26_214_400 }), SNIPPET_MAX_CHARS);
  assert.equal(mentionLimit({ maxBytes: 4096 }), 4096);
  assert.equal(contextProblem([{ label: "a", text: "x".repeat(600) }], { maxPayload: 1000 })?.includes("@file#L10-20"), true);
  assert.equal(contextProblem([{ label: "a", text: "x".repeat(400) }], { maxPayload: 1000 }), undefined);
  assert.equal(contextProblem([{ label: "a", text: "x".repeat(10_000_000) }], undefined), undefined, "no policy: nothing to check against");
});
