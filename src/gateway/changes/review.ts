// Builds the change sets the UI reviews, from a connected client: a tool call's, a run's or the whole
// transcript's (from the tool events, completed with each file's current content from `sessions.files.get`
// where the gateway offers it), and the session checkout's (from `sessions.diff`, where offered).
import { deriveChanges, fileKey, type ChangeSet, type FileChange, type FileState } from "./change-set";
import { fileText, type SessionsDiff } from "./session-files";
import { applyUnifiedDiff, lineStats, parseUnifiedDiff } from "./text-diff";
import { opsOfTranscript, type FileOp, type RunToolCard } from "./tool-edits";
import type { OperatorClient } from "../client";

export type ReviewClient = Pick<OperatorClient, "hello" | "sessionsFilesGet" | "sessionsFilesList" | "sessionsDiff">;

/** Which calls to review: one tool call, every call of a run, or the whole transcript. */
export type ReviewPick = { toolCallId: string } | { runId: string } | { all: true };

export interface ReviewOptions {
  /** The file's current text when the gateway cannot give it (e.g. a local read when this window shows the agent's workspace). */
  readFallback?: (path: string, root: string | undefined) => Promise<FileState>;
}

const offers = (c: ReviewClient, method: string) => c.hello?.methods.includes(method) === true;

function picker(pick: ReviewPick): (op: FileOp) => boolean {
  if ("toolCallId" in pick) return (op) => op.toolCallId === pick.toolCallId;
  if ("runId" in pick) return (op) => op.runId === pick.runId;
  return () => true;
}

/** The change set of the picked calls, from the transcript's tool cards (in order). */
export async function toolChangeSet(
  client: ReviewClient,
  sessionKey: string,
  cards: readonly RunToolCard[],
  pick: ReviewPick,
  opts: ReviewOptions = {},
): Promise<ChangeSet> {
  const all = opsOfTranscript(cards);
  const selected = picker(pick);
  const mine = all.filter(selected);
  if (!mine.length) throw new Error("No file changes to review: this part of the conversation did not edit or write a file.");
  let root: string | undefined;
  if (offers(client, "sessions.files.list")) {
    root = await client.sessionsFilesList({ sessionKey }).then((r) => r.root, () => undefined);
  }
  const byPath = new Map<string, FileState>();
  for (const op of mine) {
    if (byPath.has(op.path)) continue;
    let state: FileState;
    if (offers(client, "sessions.files.get")) {
      state = await client.sessionsFilesGet({ sessionKey, path: op.path }).then(
        (r) => ((root ??= r.root), fileText(r.file)),
        () => undefined, // outside the agent's workspace, or gone: the tool events have to do
      );
    }
    if (state === undefined && opts.readFallback) state = await opts.readFallback(op.path, root).catch(() => undefined);
    byPath.set(op.path, state);
  }
  // Keyed once the root is known ("a" and "<root>/a" are one file).
  const current = new Map<string, FileState>();
  for (const [path, state] of byPath) if (state !== undefined || !current.has(fileKey(path, root))) current.set(fileKey(path, root), state);
  return { files: deriveChanges(all, selected, current, root), root, source: "tool-events" };
}

const DIFF_UNAVAILABLE: Record<string, string> = {
  not_git: "The agent's workspace is not a git checkout, so the gateway has no diff of it.",
  unknown_session: "The gateway does not know this session (yet): send a message first.",
  unknown_commit: "The gateway could not find that commit.",
};

/** The session checkout's changes against git HEAD (sessions.diff), each file's current text from sessions.files.get. */
export async function sessionChangeSet(client: ReviewClient, sessionKey: string): Promise<ChangeSet> {
  if (!offers(client, "sessions.diff")) throw new Error("This gateway does not offer sessions.diff.");
  const diff: SessionsDiff = await client.sessionsDiff({ sessionKey });
  if (diff.unavailableReason) throw new Error(DIFF_UNAVAILABLE[diff.unavailableReason] ?? `The gateway has no diff for this session (${diff.unavailableReason}).`);
  const files: FileChange[] = [];
  for (const f of diff.files) {
    if (f.binary) continue;
    let after: FileState = f.status === "deleted" ? null : undefined;
    if (after === undefined && offers(client, "sessions.files.get")) after = await client.sessionsFilesGet({ sessionKey, path: f.path }).then((r) => fileText(r.file), () => undefined);
    let before: FileState = f.status === "added" ? null : undefined;
    if (before === undefined && typeof after === "string" && f.patch && !f.truncated) before = applyUnifiedDiff(after, f.patch, true);
    if (after === undefined && before === null && f.patch && !f.truncated) after = applyUnifiedDiff("", f.patch) ?? undefined;
    let exact = true;
    if (before === undefined || after === undefined) {
      const hunks = parseUnifiedDiff(f.patch ?? "");
      before = hunks.map((h) => h.old.join("\n")).join("\n⋯\n");
      after = hunks.map((h) => h.new.join("\n")).join("\n⋯\n");
      exact = false;
    }
    const stats = lineStats(before, after);
    files.push({ path: f.path, before, after, exact, additions: f.additions, deletions: f.deletions, line: stats.firstChangedLine, toolCallIds: [], ...(exact ? {} : { note: "Only the changed parts: the whole file was not available." }) });
  }
  return { files, root: diff.root, source: "sessions.diff" };
}
