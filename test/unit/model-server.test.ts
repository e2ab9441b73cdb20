// The deterministic model server's tool directives: [[tool:…]], [[write:…]] and [[edit:…]] blocks, several of
// them called one per model turn, and the reply text once the last result is back (over its real HTTP API).
import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { parseToolDirectives, startModelServer, type ModelServer } from "../fixtures/model-server";

let m: ModelServer;
before(async () => {
  m = await startModelServer({ wordDelayMs: 0 });
});
after(async () => {
  await m?.close();
});

test("write and edit blocks take their text verbatim (newlines, braces, quotes)", () => {
  const d = parseToolDirectives('a [[write:src/x.json]]{"k": "v"}\n[[/write]] b [[edit: src/x.json ]]"v"[[to]]"w"\n[[/edit]] [[tool:exec {"command":"ls"}]]');
  assert.deepEqual(d.map((x) => [x.name, JSON.parse(x.argsJson)]), [
    ["write", { path: "src/x.json", content: '{"k": "v"}\n' }],
    ["edit", { path: "src/x.json", edits: [{ oldText: '"v"', newText: '"w"\n' }] }],
    ["exec", { command: "ls" }],
  ]);
});

test("several directives: one tool call per turn, in order, then the reply", async () => {
  const user = { role: "user", content: "go [[write:a.txt]]one\n[[/write]] [[edit:a.txt]]one[[to]]two[[/edit]]" };
  const ask = async (messages: unknown[]) => {
    const res = await fetch(`${m.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "krabkrab-demo", stream: false, messages }) });
    return ((await res.json()) as { choices: { message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] } }[] }).choices[0]!.message;
  };
  const first = await ask([user]);
  assert.equal(first.tool_calls?.[0]?.function.name, "write");
  const call1 = { role: "assistant", content: null, tool_calls: first.tool_calls };
  const second = await ask([user, call1, { role: "tool", tool_call_id: first.tool_calls![0]!.id, content: "Successfully wrote 4 bytes" }]);
  assert.equal(second.tool_calls?.[0]?.function.name, "edit");
  assert.deepEqual(JSON.parse(second.tool_calls![0]!.function.arguments), { path: "a.txt", edits: [{ oldText: "one", newText: "two" }] });
  const call2 = { role: "assistant", content: null, tool_calls: second.tool_calls };
  const third = await ask([user, call1, { role: "tool", tool_call_id: first.tool_calls![0]!.id, content: "ok" }, call2, { role: "tool", tool_call_id: second.tool_calls![0]!.id, content: "Successfully replaced 1 block(s)" }]);
  assert.equal(third.tool_calls, undefined);
  assert.equal(third.content, "Tool edit returned: Successfully replaced 1 block(s)");
});
