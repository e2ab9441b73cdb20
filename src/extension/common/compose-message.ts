// The text that goes to the gateway for one send: what the user typed plus editor context. No `vscode` here.
import type { ContextSnippet } from "../../shared/contract";

/** The user's text, then each context snippet as a labelled fenced block (fence longer than any inside). */
export function composeMessage(text: string, context: ContextSnippet[]): string {
  const parts = [text.trim()];
  for (const c of context) {
    const longest = Math.max(2, ...[...c.text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    parts.push(`${c.label}:\n${fence}${(c.language ?? "").replace(/[^\w.+-]/g, "")}\n${c.text}\n${fence}`);
  }
  return parts.filter(Boolean).join("\n\n");
}
