// The change set the UI reviews: for each file a tool call (or a run, or the whole session) changed, the text
// before and after, derived from the tool events and completed with what the gateway can tell.
//
// The pinned gateway (openclaw 2026.9.6) advertises `sessions.files.get` (a session file's current content,
// confined to the agent's workspace) and `sessions.diff` (the checkout's git diff, per file, against HEAD),
// but no method answers "what did this tool call change": that comes from the tool events. Each file's
// states (before the first operation, after each one) are filled in three passes: forwards from what the
// operations themselves fix (a write's content, a created file's absence; replaying edits on a known text),
// backwards from the file's current content (undoing each call: its own unified diff when the live event
// carried one, else its replacements), and forwards again. When a side stays unknown (no current content and
// no write to start from) the review shows the changed parts only, marked as an excerpt.
import { applyEdits, applyUnifiedDiff, lineStats, undoEdits } from "./text-diff";
import type { FileOp } from "./tool-edits";

/** A file's text at one point: a string, `null` when the file did not exist, `undefined` when unknown. */
export type FileState = string | null | undefined;

export interface FileChange {
  /** The path as the agent's tools named it (relative to its workspace, or absolute). */
  path: string;
  before: string | null;
  after: string | null;
  /** false: `before`/`after` are only the changed parts (the whole file was not available). */
  exact: boolean;
  additions: number;
  deletions: number;
  /** 1-based, in `after`: where to open the file. */
  line: number;
  toolCallIds: string[];
  note?: string;
}

export interface ChangeSet {
  files: FileChange[];
  /** The agent's workspace on the gateway host (sessions.files.* / sessions.diff `root`), when known. */
  root?: string;
  source: "tool-events" | "sessions.diff";
}

/** The path a tool named, as one key per file: "./a" and "a" (and "<root>/a") are the same file. */
export function fileKey(path: string, root?: string): string {
  let p = path.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/\/{2,}/g, "/");
  const r = root?.replace(/\\/g, "/").replace(/\/+$/, "");
  if (r && p.startsWith(`${r}/`)) p = p.slice(r.length + 1);
  return p;
}

function forward(op: FileOp, s: FileState): FileState {
  if (op.kind === "write") return op.content;
  if (op.kind === "delete") return null;
  if (typeof s !== "string") return undefined;
  const replayed = applyEdits(s, op.edits ?? []);
  return replayed ?? (op.patch ? applyUnifiedDiff(s, op.patch) : undefined);
}

function backward(op: FileOp, s: FileState): FileState {
  if (op.created) return null;
  if (typeof s !== "string") return undefined;
  if (op.patch) {
    const undone = applyUnifiedDiff(s, op.patch, true);
    if (undone !== undefined) return undone;
  }
  return op.kind === "edit" ? undoEdits(s, op.edits ?? []) : undefined;
}

/** states[k]: the file before ops[k]; states[ops.length]: after the last one. */
export function fileStates(ops: readonly FileOp[], current: FileState): FileState[] {
  const states: FileState[] = new Array<FileState>(ops.length + 1).fill(undefined);
  const forwards = () => {
    for (let k = 0; k < ops.length; k++) {
      if (ops[k]!.created && states[k] === undefined) states[k] = null;
      const next = forward(ops[k]!, states[k]);
      if (states[k + 1] === undefined && next !== undefined) states[k + 1] = next;
    }
  };
  forwards();
  // The file as it is now stands for "after the last call" only where the calls did not already fix it.
  if (states[ops.length] === undefined) states[ops.length] = current;
  for (let k = ops.length - 1; k >= 0; k--) {
    if (states[k] !== undefined) continue;
    states[k] = backward(ops[k]!, states[k + 1]);
  }
  forwards();
  return states;
}

const EXCERPT_GAP = "\n⋯\n";

/** The changed parts only, when the whole file is not known on one side. */
function excerpt(ops: readonly FileOp[]): { before: string; after: string } {
  const before: string[] = [];
  const after: string[] = [];
  for (const op of ops) {
    if (op.kind === "write") {
      if (!op.created) before.push("(the previous content is not known)");
      after.push(op.content ?? "");
    } else if (op.kind === "delete") {
      before.push("(the deleted content is not known)");
    } else {
      for (const e of op.edits ?? []) {
        before.push(e.oldText);
        after.push(e.newText);
      }
    }
  }
  return { before: before.join(EXCERPT_GAP), after: after.join(EXCERPT_GAP) };
}

/**
 * The change of each file touched by the `selected` calls: from before the first selected call on that file
 * to after the last one. `all` are every file operation of the transcript in order (the calls before and after
 * the selected ones fix the states in between); `current` is each file's content now, by fileKey.
 */
export function deriveChanges(all: readonly FileOp[], selected: (op: FileOp) => boolean, current: ReadonlyMap<string, FileState>, root?: string): FileChange[] {
  const byFile = new Map<string, FileOp[]>();
  for (const op of all) {
    const key = fileKey(op.path, root);
    byFile.set(key, [...(byFile.get(key) ?? []), op]);
  }
  const out: FileChange[] = [];
  for (const [key, ops] of byFile) {
    const picked = ops.map((op, i) => (selected(op) ? i : -1)).filter((i) => i >= 0);
    if (!picked.length) continue;
    const first = picked[0]!;
    const last = picked[picked.length - 1]!;
    const states = fileStates(ops, current.get(key));
    const run = ops.slice(first, last + 1);
    let before = states[first];
    let after = states[last + 1];
    let exact = true;
    let note: string | undefined;
    if (before === undefined || after === undefined) {
      ({ before, after } = excerpt(run));
      exact = false;
      note = "Only the changed parts: the whole file was not available.";
    }
    const stats = lineStats(before, after);
    out.push({
      path: ops[last]!.path,
      before,
      after,
      exact,
      additions: stats.additions,
      deletions: stats.deletions,
      line: exact ? stats.firstChangedLine : (run[run.length - 1]!.firstChangedLine ?? 1),
      toolCallIds: [...new Set(run.map((o) => o.toolCallId))],
      ...(note ? { note } : {}),
    });
  }
  return out;
}
