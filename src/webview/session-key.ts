/** A session key without its agent prefix, as the chat shows it: "agent:main:vscode-x" → "vscode-x". */
export function shortSessionKey(key: string): string {
  return key.replace(/^agent:[^:]+:/, "");
}
