// What the host posts for each transcript change: a patch with only the changed items while earlier items
// stay in order (streaming, a new message), a full snapshot otherwise (re-sync, load older, session switch).
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { TranscriptDiff, type Snapshot } from "../../../src/extension/common/transcript-diff";
import type { TranscriptItem } from "../../../src/shared/contract";

const snap = (items: TranscriptItem[], over: Partial<Snapshot> = {}): Snapshot => ({ sessionKey: "agent:main:main", items, hasMore: false, activeRunId: null, ...over });
const u: TranscriptItem = { id: "u1", role: "user", text: "hi", status: "sent" };
const run = (text: string, status: TranscriptItem["status"] = "streaming"): TranscriptItem => ({ id: "run:r", role: "assistant", runId: "r", text, status });

test("first post is full; streaming updates are patches with just the reply; 500 deltas post 500 one-item patches", () => {
  const d = new TranscriptDiff();
  assert.equal(d.next(snap([u])).type, "chat");
  const first = d.next(snap([u, run("a")], { activeRunId: "r" }));
  assert.equal(first.type, "chatPatch");
  assert.deepEqual(first.type === "chatPatch" && first.patch.upsert.map((i) => i.id), ["run:r"]);
  let text = "a";
  for (let i = 0; i < 500; i++) {
    text += ` w${i}`;
    const m = d.next(snap([u, run(text)], { activeRunId: "r" }));
    assert.equal(m.type, "chatPatch");
    assert.equal(m.type === "chatPatch" && m.patch.upsert.length, 1);
    assert.equal(m.type === "chatPatch" && m.patch.upsert[0]!.text, text, "the whole text so far, not an increment");
  }
  const fin = d.next(snap([u, run(text, "final")]));
  assert.deepEqual(fin.type === "chatPatch" && [fin.patch.upsert[0]!.status, fin.patch.activeRunId], ["final", null]);
  const same = d.next(snap([u, run(text, "final")]));
  assert.deepEqual(same.type === "chatPatch" && same.patch.upsert, [], "nothing changed, nothing re-sent");
});

test("order changes, removals, older history, a session switch and forced posts are full snapshots", () => {
  const d = new TranscriptDiff();
  d.next(snap([u, run("x")]));
  assert.equal(d.next(snap([{ id: "h:0", role: "user", text: "older" }, u, run("x")])).type, "chat", "older rows prepended");
  assert.equal(d.next(snap([u])).type, "chat", "rows removed (history re-sync)");
  assert.equal(d.next(snap([u], { sessionKey: "agent:main:other" })).type, "chat", "another session");
  assert.equal(d.next(snap([u], { sessionKey: "agent:main:other" }), true).type, "chat", "forced");
  d.reset();
  assert.equal(d.next(snap([u], { sessionKey: "agent:main:other" })).type, "chat", "after reset (webview reloaded)");
});
