// Shows a change set in VS Code's own diff editor: one file opens straight away (its two sides read-only
// virtual documents, at the first changed line); several give a list (a quick pick: every file with its
// added/removed lines, "All files" in VS Code's multi-file diff editor, and "Open file" where the file is this
// window's). "Open File at Change" in the diff editor's title bar opens the real file at the changed line.
import * as vscode from "vscode";
import type { ChangeSet, FileChange, Logger } from "../../gateway";
import { localFile } from "./local-files";
import { REVIEW_SCHEME, ReviewDocuments } from "./review-documents";

interface Shown {
  file: FileChange;
  local?: vscode.Uri;
  before: vscode.Uri;
  after: vscode.Uri;
}

const basename = (p: string) => p.replace(/\\/g, "/").split("/").filter(Boolean).pop() ?? p;
const counts = (f: FileChange) => `+${f.additions} −${f.deletions}`;

export class ChangeReview implements vscode.Disposable {
  /** The one instance (created with the core), for the chat's requests and the commands. */
  static current: ChangeReview | null = null;
  readonly docs = new ReviewDocuments();
  private readonly subs: vscode.Disposable[];

  constructor(private readonly log: Logger) {
    ChangeReview.current = this;
    this.subs = [vscode.window.onDidChangeActiveTextEditor((e) => this.updateContext(e))];
  }

  /** Opens the change set (see the header); resolves to the number of files once the first view is up. */
  async show(set: ChangeSet, title: string): Promise<number> {
    if (!set.files.length) throw new Error("No file changes to review.");
    const id = this.docs.nextReview();
    const shown: Shown[] = [];
    for (const file of set.files) {
      const local = await localFile(file, set.root);
      shown.push({ file, local, ...this.docs.add(id, file, { file, local }) });
    }
    this.log.info(`review: ${title}: ${shown.map((s) => `${s.file.path} ${counts(s.file)}${s.file.exact ? "" : " (excerpt)"}${s.local ? " (local)" : ""}`).join(", ")}`);
    if (shown.length === 1) await this.openDiff(shown[0]!);
    // The list stays up while the user works through it; the request that asked is answered now.
    else this.pick(shown, title);
    return shown.length;
  }

  private async openDiff(s: Shown): Promise<void> {
    const f = s.file;
    const what = f.before === null ? "new file" : f.after === null ? "deleted" : f.exact ? "agent's change" : "agent's change, excerpt";
    const line = Math.max(0, f.line - 1);
    await vscode.commands.executeCommand("vscode.diff", s.before, s.after, `${basename(f.path)} (${what})`, { preview: true, selection: new vscode.Range(line, 0, line, 0) } satisfies vscode.TextDocumentShowOptions);
    this.updateContext(vscode.window.activeTextEditor);
  }

  private pick(shown: Shown[], title: string): void {
    type Item = vscode.QuickPickItem & { shown?: Shown; all?: true };
    const openButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("go-to-file"), tooltip: "Open file at the change" };
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = `${title} — ${shown.length} files`;
    qp.placeholder = "Pick a file to see its diff (Escape closes the list)";
    qp.matchOnDescription = true;
    qp.ignoreFocusOut = true;
    qp.items = [
      { label: "$(diff-multiple) All files", description: "side by side in one multi-file diff editor", all: true },
      ...shown.map((s): Item => ({
        label: `$(file) ${s.file.path}`,
        description: counts(s.file),
        detail: s.file.note,
        buttons: s.local ? [openButton] : undefined,
        shown: s,
      })),
    ];
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      if (item?.all) void vscode.commands.executeCommand("vscode.changes", title, shown.map((s) => [s.after, s.before, s.after])).then(undefined, (err: unknown) => this.fail(err));
      else if (item?.shown) void this.openDiff(item.shown).then(undefined, (err: unknown) => this.fail(err));
      // Keep the list: the next file is one Enter away. Focus stays on the list (ignoreFocusOut).
    });
    qp.onDidTriggerItemButton((e) => e.item.shown?.local && void this.openLocal(e.item.shown.local, e.item.shown.file.line));
    qp.onDidHide(() => qp.dispose());
    qp.show();
  }

  /** Opens this window's copy of a reviewed file at its changed line (the diff editor's title button). */
  async openChangedFile(uri: vscode.Uri | undefined): Promise<void> {
    const target = uri?.scheme === REVIEW_SCHEME ? uri : vscode.window.activeTextEditor?.document.uri;
    const entry = target && this.docs.entry(target);
    if (!entry) throw new Error("Open a reviewed change first (Review changes in the chat).");
    if (!entry.local) throw new Error(`${entry.file.path} is not in this window's workspace: the agent works on the gateway host. Open that folder (for example with Remote-SSH) to open the file.`);
    await this.openLocal(entry.local, entry.file.line);
  }

  private async openLocal(uri: vscode.Uri, line: number): Promise<void> {
    const at = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(uri, { preview: false, selection: new vscode.Range(at, at) });
  }

  private updateContext(editor: vscode.TextEditor | undefined) {
    const uri = editor?.document.uri;
    void vscode.commands.executeCommand("setContext", "krabkrab.reviewLocal", Boolean(uri?.scheme === REVIEW_SCHEME && this.docs.entry(uri)?.local));
  }

  private fail(err: unknown) {
    void vscode.window.showErrorMessage(`KrabKrab: ${(err as Error)?.message ?? String(err)}`);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.docs.dispose();
    if (ChangeReview.current === this) ChangeReview.current = null;
  }
}
