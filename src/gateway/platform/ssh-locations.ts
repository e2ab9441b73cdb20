// Where the laptop's SSH pieces are, per OS: the agent, known_hosts, ssh_config, and how `~` expands.
// - Agent order follows OpenSSH: the profile's choice, then the config's IdentityAgent (it overrides the
//   environment, which is how 1Password / Secretive on macOS take over from launchd's SSH_AUTH_SOCK), then
//   SSH_AUTH_SOCK; on Windows, where SSH_AUTH_SOCK is usually unset, then the Windows OpenSSH agent's
//   named pipe, then Pageant. ssh2 accepts all of these as its `agent`: a socket path, a
//   `\\.\pipe\…` path, a Cygwin/MSYS socket file, or the word "pageant".
// - Windows OpenSSH keeps the system files in %ProgramData%\ssh, not /etc/ssh.
import { envGet, type Platform } from "./platform";

export const WINDOWS_OPENSSH_AGENT_PIPE = "\\\\.\\pipe\\openssh-ssh-agent";
const PIPE_RE = /^[/\\]{2}\.[/\\]pipe[/\\](.+)$/;

export type AgentSource = "profile" | "IdentityAgent" | "SSH_AUTH_SOCK" | "windows-openssh" | "pageant" | "none";

export interface AgentChoice {
  /** What to hand ssh2 as `agent`; null = no agent. */
  agent: string | null;
  source: AgentSource;
  /** Why there is none, for the authentication summary. */
  note?: string;
}

/**
 * Picks the agent. `explicit` (the profile/caller) and `identityAgent` (from ssh_config): undefined = not
 * set, null = explicitly none. A choice that is set wins even when it is not reachable now (as in
 * OpenSSH); agentProblem() says so at authentication time.
 */
export function chooseAgent(p: Platform, opts: { explicit?: string | null; identityAgent?: string | null }): AgentChoice {
  if (opts.explicit !== undefined) return opts.explicit ? { agent: opts.explicit, source: "profile" } : { agent: null, source: "none", note: "no ssh-agent (disabled for this connection)" };
  if (opts.identityAgent !== undefined) return opts.identityAgent ? { agent: opts.identityAgent, source: "IdentityAgent" } : { agent: null, source: "none", note: "no ssh-agent (IdentityAgent none, or its variable is unset)" };
  const sock = envGet(p, "SSH_AUTH_SOCK");
  if (sock) return { agent: sock, source: "SSH_AUTH_SOCK" };
  if (p.os === "win32") {
    if (p.namedPipeExists("openssh-ssh-agent")) return { agent: WINDOWS_OPENSSH_AGENT_PIPE, source: "windows-openssh" };
    // Pageant cannot be probed from here (ssh2 asks it through a helper per request); when it is not
    // running, the attempt fails as an agent error and authentication moves on to key files.
    return { agent: "pageant", source: "pageant" };
  }
  return { agent: null, source: "none", note: "no ssh-agent (SSH_AUTH_SOCK is not set)" };
}

/** null = the agent looks reachable now; else a note for the authentication summary. */
export function agentProblem(agent: string, p: Platform): string | null {
  if (p.os === "win32") {
    const pipe = PIPE_RE.exec(agent);
    if (pipe) return p.namedPipeExists(pipe[1]!) ? null : `the ssh-agent pipe ${agent} does not exist (start the "OpenSSH Authentication Agent" service, or Pageant)`;
    if (agent === "pageant") return null;
    // Anything else is a Cygwin/MSYS (Git Bash) agent socket, which is a regular file on Windows.
    return p.isFile(agent) ? null : `the ssh-agent socket ${agent} does not exist`;
  }
  return p.isSocket(agent) ? null : `the ssh-agent socket ${agent} does not exist`;
}

/** %ProgramData%\ssh on Windows (where Windows' OpenSSH keeps ssh_config and ssh_known_hosts), /etc/ssh elsewhere. */
export function systemSshDir(p: Platform): string {
  if (p.os === "win32") return p.path.join(envGet(p, "ProgramData") || "C:\\ProgramData", "ssh");
  return "/etc/ssh";
}

export function knownHostsLocations(p: Platform, home = p.homedir): { user: string; system: string[] } {
  const sys = systemSshDir(p);
  return { user: p.path.join(home, ".ssh", "known_hosts"), system: [p.path.join(sys, "ssh_known_hosts"), p.path.join(sys, "ssh_known_hosts2")] };
}

export function sshConfigLocations(p: Platform, home = p.homedir): { user: string; system: string } {
  return { user: p.path.join(home, ".ssh", "config"), system: p.path.join(systemSshDir(p), "ssh_config") };
}

/** `~`, `~/…` and on Windows `~\…` → home. `~user` is left alone (OpenSSH on Windows does not support it either). */
export function expandHome(value: string, home: string, p: Platform): string {
  if (value === "~") return home;
  const sep = p.os === "win32" ? /^~[/\\]/ : /^~\//;
  return sep.test(value) ? p.path.join(home, value.slice(2)) : value;
}

/** A config path relative to ~/.ssh (Include without a leading / or ~), as OpenSSH reads it. */
export function sshDirPath(rel: string, home: string, p: Platform): string {
  return p.path.isAbsolute(rel) ? rel : p.path.join(home, ".ssh", rel);
}
