// The laptop side's operating system, as one injectable value. The extension runs wherever VS Code runs
// (`extensionKind: ["workspace", "ui"]`): most users are on Windows or macOS with the gateway on a Linux
// box, so every OS-specific decision (how to run a command, stop a process tree, find the ssh-agent,
// known_hosts, ssh_config, expand `~`) lives under this folder and takes a `Platform`. Tests hand in
// win32/darwin/linux platforms with fake probes; production code uses `currentPlatform()`. Nothing
// outside this folder branches on `process.platform`. Plain Node; never imports `vscode`.
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Every POSIX system other than macOS behaves like Linux for what this extension needs. */
export type OsKind = "win32" | "darwin" | "linux";

export interface Platform {
  os: OsKind;
  /** `path.win32` or `path.posix`: the laptop's path rules (not necessarily the test machine's). */
  path: path.PlatformPath;
  env: NodeJS.ProcessEnv;
  homedir: string;
  isFile(p: string): boolean;
  /** POSIX: a file with an execute bit. Windows: a file (the extension decides how it is run). */
  isExecutable(p: string): boolean;
  isSocket(p: string): boolean;
  /** Throws like fs.readFileSync (ENOENT for a missing file). */
  readFile(p: string): string;
  /** Throws like fs.readdirSync. */
  readdir(p: string): string[];
  /** Windows: whether `\\.\pipe\<name>` exists, found by listing the pipe namespace (not by opening it,
   *  which would take one of the agent's connection slots). Always false elsewhere. */
  namedPipeExists(name: string): boolean;
}

export function osKind(nodePlatform: NodeJS.Platform): OsKind {
  return nodePlatform === "win32" ? "win32" : nodePlatform === "darwin" ? "darwin" : "linux";
}

/** An environment variable; Windows names are case-insensitive (`Path`, `PATH`), and a merged
 *  `{...process.env, ...extra}` object is a plain object that no longer knows that. */
export function envGet(p: Pick<Platform, "os" | "env">, name: string): string | undefined {
  if (p.os !== "win32") return p.env[name];
  if (p.env[name] !== undefined) return p.env[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(p.env)) if (k.toLowerCase() === lower && v !== undefined) return v;
  return undefined;
}

const probe = (f: () => boolean) => {
  try {
    return f();
  } catch {
    return false;
  }
};

/** The machine this code runs on; `overrides` replaces single parts (e.g. a merged env). */
export function currentPlatform(overrides: Partial<Platform> = {}): Platform {
  const kind = osKind(process.platform);
  return {
    os: kind,
    path: kind === "win32" ? path.win32 : path.posix,
    env: process.env,
    homedir: os.homedir(),
    isFile: (p) => probe(() => statSync(p).isFile()),
    isExecutable: (p) => probe(() => statSync(p).isFile() && (kind === "win32" || (accessSync(p, constants.X_OK), true))),
    isSocket: (p) => probe(() => statSync(p).isSocket()),
    readFile: (p) => readFileSync(p, "utf8"),
    readdir: (p) => readdirSync(p),
    namedPipeExists: (name) => kind === "win32" && probe(() => readdirSync("\\\\.\\pipe\\").some((n) => n.toLowerCase() === name.toLowerCase())),
    ...overrides,
  };
}
