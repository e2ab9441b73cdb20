// How to find and run a command without a shell, per OS.
//
// Windows is the hard case. An npm-installed CLI is a `krabkrab.cmd` shim, and since the fix for
// CVE-2024-27980 (Node 18.20.2 / 20.12.2 / 21.7.3, April 2024; Electron inherits it) spawning a .cmd
// or .bat without `shell: true` throws EINVAL synchronously, because cmd.exe re-parses the arguments of
// a batch file and quoting cannot be made safe in general. So for an npm shim we do what the shim itself
// would do: read the Node entry point it names and run `node.exe <script> …args` directly — no cmd.exe,
// no re-parsing. Only a .cmd/.bat that is not an npm shim goes through cmd.exe, quoted per its rules,
// and any argument with a character cmd.exe would still interpret is refused.
import { envGet, type Platform } from "./platform";

export class CommandPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandPlanError";
  }
}

export interface SpawnPlan {
  file: string;
  args: string[];
  /** POSIX: its own process group, so the whole tree can be signalled. Never on Windows, where it would
   *  open a console window and gives no grouping (the tree is stopped with taskkill /T instead). */
  detached: boolean;
  /** Only for the cmd.exe fallback: the command line is already quoted for cmd.exe. */
  windowsVerbatimArguments: boolean;
  via: "direct" | "npm-shim" | "cmd.exe";
  /** For `npm-shim`: the Node entry point the shim names. */
  script?: string;
}

// Extensions we know how to run; PATHEXT may also list .JS/.VBS/… (Windows Script Host), which we never
// want (npm's own shims strip .JS from PATHEXT for the same reason).
const RUNNABLE = [".com", ".exe", ".bat", ".cmd"];

function windowsExts(p: Platform): string[] {
  const fromEnv = (envGet(p, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";").map((e) => e.trim().toLowerCase());
  const exts = fromEnv.filter((e) => RUNNABLE.includes(e));
  return exts.length ? [...new Set(exts)] : RUNNABLE;
}

/**
 * Finds an executable on PATH the way the OS would, without a shell. A name with a path separator is
 * checked as given (relative to the current directory). Windows: PATHEXT order, a name that already has
 * a runnable extension is used as is (`krabkrab.exe`, not `krabkrab.exe.EXE`), quoted PATH entries are
 * unquoted, and — unlike cmd.exe — the current directory is not searched (a workspace could plant a
 * `krabkrab.cmd`).
 */
export function resolveCommand(cmd: string, p: Platform): string | null {
  const P = p.path;
  const win = p.os === "win32";
  const exts = win ? windowsExts(p) : [];
  const candidates = (base: string) => (!win ? [base] : exts.includes(P.extname(base).toLowerCase()) ? [base] : exts.map((e) => base + e));
  const hasSep = win ? /[\\/]/.test(cmd) : cmd.includes("/");
  if (hasSep) return candidates(P.resolve(cmd)).find((c) => p.isExecutable(c)) ?? null;
  for (let dir of (envGet(p, "PATH") ?? "").split(P.delimiter)) {
    if (win) dir = dir.trim().replace(/^"(.*)"$/, "$1");
    if (!dir) continue;
    for (const c of candidates(P.join(dir, cmd))) if (p.isExecutable(c)) return c;
  }
  return null;
}

/** What an npm shim runs: a Node script, or (cmd-shim's "no shebang" case) an .exe directly. */
export type ShimTarget = { kind: "node"; script: string } | { kind: "exe"; file: string } | { kind: "other"; program: string; script: string };

/**
 * Reads an npm shim (written by npm's cmd-shim) next to `resolved`: the .cmd first, then the .ps1 and the
 * extensionless sh shim cmd-shim writes beside it. null = not a shim we recognise. Formats seen:
 *   cmd-shim ≥ 4:  … & "%_prog%"  "%dp0%\..\node_modules\openclaw\openclaw.mjs" %*   (+ SET "_prog=node")
 *   cmd-shim < 3:  "%~dp0\node.exe"  "%~dp0\node_modules\openclaw\openclaw.mjs" %*   / node  "%~dp0\…" %*
 *   .ps1 / sh:     & "node$exe"  "$basedir/../node_modules/…" $args   /   exec node  "$basedir/…" "$@"
 */
export function readNpmShim(resolved: string, p: Platform): ShimTarget | null {
  const P = p.path;
  const dir = P.dirname(resolved);
  const read = (f: string) => {
    try {
      return p.readFile(f);
    } catch {
      return null;
    }
  };
  const cmdText = read(resolved);
  const fromCmd = cmdText !== null ? parseCmdShim(cmdText) : null;
  const base = resolved.slice(0, resolved.length - P.extname(resolved).length);
  const fromOther = fromCmd ?? [read(base + ".ps1"), read(base)].map((t) => (t !== null ? parseScriptShim(t) : null)).find((x) => x) ?? null;
  if (!fromOther) return null;
  const target = P.resolve(dir, fromOther.ref);
  if (fromOther.program === null) return /\.(exe|com)$/i.test(target) ? { kind: "exe", file: target } : null;
  if (/^node(\.exe)?$/i.test(P.basename(fromOther.program))) return { kind: "node", script: target };
  return { kind: "other", program: fromOther.program, script: target };
}

type ParsedShim = { ref: string; program: string | null };

function parseCmdShim(text: string): ParsedShim | null {
  const line = text.split(/\r?\n/).reverse().find((l) => l.includes("%*"));
  if (!line) return null;
  const refs = [...line.matchAll(/"(?:%dp0%|%~dp0)\\?([^"]*)"/gi)].map((m) => m[1]!);
  if (refs.length === 0) return null;
  const ref = refs[refs.length - 1]!;
  let program: string | null = null;
  if (/"%_prog%"/i.test(line)) {
    // The ELSE branch names the bare program (`SET "_prog=node"`); the IF branch its copy next to the shim.
    const sets = [...text.matchAll(/SET\s+"_prog=([^"]*)"/gi)].map((m) => m[1]!).filter((v) => !/^%~?dp0/i.test(v));
    program = sets[0] ?? null;
    if (!program) return null;
  } else if (refs.length >= 2) program = refs[0]!;
  else if (/^\s*@?"?node(\.exe)?"?\s/i.test(line)) program = "node";
  return { ref, program };
}

function parseScriptShim(text: string): ParsedShim | null {
  const m = /"?(\$basedir\/)?(node)(\$exe)?"?\s+"\$basedir\/([^"]+)"\s+(?:"\$@"|\$args)/.exec(text);
  return m ? { ref: m[4]!, program: m[2]! } : null;
}

/** The node that would run a shim: `node.exe` beside it (as the shim checks first), else on PATH. */
export function nodeForShim(shim: string, p: Platform): string | null {
  const beside = p.path.join(p.path.dirname(shim), "node.exe");
  if (p.isFile(beside)) return beside;
  const onPath = resolveCommand("node", p);
  // A node.cmd (some version managers) would put us back where we started.
  return onPath && /\.(exe|com)$/i.test(onPath) ? onPath : null;
}

/**
 * How to spawn `resolved` (a path from resolveCommand) with `args`, without a shell. Throws
 * CommandPlanError with a message for the user when it cannot be run safely.
 */
export function spawnPlan(resolved: string, args: string[], p: Platform): SpawnPlan {
  if (p.os !== "win32") return { file: resolved, args, detached: true, windowsVerbatimArguments: false, via: "direct" };
  const ext = p.path.extname(resolved).toLowerCase();
  const direct = (file: string): SpawnPlan => ({ file, args, detached: false, windowsVerbatimArguments: false, via: "direct" });
  if (ext === ".exe" || ext === ".com") return direct(resolved);
  if (ext !== ".cmd" && ext !== ".bat") throw new CommandPlanError(`${resolved} cannot be started: only .exe, .com, .cmd and .bat files run on Windows.`);
  const shim = readNpmShim(resolved, p);
  if (shim?.kind === "exe") {
    if (!p.isFile(shim.file)) throw new CommandPlanError(`${resolved} is an npm shim for ${shim.file}, which does not exist. Reinstall the CLI (npm install -g …).`);
    return direct(shim.file);
  }
  if (shim?.kind === "node") {
    if (!p.isFile(shim.script)) throw new CommandPlanError(`${resolved} is an npm shim for ${shim.script}, which does not exist. Reinstall the CLI (npm install -g …).`);
    const node = nodeForShim(resolved, p);
    if (!node) throw new CommandPlanError(`${resolved} is an npm shim that needs Node.js, but no node.exe was found next to it or on PATH. Install Node.js (and make sure node.exe is on PATH), or set the command to the full path of an .exe.`);
    return { file: node, args: [shim.script, ...args], detached: false, windowsVerbatimArguments: false, via: "npm-shim", script: shim.script };
  }
  return cmdExePlan(resolved, args, p);
}

// Inside double quotes cmd.exe still expands %VAR% (and !VAR! with delayed expansion) and a `"` ends the
// quoting; a batch file that uses %~1 unquoted turns & | < > ( ) ^ back into operators. Refuse them all
// in arguments; the program path may hold parentheses and & (C:\Program Files (x86)\…), never % ! " ^.
const CMD_ARG_UNSAFE = /["%!^&|<>()\r\n\0]/;
const CMD_PROGRAM_UNSAFE = /["%!^\r\n\0]/;

/** The last resort for a .cmd/.bat that is not an npm shim: `cmd.exe /d /s /c ""<file>" "<arg>" …"`. */
export function cmdExePlan(resolved: string, args: string[], p: Platform): SpawnPlan {
  if (CMD_PROGRAM_UNSAFE.test(resolved)) throw new CommandPlanError(`${resolved} cannot be run through cmd.exe safely: its path contains " % ! or ^. Move it, or point the command at an .exe.`);
  args.forEach((a, i) => {
    // Never echo the argument: it can be a token.
    if (CMD_ARG_UNSAFE.test(a) || a.endsWith("\\")) throw new CommandPlanError(`${p.path.basename(resolved)} is a batch file, which runs through cmd.exe, and argument ${i + 1} contains a character cmd.exe would interpret (" % ! ^ & | < > ( ) or a line break, or a trailing \\). Use the CLI's .exe, or an npm-installed CLI (its shim is run through node directly).`);
  });
  const comspec = envGet(p, "ComSpec") || p.path.join(envGet(p, "SystemRoot") || "C:\\Windows", "System32", "cmd.exe");
  const line = [resolved, ...args].map((a) => `"${a}"`).join(" ");
  // /d: no AutoRun commands from the registry; /s /c "…": strip exactly the outer quotes (as Node's own
  // shell: true does on Windows).
  return { file: comspec, args: ["/d", "/s", "/c", `"${line}"`], detached: false, windowsVerbatimArguments: true, via: "cmd.exe" };
}
