// The review's change derivation: the gateway's file-tool arguments (edit, write, apply_patch as the pinned
// gateway shapes them), replaying and undoing them, unified diffs both ways, and the before/after of a call,
// a run or a transcript with and without the file's current content.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { applyEdits, applyUnifiedDiff, deriveChanges, fileKey, lineStats, opsOfCard, opsOfTranscript, parseApplyPatch, undoEdits, type RunToolCard } from "../../../src/gateway/changes";
import type { ToolCard } from "../../../src/shared/contract/transcript";

const card = (toolCallId: string, name: string, args: unknown, result: unknown = "ok", extra: Partial<ToolCard> = {}): ToolCard => ({ toolCallId, name, args, result, phase: "result", ...extra });

test("edit, write and apply_patch cards become file operations; failed, running and other tools do not", () => {
  assert.deepEqual(opsOfCard(card("a", "edit", { path: "n.txt", oldText: "two", newText: "TWO" }), "r1"), [{ toolCallId: "a", runId: "r1", tool: "edit", path: "n.txt", kind: "edit", edits: [{ oldText: "two", newText: "TWO" }], patch: undefined, firstChangedLine: undefined }]);
  const multi = opsOfCard(card("b", "edit", { file_path: "/w/n.txt", edits: [{ oldText: "a", newText: "b" }, { oldText: "c", newText: "d" }] }));
  assert.equal(multi[0]?.path, "/w/n.txt");
  assert.equal(multi[0]?.edits?.length, 2);
  const live = opsOfCard(card("c", "write", { path: "x", content: "hi\n" }, { content: [], details: { created: true, patch: "--- x\n+++ x\n@@ -0,0 +1,1 @@\n+hi\n", firstChangedLine: 1 } }));
  assert.equal(live[0]?.created, true);
  assert.equal(live[0]?.firstChangedLine, 1);
  assert.deepEqual(opsOfCard(card("d", "edit", { path: "x", oldText: "a", newText: "b" }, "nope", { isError: true })), []);
  assert.deepEqual(opsOfCard(card("e", "edit", { path: "x", oldText: "a", newText: "b" }, undefined, { phase: "start" })), []);
  assert.deepEqual(opsOfCard(card("f", "exec", { command: "ls" })), []);
  assert.deepEqual(opsOfCard(card("g", "edit", { path: "x", oldText: "a", newText: "a" }, { details: { changed: false } })), []);
});

test("apply_patch input: added, updated (one edit per chunk) and deleted files", () => {
  const ops = parseApplyPatch("*** Begin Patch\n*** Add File: b.txt\n+bee\n+\n+end\n*** Update File: n.txt\n@@\n one\n-TWO\n+two again\n@@ later\n-x\n+y\n*** Delete File: gone.txt\n*** End Patch");
  assert.deepEqual(ops, [
    { path: "b.txt", kind: "write", created: true, content: "bee\n\nend\n" },
    { path: "n.txt", kind: "edit", edits: [{ oldText: "one\nTWO", newText: "one\ntwo again" }, { oldText: "x", newText: "y" }] },
    { path: "gone.txt", kind: "delete" },
  ]);
});

test("replacements replay and undo only where they are unambiguous", () => {
  const edits = [{ oldText: "two\n", newText: "TWO\nand a half\n" }, { oldText: "four", newText: "4" }];
  const after = applyEdits("one\ntwo\nthree\nfour\n", edits);
  assert.equal(after, "one\nTWO\nand a half\nthree\n4\n");
  assert.equal(undoEdits(after!, edits), "one\ntwo\nthree\nfour\n");
  assert.equal(applyEdits("a a", [{ oldText: "a", newText: "b" }]), undefined, "an oldText found twice does not replay");
  assert.equal(undoEdits("x", [{ oldText: "gone", newText: "" }]), undefined, "a deletion cannot be located by its (empty) new text");
});

test("unified diffs apply forwards and backwards, located near the line they name", () => {
  const patch = "--- notes.txt\n+++ notes.txt\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n+and a half\n three\n";
  assert.equal(applyUnifiedDiff("one\ntwo\nthree\n", patch), "one\nTWO\nand a half\nthree\n");
  assert.equal(applyUnifiedDiff("one\nTWO\nand a half\nthree\n", patch, true), "one\ntwo\nthree\n");
  assert.equal(applyUnifiedDiff("zero\none\ntwo\nthree\n", patch), "zero\none\nTWO\nand a half\nthree\n", "a hunk that moved down a line still fits");
  assert.equal(applyUnifiedDiff("something else\n", patch), undefined);
  const git = "diff --git a/n b/n\nnew file mode 100644\n--- /dev/null\n+++ b/n\n@@ -0,0 +1,2 @@\n+a\n+b\n";
  assert.equal(applyUnifiedDiff("", git), "a\nb\n");
});

test("line counts and the first changed line", () => {
  assert.deepEqual(lineStats("one\ntwo\nthree\n", "one\nTWO\nand a half\nthree\n"), { additions: 2, deletions: 1, firstChangedLine: 2 });
  assert.deepEqual(lineStats(null, "a\nb\n"), { additions: 2, deletions: 0, firstChangedLine: 1 });
  assert.deepEqual(lineStats("a\nb\nc\nd\n", "a\nX\nc\nY\n"), { additions: 2, deletions: 2, firstChangedLine: 2 });
});

test("paths: ./a, a and <root>/a are one file", () => {
  assert.equal(fileKey("./src//a.ts"), "src/a.ts");
  assert.equal(fileKey("/w/root/src/a.ts", "/w/root/"), "src/a.ts");
  assert.equal(fileKey("/elsewhere/a.ts", "/w/root"), "/elsewhere/a.ts");
});

// A transcript: run r1 writes notes.txt (new), run r2 edits it, run r3 edits it again.
const transcript: RunToolCard[] = [
  // As chat.history gives it (projectHistory keeps a file tool's details).
  { runId: "r1", card: card("w1", "write", { path: "notes.txt", content: "one\ntwo\nthree\n" }, { content: "Successfully wrote 14 bytes", details: { changed: true, created: true, diff: "+1 one" } }) },
  { runId: "r2", card: card("e1", "edit", { path: "notes.txt", oldText: "two\n", newText: "TWO\nand a half\n" }) },
  { runId: "r3", card: card("e2", "edit", { path: "./notes.txt", edits: [{ oldText: "three", newText: "3" }] }) },
];

test("from the tool events alone: a file the agent created is known exactly at every step", () => {
  const all = opsOfTranscript(transcript);
  const [r2] = deriveChanges(all, (op) => op.runId === "r2", new Map());
  assert.equal(r2?.exact, true);
  assert.equal(r2?.before, "one\ntwo\nthree\n");
  assert.equal(r2?.after, "one\nTWO\nand a half\nthree\n");
  assert.deepEqual([r2?.additions, r2?.deletions, r2?.line, r2?.toolCallIds], [2, 1, 2, ["e1"]]);
  const [whole] = deriveChanges(all, () => true, new Map());
  assert.equal(whole?.before, null, "the file did not exist before the transcript's first write");
  assert.equal(whole?.after, "one\nTWO\nand a half\n3\n");
});

test("an edit of a file the transcript never wrote: exact with the current content, an excerpt without", () => {
  const cards: RunToolCard[] = [
    { runId: "r1", card: card("e1", "edit", { path: "src/a.ts", oldText: "let a = 1;", newText: "let a = 2;" }) },
    { runId: "r2", card: card("e2", "edit", { path: "src/a.ts", oldText: "// end", newText: "// the end" }) },
  ];
  const all = opsOfTranscript(cards);
  const now = "// start\nlet a = 2;\n// the end\n";
  const [r1] = deriveChanges(all, (op) => op.runId === "r1", new Map([["src/a.ts", now]]));
  assert.equal(r1?.exact, true);
  assert.equal(r1?.before, "// start\nlet a = 1;\n// end\n", "r2's later edit is undone first, then r1's");
  assert.equal(r1?.after, "// start\nlet a = 2;\n// end\n");
  const [blind] = deriveChanges(all, (op) => op.runId === "r1", new Map());
  assert.equal(blind?.exact, false);
  assert.equal(blind?.before, "let a = 1;");
  assert.equal(blind?.after, "let a = 2;");
  assert.match(blind?.note ?? "", /changed parts/);
});

test("a live overwrite is undone through its own patch; without one, the earlier write of the transcript fixes it", () => {
  const patch = "--- a\n+++ a\n@@ -1,2 +1,2 @@\n-old\n+new\n keep\n";
  const live: RunToolCard[] = [{ runId: "r", card: card("w", "write", { path: "a", content: "new\nkeep\n" }, { details: { patch, firstChangedLine: 1 } }) }];
  const [c] = deriveChanges(opsOfTranscript(live), () => true, new Map([["a", "new\nkeep\n"]]));
  assert.equal(c?.before, "old\nkeep\n");
  assert.equal(c?.exact, true);
  const history: RunToolCard[] = [
    { runId: "r0", card: card("w0", "write", { path: "a", content: "old\nkeep\n" }) },
    { runId: "r", card: card("w", "write", { path: "a", content: "new\nkeep\n" }) },
  ];
  const [h] = deriveChanges(opsOfTranscript(history), (op) => op.runId === "r", new Map());
  assert.deepEqual([h?.before, h?.after, h?.exact], ["old\nkeep\n", "new\nkeep\n", true]);
});
