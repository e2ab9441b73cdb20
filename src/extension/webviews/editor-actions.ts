// What the chat asks of the editor: open a link (only through openExternal, so VS Code's own link
// protection asks the user first), insert or open a code block, and read the selection or file as context.
import * as vscode from "vscode";
import type { ContextSnippet } from "../../shared/contract";
import { rangeLabel } from "../common/mention-query";

const MAX_CONTEXT = 200_000;

/** Opens http(s)/mailto links externally; anything else (javascript:, file:, command:) is refused. */
export async function openLink(href: string): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new Error("That link is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "mailto:") throw new Error(`Links with ${url.protocol} are not opened from the chat.`);
  return vscode.env.openExternal(vscode.Uri.parse(url.toString(), true));
}

export async function insertIntoEditor(code: string): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) throw new Error("No editor to insert into: open a file, place the cursor, and try again.");
  const ok = await editor.edit((b) => {
    for (const sel of editor.selections) b.replace(sel, code);
  });
  if (!ok) throw new Error("The editor refused the edit (is the file read-only?).");
}

// highlight.js names → VS Code language ids where they differ.
const LANGUAGE_IDS: Record<string, string> = { bash: "shellscript", sh: "shellscript", "shell": "shellscript", zsh: "shellscript", js: "javascript", ts: "typescript", py: "python", yml: "yaml", xml: "xml", html: "html", text: "plaintext" };

export async function openInEditor(code: string, language?: string): Promise<void> {
  const known = new Set(await vscode.languages.getLanguages());
  const wanted = language ? (LANGUAGE_IDS[language] ?? language) : "plaintext";
  const doc = await vscode.workspace.openTextDocument({ content: code, language: known.has(wanted) ? wanted : "plaintext" });
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** The active editor's selection (or whole file) as a labelled snippet. */
export function editorContext(what: "selection" | "file", editor = vscode.window.activeTextEditor): ContextSnippet {
  if (!editor) throw new Error("No active editor: open a file (and select some text) first.");
  const doc = editor.document;
  const name = vscode.workspace.asRelativePath(doc.uri, false);
  if (what === "selection") {
    const sel = editor.selection;
    const text = doc.getText(sel);
    if (!text.trim()) throw new Error("Nothing is selected: select some text in the editor first.");
    if (text.length > MAX_CONTEXT) throw new Error(`The selection is ${text.length} characters; at most ${MAX_CONTEXT} can be added.`);
    // The mention syntax (@file#L10-20): the composer shows it as a mention of those lines.
    const end = sel.end.line + (sel.end.character === 0 && sel.end.line > sel.start.line ? 0 : 1);
    return { label: `${name}${rangeLabel({ start: sel.start.line + 1, end })}`.slice(0, 500), text, language: doc.languageId.slice(0, 64) };
  }
  const text = doc.getText();
  if (text.length > MAX_CONTEXT) throw new Error(`${name} is ${text.length} characters; at most ${MAX_CONTEXT} can be added. Select the part you need instead.`);
  return { label: name.slice(0, 500), text, language: doc.languageId.slice(0, 64) };
}
