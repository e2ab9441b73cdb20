import * as vscode from "vscode";

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel("KrabKrab", { log: true });
  context.subscriptions.push(output);
  output.info("KrabKrab activated");
}

export function deactivate(): void {}
