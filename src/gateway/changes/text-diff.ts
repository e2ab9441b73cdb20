// Text operations for reviewing changes: replaying and undoing the agent's replacements, applying a unified
// diff forwards or backwards (the gateway's per-call `details.patch`, and `sessions.diff` per-file patches),
// and the added/removed line counts and first changed line of a before/after pair. Pure functions.
import type { TextEdit } from "./tool-edits";

function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  if (!needle) return at;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) at.push(i);
  return at;
}

/** Replaces each oldText (which must occur exactly once, as the tool requires) with its newText; undefined when one does not fit. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string | undefined {
  return replaceAll(text, edits.map((e) => [e.oldText, e.newText]));
}

/** The text before the edits: each newText (exactly once in `text`) back to its oldText; undefined when that is ambiguous. */
export function undoEdits(text: string, edits: readonly TextEdit[]): string | undefined {
  return replaceAll(text, edits.map((e) => [e.newText, e.oldText]));
}

/** All replacements against the same original text, non-overlapping (how the gateway's edit tool applies them). */
function replaceAll(text: string, pairs: [from: string, to: string][]): string | undefined {
  const spots: { at: number; from: string; to: string }[] = [];
  for (const [from, to] of pairs) {
    const at = occurrences(text, from);
    // An empty `from` (an edit that deleted text, undone) cannot be located by text alone.
    if (at.length !== 1) return undefined;
    spots.push({ at: at[0]!, from, to });
  }
  spots.sort((a, b) => a.at - b.at);
  for (let i = 1; i < spots.length; i++) if (spots[i]!.at < spots[i - 1]!.at + spots[i - 1]!.from.length) return undefined;
  let out = "";
  let pos = 0;
  for (const s of spots) {
    out += text.slice(pos, s.at) + s.to;
    pos = s.at + s.from.length;
  }
  return out + text.slice(pos);
}

interface Hunk {
  oldStart: number;
  old: string[];
  new: string[];
}

/** The hunks of a unified diff (one file's; `---`/`+++`/`diff --git` header lines are skipped). */
export function parseUnifiedDiff(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let cur: Hunk | undefined;
  for (const line of patch.replace(/\r\n/g, "\n").split("\n")) {
    const m = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
    if (m) {
      cur = { oldStart: Number(m[1]), old: [], new: [] };
      hunks.push(cur);
    } else if (cur && !line.startsWith("\\")) {
      if (line.startsWith("-")) cur.old.push(line.slice(1));
      else if (line.startsWith("+")) cur.new.push(line.slice(1));
      else if (line.startsWith(" ")) {
        cur.old.push(line.slice(1));
        cur.new.push(line.slice(1));
      }
    }
  }
  return hunks;
}

/**
 * Applies a unified diff to `text` (or, `reverse`, takes it back out), locating each hunk by its lines near
 * the position it names; undefined when a hunk does not fit (the file is not what the diff was made against).
 */
export function applyUnifiedDiff(text: string, patch: string, reverse = false): string | undefined {
  const hunks = parseUnifiedDiff(patch);
  if (!hunks.length) return undefined;
  const lines = text.split("\n");
  // A final newline leaves an empty last element: hunks address the lines before it.
  let shift = 0;
  for (const h of hunks) {
    const from = reverse ? h.new : h.old;
    const to = reverse ? h.old : h.new;
    const want = Math.max(0, h.oldStart - 1 + shift);
    const at = findBlock(lines, from, want);
    if (at < 0) return undefined;
    lines.splice(at, from.length, ...to);
    shift += to.length - from.length;
  }
  return lines.join("\n");
}

function findBlock(lines: string[], block: string[], near: number): number {
  const fits = (i: number) => i >= 0 && i + block.length <= lines.length && block.every((l, k) => lines[i + k] === l);
  if (block.length === 0) return Math.min(near, Math.max(0, lines.length - 1));
  for (let d = 0; d < lines.length; d++) {
    if (fits(near + d)) return near + d;
    if (d && fits(near - d)) return near - d;
  }
  return -1;
}

/** Lines added and removed between two texts (a longest-common-subsequence count on the differing middle). */
export function lineStats(before: string | null, after: string | null): { additions: number; deletions: number; firstChangedLine: number } {
  const a = before === null || before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === null || after === "" ? [] : after.replace(/\n$/, "").split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  let common = 0;
  if (n && m && n * m <= 4_000_000) {
    // One row of the LCS table at a time.
    let prev = new Uint32Array(m + 1);
    for (let i = 1; i <= n; i++) {
      const row = new Uint32Array(m + 1);
      for (let j = 1; j <= m; j++) row[j] = a[start + i - 1] === b[start + j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
      prev = row;
    }
    common = prev[m]!;
  }
  return { additions: m - common, deletions: n - common, firstChangedLine: Math.min(start + 1, Math.max(1, b.length)) };
}
