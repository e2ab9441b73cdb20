// Is the file the agent changed one of this window's files? Yes when the agent's workspace is this window's
// folder: VS Code on the gateway host (Remote-SSH there, or a local gateway whose agent works in this folder).
// The agent names files relative to its workspace (`root`, from sessions.files.* / sessions.diff) or
// absolutely; a file is ours when that absolute path lies inside one of our workspace folders and exists
// there. A relative path with no root known counts only when our file's content is exactly the agent's.
import * as vscode from "vscode";
import type { FileChange } from "../../gateway";

/** Posix-style with a leading slash ("C:\\a" → "/c:/a"), for comparing with a workspace folder's URI path. */
function posix(p: string): string {
  const s = p.replace(/\\/g, "/");
  return /^[A-Za-z]:\//.test(s) ? `/${s[0]!.toLowerCase()}${s.slice(1)}` : s;
}

const isAbsolute = (p: string) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p);

/** Where `path` (as the agent named it) would be in this window's workspace folders, with whether the match needs a content check. */
function candidates(path: string, root: string | undefined): { uri: vscode.Uri; byContent: boolean }[] {
  const abs = isAbsolute(path) ? posix(path) : root ? `${posix(root).replace(/\/+$/, "")}/${path.replace(/\\/g, "/").replace(/^(\.\/)+/, "")}` : undefined;
  const out: { uri: vscode.Uri; byContent: boolean }[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const base = f.uri.path.replace(/\/+$/, "");
    const norm = (s: string) => (/^\/[a-z]:/i.test(s) ? s.toLowerCase() : s);
    if (abs) {
      if (norm(abs) === norm(base) || norm(abs).startsWith(`${norm(base)}/`)) out.push({ uri: f.uri.with({ path: `${base}${abs.slice(base.length)}` }), byContent: false });
    } else out.push({ uri: vscode.Uri.joinPath(f.uri, path), byContent: true });
  }
  return out;
}

async function read(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** This window's copy of the changed file, when it is the one the agent changed (see the header). */
export async function localFile(file: FileChange, root: string | undefined): Promise<vscode.Uri | undefined> {
  if (file.after === null) return undefined; // deleted: nothing to open
  for (const c of candidates(file.path, root)) {
    const text = await read(c.uri);
    if (text === undefined) continue;
    if (!c.byContent || (file.exact && text === file.after)) return c.uri;
  }
  return undefined;
}

/** The file's current text from this window's workspace, when the agent's path lies inside it (the gateway could not give it). */
export async function readLocal(path: string, root: string | undefined): Promise<string | null | undefined> {
  for (const c of candidates(path, root)) {
    if (c.byContent) continue;
    const text = await read(c.uri);
    if (text !== undefined) return text;
  }
  return undefined;
}
