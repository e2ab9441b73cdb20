// The two sides of a reviewed change as read-only virtual documents (a TextDocumentContentProvider on our
// own scheme: VS Code never offers to save them, and the language follows the file's extension because the
// URI ends with the file's path). The activation bundle registers the scheme (views/lazy-views.ts) so a diff
// restored after a reload shows "no longer available" instead of an error; it forwards here once loaded.
import * as vscode from "vscode";
import type { FileChange } from "../../gateway";
import { REVIEW_GONE, REVIEW_SCHEME } from "../views/lazy-views";

export { REVIEW_SCHEME };

/** What one side of one reviewed file belongs to (for "Open file" from the diff editor). */
export interface ReviewEntry {
  file: FileChange;
  /** The file in this window's workspace, when it is the one the agent changed. */
  local?: vscode.Uri;
}

export class ReviewDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly entries = new Map<string, ReviewEntry>();
  private readonly order: string[] = [];
  private n = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? REVIEW_GONE;
  }

  /** A fresh id for one review (every review gets its own URIs: the same file reviewed twice shows each version). */
  nextReview(): string {
    return String(++this.n);
  }

  /** The before/after URIs of one file of review `id`. */
  add(id: string, file: FileChange, entry: ReviewEntry): { before: vscode.Uri; after: vscode.Uri } {
    const p = `/${file.path.replace(/\\/g, "/").replace(/^\/+/, "").replace(/^[A-Za-z]:\//, "")}`;
    const before = vscode.Uri.from({ scheme: REVIEW_SCHEME, authority: `${id}-before`, path: p });
    const after = vscode.Uri.from({ scheme: REVIEW_SCHEME, authority: `${id}-after`, path: p });
    this.put(before, file.before ?? "", entry);
    this.put(after, file.after ?? "", entry);
    return { before, after };
  }

  entry(uri: vscode.Uri): ReviewEntry | undefined {
    return this.entries.get(uri.toString());
  }

  private put(uri: vscode.Uri, text: string, entry: ReviewEntry) {
    const key = uri.toString();
    if (!this.texts.has(key)) this.order.push(key);
    this.texts.set(key, text);
    this.entries.set(key, entry);
    // Bound what old reviews hold: the oldest documents go first (an open diff of them then says so).
    while (this.order.length > 400) {
      const old = this.order.shift()!;
      this.texts.delete(old);
      this.entries.delete(old);
    }
  }

  dispose(): void {
    this.texts.clear();
    this.entries.clear();
  }
}
