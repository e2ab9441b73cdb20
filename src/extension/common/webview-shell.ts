// The HTML shell of every webview, without `vscode` so the Chromium tests load exactly this markup and CSP.
// Strict CSP: nothing runs but our own nonce'd bundle; styles and fonts only from the extension; images only
// from the extension, data: and blob: (pasted image previews); no remote content, no connections.
export interface ShellInput {
  cspSource: string;
  nonce: string;
  /** URL of a file in dist/webview. */
  asset: (file: string) => string;
  bundle: "chat" | "dashboard";
  title: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `font-src ${cspSource}`, `img-src ${cspSource} data: blob:`].join("; ");
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

export function renderShell(i: ShellInput): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(i.cspSource, i.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(i.asset(`main-${i.bundle}.css`))}">
<title>${esc(i.title)}</title>
</head>
<body>
<div id="app" data-view="${i.bundle}"></div>
<script nonce="${esc(i.nonce)}" src="${esc(i.asset(`main-${i.bundle}.js`))}"></script>
</body>
</html>`;
}
