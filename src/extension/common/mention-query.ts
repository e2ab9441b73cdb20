// The vscode-free half of @-mentions: reading "path#L10-20" out of what follows the "@", ranking candidate
// paths against it (a fuzzy subsequence match that prefers the file name and consecutive characters), and
// the size limit a mention must fit (the contract's cap and the gateway's advertised attachment limit).
import type { AttachmentPolicy } from "../../shared/contract";
import type { LineRange } from "../../shared/contract/mentions";

/** The contract's cap on one context snippet's text (ContextSnippetSchema), in characters. */
export const SNIPPET_MAX_CHARS = 200_000;

/** "src/a.ts#L10-20" → path "src/a.ts", lines 10–20; "#L7" is one line; a reversed range is put in order. */
export function parseMentionQuery(query: string): { path: string; range?: LineRange } {
  const m = /^(.*?)#L?(\d+)(?:-L?(\d+))?$/i.exec(query.trim());
  if (!m) return { path: query.trim() };
  const a = Math.max(1, Number(m[2]));
  const b = Math.max(1, Number(m[3] ?? m[2]));
  return { path: m[1]!, range: { start: Math.min(a, b), end: Math.max(a, b) } };
}

export function rangeLabel(range: LineRange | undefined): string {
  return range ? (range.start === range.end ? `#L${range.start}` : `#L${range.start}-${range.end}`) : "";
}

/**
 * How well `path` matches `query` (higher is better; -1: no match). Every query character must appear in
 * order; a match inside the file name, at a word start or right after the previous one scores more.
 */
export function fuzzyScore(query: string, path: string): number {
  const q = query.toLowerCase().replace(/\\/g, "/");
  if (!q) return 0;
  const p = path.toLowerCase();
  const nameAt = p.lastIndexOf("/") + 1;
  let score = 0;
  let at = -1;
  for (const ch of q) {
    const next = p.indexOf(ch, at + 1);
    if (next < 0) return -1;
    score += 1;
    if (next === at + 1) score += 3;
    if (next >= nameAt) score += 2;
    if (next === 0 || "/._- ".includes(p[next - 1]!)) score += 2;
    at = next;
  }
  if (p.slice(nameAt).startsWith(q)) score += 10;
  // Shorter paths first among equals.
  return score - p.length / 100;
}

/** The most characters one mention may carry: the contract's cap, and the gateway's per-attachment limit when lower. */
export function mentionLimit(policy: AttachmentPolicy | undefined): number {
  return Math.min(SNIPPET_MAX_CHARS, policy?.maxBytes ?? Infinity, policy?.maxPayload ?? Infinity);
}

/**
 * Whether the context of one message fits the gateway's frame (`maxPayload`, with room for the rest of the
 * request and JSON escaping); the text of the problem when it does not.
 */
export function contextProblem(context: readonly { label: string; text: string }[], policy: AttachmentPolicy | undefined): string | undefined {
  const bytes = context.reduce((n, c) => n + new TextEncoder().encode(c.text).length, 0);
  const ceiling = policy?.maxPayload !== undefined ? Math.floor(policy.maxPayload / 2) : undefined;
  if (ceiling !== undefined && bytes > ceiling) return `The mentioned content is ${Math.round(bytes / 1024)} KB; this gateway accepts about ${Math.round(ceiling / 1024)} KB with one message. Mention fewer files or line ranges (@file#L10-20).`;
  return undefined;
}
