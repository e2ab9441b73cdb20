import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

/**
 * The HTML shell of a webview: a strict CSP (nothing but our own nonce'd bundle runs; styles and
 * fonts only from the extension; images only from the extension, data: and blob:), no remote content.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: "chat" | "dashboard", title: string): string {
  const nonce = randomBytes(16).toString("base64");
  const asset = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview", f)).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data: blob:`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`main-${bundle}.css`)}">
<title>${title}</title>
</head>
<body>
<div id="app" data-view="${bundle}"></div>
<script nonce="${nonce}" src="${asset(`main-${bundle}.js`)}"></script>
</body>
</html>`;
}
