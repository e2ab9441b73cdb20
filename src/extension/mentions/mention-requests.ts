// The host side of @-mentions: what "@query" offers — the editor selection, open editors and workspace files
// from VS Code's own file search (vscode.workspace.findFiles, honouring files.exclude and search.exclude) —
// and the content of an accepted mention, read from the open document (unsaved edits included) or the file,
// only for documents of this window's workspace or open editors, within the size the gateway accepts.
import * as vscode from "vscode";
import { formatBytes } from "../../shared/base/format";
import type { AttachmentPolicy, ContextSnippet } from "../../shared/contract";
import { MentionResolve, MentionSearch, type LineRange, type MentionItem } from "../../shared/contract/mentions";
import { fuzzyScore, mentionLimit, parseMentionQuery, rangeLabel } from "../common/mention-query";
import type { WebviewChannel } from "../webviews/webview-channel";

const MAX_ITEMS = 30;
const FILE_LIST_TTL_MS = 15_000;
const OUR_SCHEMES = new Set(["krabkrab", "krabkrab-review", "output", "vscode-userdata"]);

/** The workspace's files, from VS Code's file search, kept briefly so each keystroke does not search again. */
class WorkspaceFiles {
  private cached: { at: number; files: vscode.Uri[] } | null = null;

  private excludes(): string | undefined {
    const globs = new Set<string>();
    for (const section of ["files.exclude", "search.exclude"]) {
      const map = vscode.workspace.getConfiguration().get<Record<string, unknown>>(section) ?? {};
      for (const [glob, on] of Object.entries(map)) if (on === true) globs.add(glob);
    }
    return globs.size ? `{${[...globs].join(",")}}` : undefined;
  }

  async list(query: string): Promise<vscode.Uri[]> {
    if (!vscode.workspace.workspaceFolders?.length) return [];
    if (!this.cached || Date.now() - this.cached.at > FILE_LIST_TTL_MS) {
      this.cached = { at: Date.now(), files: await vscode.workspace.findFiles("**/*", this.excludes(), 5000) };
    }
    const name = query.split("/").pop() ?? "";
    if (this.cached.files.length < 5000 || !name) return this.cached.files;
    // A big workspace: the first 5,000 may not hold the file; ask the search for the name too.
    const glob = `**/*${[...name].map((c) => (/[\w.-]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : "?")).join("")}*`;
    return [...this.cached.files, ...(await vscode.workspace.findFiles(glob, this.excludes(), 200))];
  }
}

/** Workspace-relative; with the folder's name in front in a multi-root workspace. */
const relative = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);

export class MentionSource {
  private readonly files = new WorkspaceFiles();

  constructor(private readonly policy: () => AttachmentPolicy | undefined) {}

  async search(query: string): Promise<MentionItem[]> {
    const { path: q, range } = parseMentionQuery(query);
    const seen = new Set<string>();
    const ranked: { item: MentionItem; score: number; group: number }[] = [];
    const add = (group: number, item: MentionItem) => {
      const key = `${item.ref}${rangeLabel(item.range)}`;
      if (seen.has(key)) return;
      const score = fuzzyScore(q, item.label.replace(/#L.*$/, ""));
      if (score < 0) return;
      seen.add(key);
      ranked.push({ item, score, group });
    };
    const editor = vscode.window.activeTextEditor;
    if (editor && !editor.selection.isEmpty && !OUR_SCHEMES.has(editor.document.uri.scheme)) {
      const { start, end } = editor.selection;
      // A selection that ends at the start of a line does not take that line.
      const sel = { start: start.line + 1, end: end.line + (end.character === 0 && end.line > start.line ? 0 : 1) };
      add(0, { kind: "selection", label: `${relative(editor.document.uri)}${rangeLabel(sel)}`, ref: editor.document.uri.toString(), range: sel, detail: "Selection" });
    }
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
      if (!(tab.input instanceof vscode.TabInputText) || OUR_SCHEMES.has(tab.input.uri.scheme)) continue;
      add(1, { kind: "editor", label: `${relative(tab.input.uri)}${rangeLabel(range)}`, ref: tab.input.uri.toString(), range, detail: "Open editor" });
    }
    for (const uri of await this.files.list(q)) add(2, { kind: "file", label: `${relative(uri)}${rangeLabel(range)}`, ref: uri.toString(), range });
    // The selection and open editors first while nothing is typed; after that, the best match wins.
    ranked.sort((a, b) => (q ? b.score - a.score || a.group - b.group : a.group - b.group || b.score - a.score));
    return ranked.slice(0, MAX_ITEMS).map((r) => r.item);
  }

  /** The mentioned document (lines `range` only, when given) as a context snippet. */
  async resolve(ref: string, range: LineRange | undefined): Promise<ContextSnippet> {
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(ref, true);
    } catch {
      throw new Error("That mention does not name a file.");
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    // Only this window's files (or what it has open): the webview cannot have the host read anything else.
    if (!open && !vscode.workspace.getWorkspaceFolder(uri)) throw new Error(`${uri.fsPath || ref} is not in this window's workspace.`);
    let text: string;
    try {
      text = open ? open.getText() : new TextDecoder("utf-8", { fatal: true }).decode(await vscode.workspace.fs.readFile(uri));
    } catch (err) {
      throw new Error(err instanceof TypeError ? `${relative(uri)} is not a text file.` : `Cannot read ${relative(uri)}: ${(err as Error).message}`, { cause: err });
    }
    if (text.includes("\u0000")) throw new Error(`${relative(uri)} is not a text file.`);
    let label = relative(uri);
    if (range) {
      const lines = text.split("\n");
      const end = Math.min(range.end, lines.length);
      const start = Math.min(range.start, end);
      text = lines.slice(start - 1, end).join("\n");
      label += rangeLabel({ start, end });
    }
    const limit = mentionLimit(this.policy());
    if (text.length > limit) throw new Error(`${label} is ${formatBytes(text.length)}; one mention can carry at most ${formatBytes(limit)} (this gateway's limit). Mention a line range instead, e.g. @${relative(uri)}#L1-200.`);
    const ext = /\.([\w+-]{1,20})$/.exec(uri.path)?.[1];
    return { label: label.slice(0, 500), text, language: (open?.languageId ?? ext)?.slice(0, 64) };
  }
}

export function handleMentionRequests(channel: WebviewChannel, policy: () => AttachmentPolicy | undefined): void {
  const source = new MentionSource(policy);
  channel.handle(MentionSearch, async (m) => ({ items: await source.search(m.query) }));
  channel.handle(MentionResolve, (m) => source.resolve(m.ref, m.range));
}
