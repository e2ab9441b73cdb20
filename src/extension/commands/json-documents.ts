// Results of RPCs (node.invoke, node.describe, any gateway method) shown as read-only JSON documents:
// a content provider on our own scheme, so the editor gives folding, search and copy, and nothing can
// be edited or saved by accident.
import * as vscode from "vscode";
import { redactor } from "../../gateway";
import { DOCUMENT_GONE, DOCUMENT_SCHEME } from "../views/lazy-views";

export class JsonDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = DOCUMENT_SCHEME;
  private readonly docs = new Map<string, string>();
  private n = 0;
  // The scheme itself is registered by the activation bundle (views/lazy-views.ts), which forwards here.

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.path) ?? DOCUMENT_GONE;
  }

  /** Opens `value` as pretty JSON in a read-only editor titled `title`.json. */
  show(title: string, value: unknown): Promise<vscode.TextEditor> {
    return this.open(title, "json", redactor.redact(JSON.stringify(value, null, 2) ?? "null"));
  }

  /**
   * Opens `text` as-is (not redacted) in a read-only plain-text editor: for what the operator must read
   * exactly, like the full command of an exec approval request.
   */
  showText(title: string, text: string): Promise<vscode.TextEditor> {
    return this.open(title, "plaintext", text);
  }

  private async open(title: string, language: string, text: string): Promise<vscode.TextEditor> {
    const safe = title.replace(/[^\w.@ -]+/g, "-").slice(0, 80) || "result";
    const uri = vscode.Uri.from({ scheme: JsonDocuments.scheme, path: `/${++this.n}/${safe}.${language === "json" ? "json" : "txt"}` });
    // Bound the memory held by old results.
    if (this.docs.size >= 50) this.docs.delete(this.docs.keys().next().value!);
    this.docs.set(uri.path, text);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, language);
    return vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.docs.clear();
  }
}
