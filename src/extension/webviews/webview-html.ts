import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { renderShell } from "../common/webview-shell";

/** Scripts on; the webview may load nothing but the built webview assets. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "webview")] };
}

/** The HTML of a webview (see common/webview-shell.ts for the CSP), with a fresh nonce each time. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: "chat" | "dashboard", title: string): string {
  return renderShell({
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString("base64"),
    asset: (f) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview", f)).toString(),
    bundle,
    title,
  });
}
