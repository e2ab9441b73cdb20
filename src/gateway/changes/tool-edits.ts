// What the agent's file tools did, read from their tool cards: the gateway's `edit` ({path, edits:[{oldText,
// newText}]} or the older {path, oldText, newText}), `write` ({path, content}) and `apply_patch` ({input} in the
// "*** Begin Patch" format) — the argument shapes of the pinned gateway's tool schemas (openclaw 2026.9.6). A
// live result carries `details.patch` (a unified diff of that one call) and `details.created`; history rows do
// not (chat.history keeps only the arguments and the result text), so the arguments are the source that is
// always there. Pure functions.
import type { ToolCard } from "../../shared/contract/transcript";

export interface TextEdit {
  oldText: string;
  newText: string;
}

/** One tool call's effect on one file. */
export interface FileOp {
  toolCallId: string;
  runId?: string;
  tool: string;
  /** As the tool got it: relative to the agent's workspace, or absolute. */
  path: string;
  kind: "write" | "edit" | "delete";
  /** write: the whole new content. */
  content?: string;
  /** write: the file did not exist before (details.created, or an apply_patch "Add File"). */
  created?: boolean;
  /** edit: replacements, all against the file as it was before this call. */
  edits?: TextEdit[];
  /** The call's own unified diff (live results only). */
  patch?: string;
  /** 1-based, in the new content (live results only). */
  firstChangedLine?: number;
}

/** A tool card together with the run it belongs to (the transcript item's runId). */
export interface RunToolCard {
  card: ToolCard;
  runId?: string;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The tools whose cards can carry file changes. */
export const FILE_TOOLS = new Set(["edit", "write", "apply_patch"]);

/** Whether a card is a finished, successful call of a file tool (the only ones with a change to review). */
export function changesFiles(card: ToolCard): boolean {
  return FILE_TOOLS.has(card.name) && card.phase === "result" && card.isError !== true && opsOfCard(card).length > 0;
}

/** The file operations of one card (empty for other tools, failed calls and calls still running). */
export function opsOfCard(card: ToolCard, runId?: string): FileOp[] {
  if (!FILE_TOOLS.has(card.name) || card.isError === true || card.phase !== "result") return [];
  const args = rec(card.args);
  const details = rec(rec(card.result).details);
  // A call that changed nothing (`changed: false`) has nothing to review.
  if (details.changed === false) return [];
  const base = { toolCallId: card.toolCallId, runId, tool: card.name };
  const live = { patch: str(details.patch), firstChangedLine: typeof details.firstChangedLine === "number" ? details.firstChangedLine : undefined };
  const path = str(args.path) ?? str(args.file_path);
  if (card.name === "write") {
    const content = str(args.content);
    if (!path || content === undefined) return [];
    return [{ ...base, ...live, path, kind: "write", content, created: details.created === true ? true : undefined }];
  }
  if (card.name === "edit") {
    if (!path) return [];
    const edits: TextEdit[] = [];
    if (Array.isArray(args.edits)) for (const e of args.edits) if (typeof rec(e).oldText === "string" && typeof rec(e).newText === "string") edits.push({ oldText: rec(e).oldText as string, newText: rec(e).newText as string });
    const oldText = str(args.oldText);
    const newText = str(args.newText);
    if (oldText !== undefined && newText !== undefined && !edits.some((e) => e.oldText === oldText && e.newText === newText)) edits.push({ oldText, newText });
    return edits.length ? [{ ...base, ...live, path, kind: "edit", edits }] : [];
  }
  const input = str(args.input) ?? str(args.patch);
  return input ? parseApplyPatch(input).map((op) => ({ ...base, ...op })) : [];
}

/** Every file operation of a transcript's cards, in transcript order. */
export function opsOfTranscript(cards: readonly RunToolCard[]): FileOp[] {
  return cards.flatMap((c) => opsOfCard(c.card, c.runId));
}

/**
 * The "*** Begin Patch" format: `*** Add File: p` (+lines), `*** Delete File: p`, `*** Update File: p` (optional
 * `*** Move to: q`) with `@@` chunks of " " context, "-" removed and "+" added lines. A chunk becomes one edit
 * (context and removed lines → context and added lines), which is how the tool applies it.
 */
export function parseApplyPatch(input: string): Omit<FileOp, "toolCallId" | "runId" | "tool">[] {
  const out: Omit<FileOp, "toolCallId" | "runId" | "tool">[] = [];
  let cur: { path: string; kind: FileOp["kind"]; added: string[]; edits: TextEdit[] } | undefined;
  let chunk: { old: string[]; new: string[] } | undefined;
  const flushChunk = () => {
    if (chunk && (chunk.old.length || chunk.new.length)) cur?.edits.push({ oldText: chunk.old.join("\n"), newText: chunk.new.join("\n") });
    chunk = undefined;
  };
  const flush = () => {
    flushChunk();
    if (cur?.kind === "write") out.push({ path: cur.path, kind: "write", created: true, content: cur.added.length ? `${cur.added.join("\n")}\n` : "" });
    else if (cur?.kind === "delete") out.push({ path: cur.path, kind: "delete" });
    else if (cur?.edits.length) out.push({ path: cur.path, kind: "edit", edits: cur.edits });
    cur = undefined;
  };
  for (const line of input.replace(/\r\n/g, "\n").split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^\*\*\* (Add|Delete|Update) File: (.+)$/.exec(line))) {
      flush();
      cur = { path: m[2]!.trim(), kind: m[1] === "Add" ? "write" : m[1] === "Delete" ? "delete" : "edit", added: [], edits: [] };
    } else if ((m = /^\*\*\* Move to: (.+)$/.exec(line))) {
      if (cur) cur.path = m[1]!.trim();
    } else if (line.startsWith("*** ")) {
      flushChunk(); // *** End Patch / *** End of File
    } else if (cur?.kind === "write") {
      if (line.startsWith("+")) cur.added.push(line.slice(1));
    } else if (cur?.kind === "edit") {
      if (line.startsWith("@@")) flushChunk();
      chunk ??= { old: [], new: [] };
      if (line.startsWith("@@")) continue;
      const body = line.slice(1);
      if (line.startsWith("-")) chunk.old.push(body);
      else if (line.startsWith("+")) chunk.new.push(body);
      else if (line.startsWith(" ")) {
        chunk.old.push(body);
        chunk.new.push(body);
      }
    }
  }
  flush();
  return out;
}
