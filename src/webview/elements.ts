// The @vscode-elements components these webviews use, imported one by one so the bundle carries only
// these (plus lit). @vscode/webview-ui-toolkit is deprecated (2025-01-01, microsoft/vscode-webview-ui-toolkit#561).
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-collapsible/index.js";
import "@vscode-elements/elements/dist/vscode-progress-ring/index.js";
