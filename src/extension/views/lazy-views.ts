// Stand-ins the activation bundle registers for the views VS Code asks about at start-up (the Nodes and
// Health trees, the chat webview view, the dashboard's restore serializer, our document scheme). They are
// registered at once, with no heavy code: each forwards to the real provider in the core (dist/core.js),
// loaded by `load()` the first time a view needs data; until then a tree is empty, which is what a
// disconnected tree shows anyway (viewsWelcome).
import type * as vscode from "vscode";

/** The scheme of our read-only result documents, and what one shows once its text is gone. */
export const DOCUMENT_SCHEME = "krabkrab";
export const DOCUMENT_GONE = "// This result is no longer available (the window was reloaded).";
/** The scheme of a reviewed change's two sides (review/review-documents.ts), and what one shows once gone. */
export const REVIEW_SCHEME = "krabkrab-review";
export const REVIEW_GONE = "(This change is no longer available: the window was reloaded. Review it again from the chat.)";

/** A TreeDataProvider that is empty until `attach()` hands it the real one, then forwards everything. */
export class LazyTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private target: vscode.TreeDataProvider<T> | null = null;
  private sub: vscode.Disposable | undefined;
  private readonly listeners = new Set<(e: T | T[] | undefined | null | void) => unknown>();

  // A minimal event (VS Code's EventEmitter would do, but this keeps the class free of the runtime API).
  readonly onDidChangeTreeData: vscode.Event<T | T[] | undefined | null | void> = (listener, thisArg) => {
    const l = (e: T | T[] | undefined | null | void): unknown => listener.call(thisArg, e) as unknown;
    this.listeners.add(l);
    return { dispose: () => void this.listeners.delete(l) };
  };

  attach(target: vscode.TreeDataProvider<T>): void {
    this.target = target;
    this.sub = target.onDidChangeTreeData?.((e) => this.fire(e));
    this.fire(undefined);
  }

  private fire(e: T | T[] | undefined | null | void): void {
    for (const l of [...this.listeners]) l(e);
  }

  getTreeItem(e: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    // Only elements the target returned exist, so the target is attached here.
    return this.target!.getTreeItem(e);
  }

  getChildren(e?: T): vscode.ProviderResult<T[]> {
    return this.target ? this.target.getChildren(e) : [];
  }

  dispose(): void {
    this.sub?.dispose();
    this.listeners.clear();
  }
}

/** Forwards the chat webview view to the core's provider (loading the core: the chat shows data). */
export function lazyWebviewView(load: () => vscode.WebviewViewProvider): vscode.WebviewViewProvider {
  return { resolveWebviewView: (view, context, token) => load().resolveWebviewView(view, context, token) };
}

/** Forwards a dashboard restored after a reload to the core's serializer. */
export function lazySerializer(load: () => vscode.WebviewPanelSerializer): vscode.WebviewPanelSerializer {
  return { deserializeWebviewPanel: (panel, state) => load().deserializeWebviewPanel(panel, state) };
}

/**
 * Our read-only result documents (JsonDocuments): registered at start-up so an editor restored after a reload
 * gets its "no longer available" text without loading the core; the core's documents answer once loaded.
 */
export function lazyDocuments(loaded: () => vscode.TextDocumentContentProvider | null, gone = DOCUMENT_GONE): vscode.TextDocumentContentProvider {
  return { provideTextDocumentContent: (uri, token) => loaded()?.provideTextDocumentContent(uri, token) ?? gone };
}
