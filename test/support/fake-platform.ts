// A Platform for Windows, macOS or Linux decisions on this Linux machine: the OS's path rules and an
// in-memory file system (files, executables, sockets, named pipes). Nothing touches the real disk.
import path from "node:path";
import type { OsKind, Platform } from "../../src/gateway/platform";

export interface FakeFs {
  /** path → contents. On POSIX a file is executable only when listed in `executables`. */
  files?: Record<string, string>;
  executables?: string[];
  sockets?: string[];
  /** Names under \\.\pipe\ (Windows). */
  pipes?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export function fakePlatform(os: OsKind, fs: FakeFs = {}): Platform {
  const P = os === "win32" ? path.win32 : path.posix;
  // Windows paths compare case-insensitively; keep that so C:\Windows and c:\windows are one file.
  const key = (p: string) => (os === "win32" ? P.normalize(p).toLowerCase() : P.normalize(p));
  const files = new Map(Object.entries(fs.files ?? {}).map(([k, v]) => [key(k), { name: P.normalize(k), text: v }]));
  for (const x of fs.executables ?? []) if (!files.has(key(x))) files.set(key(x), { name: P.normalize(x), text: "" });
  const exec = new Set((fs.executables ?? []).map(key));
  const sockets = new Set((fs.sockets ?? []).map(key));
  const enoent = (p: string) => Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: "ENOENT" });
  return {
    os,
    path: P,
    env: fs.env ?? {},
    homedir: fs.home ?? (os === "win32" ? "C:\\Users\\me" : os === "darwin" ? "/Users/me" : "/home/me"),
    isFile: (p) => files.has(key(p)),
    isExecutable: (p) => files.has(key(p)) && (os === "win32" || exec.has(key(p))),
    isSocket: (p) => sockets.has(key(p)),
    readFile: (p) => {
      const f = files.get(key(p));
      if (!f) throw enoent(p);
      return f.text;
    },
    readdir: (dir) => {
      const d = key(dir);
      const names = [...files.values()].filter((f) => key(P.dirname(f.name)) === d).map((f) => P.basename(f.name));
      if (names.length === 0) throw enoent(dir);
      return names;
    },
    namedPipeExists: (name) => os === "win32" && (fs.pipes ?? []).some((n) => n.toLowerCase() === name.toLowerCase()),
  };
}
