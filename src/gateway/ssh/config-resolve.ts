// Resolves an SSH target (`user@host[:port]` or a ~/.ssh/config alias) through ~/.ssh/config, the way
// OpenSSH would for what a tunnel needs: HostName (with %h), User, Port, IdentityFile (~, %-tokens,
// ${ENV}), ProxyJump (one or more hops, each `[user@]host[:port]`, `ssh://…` or an alias resolved through
// the same config; the first hop's own ProxyJump is honoured, as `ssh -J` does), HostKeyAlias,
// IdentityAgent, UserKnownHostsFile, HashKnownHosts, ConnectTimeout, and Include (files and `*` globs in
// the last path component). `Match exec` is never evaluated (no shell), and ProxyCommand is refused with
// a clear message (it would need a shell). Plain Node; never imports `vscode`.
import { homedir, hostname as osHostname, userInfo } from "node:os";
import SSHConfig from "ssh-config";
import { parsePort } from "../local-target";
import { currentPlatform, expandHome, sshConfigLocations, sshDirPath, type Platform } from "../platform";
import { parseSshTarget, sshTargetProblem } from "../target-config";

export class SshConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshConfigError";
  }
}

export interface SshHop {
  /** The name as written by the user or the config (an alias or a host). */
  alias: string;
  /** Where to connect (HostName after expansion). */
  host: string;
  port: number;
  user: string;
  /** IdentityFile entries from the config, expanded to absolute paths, in config order. */
  identityFiles: string[];
  /** HostKeyAlias: the name to look up in known_hosts instead of `host`. */
  hostKeyAlias?: string;
  /** `user@host:port`, for messages. */
  label: string;
}

export interface ResolvedSshTarget {
  /** Connection order: hops[0] is dialled directly, each next one through the previous; the last is the target. */
  hops: SshHop[];
  /** IdentityAgent of the target: undefined = not set, null = `none`, else a socket path. */
  identityAgent?: string | null;
  /** UserKnownHostsFile entries (expanded), when set. */
  userKnownHostsFiles?: string[];
  hashKnownHosts: boolean;
  connectTimeoutMs?: number;
  /** The config file that was read (it may not exist). */
  configPath: string;
}

export interface ResolveSshOptions {
  /** Default `<home>/.ssh/config`. */
  configPath?: string;
  home: string;
  localUser: string;
  env?: NodeJS.ProcessEnv;
  /** The laptop's OS rules (paths, `~\`, file reads); default the machine this runs on. */
  platform?: Platform;
}

const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;

/** Expands `~` (and `~\` on Windows), OpenSSH %-tokens and ${ENV} in a path-like value; relative results are taken from home. */
export function expandPath(value: string, ctx: TokenContext, opts: { relativeTo?: string } = {}): string {
  const platform = ctx.platform ?? currentPlatform();
  const P = platform.path;
  let v = expandHome(value.trim().replace(/^"(.*)"$/, "$1"), ctx.home, platform);
  v = expandTokens(v, ctx);
  v = v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => ctx.env?.[name] ?? "");
  return P.isAbsolute(v) ? v : P.resolve(opts.relativeTo ?? ctx.home, v);
}

export interface TokenContext {
  home: string;
  localUser: string;
  /** The remote host name (after HostName). */
  host?: string;
  /** The name as given (alias). */
  originalHost?: string;
  user?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
  platform?: Platform;
}

export function expandTokens(v: string, ctx: TokenContext): string {
  return v.replace(/%([%hpruLldn])/g, (all, t: string) => {
    switch (t) {
      case "%":
        return "%";
      case "h":
        return ctx.host ?? all;
      case "n":
        return ctx.originalHost ?? all;
      case "p":
        return ctx.port !== undefined ? String(ctx.port) : all;
      case "r":
        return ctx.user ?? all;
      case "u":
        return ctx.localUser;
      case "d":
        return ctx.home;
      case "L":
        return osHostname().split(".")[0] ?? "";
      case "l":
        return osHostname();
      default:
        return all;
    }
  });
}

/** Reads a config file with its Include directives inlined. A missing file is an empty config. */
export function readSshConfigText(file: string, home: string, depth = 0, platform: Platform = currentPlatform()): string {
  let text: string;
  try {
    text = platform.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "";
    throw new SshConfigError(`Cannot read the SSH config ${file}: ${(err as Error).message}`);
  }
  if (depth >= MAX_INCLUDE_DEPTH) throw new SshConfigError(`The SSH config ${file} nests Include more than ${MAX_INCLUDE_DEPTH} levels deep.`);
  return text
    .split(/\r?\n/)
    .map((line) => {
      const m = /^\s*include(?:\s*=\s*|\s+)(.+)$/i.exec(line);
      if (!m) return line;
      const parts = m[1]!.match(/"[^"]*"|\S+/g) ?? [];
      const out: string[] = [];
      for (const raw of parts) {
        const p = sshDirPath(expandHome(raw.replace(/^"(.*)"$/, "$1"), home, platform), home, platform);
        for (const f of globFiles(p, platform)) out.push(readSshConfigText(f, home, depth + 1, platform));
      }
      return out.join("\n");
    })
    .join("\n");
}

function globFiles(p: string, platform: Platform): string[] {
  const path = platform.path;
  const base = path.basename(p);
  if (!/[*?]/.test(base)) return [p];
  const dir = path.dirname(p);
  const re = new RegExp("^" + base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  try {
    return platform
      .readdir(dir)
      .filter((n) => re.test(n))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

type Computed = Record<string, string | string[]>;

function first(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

function yes(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true)$/i.test(v.trim());
}

/** Parses a ProxyJump hop (`[user@]host[:port]` or `ssh://[user@]host[:port]`). */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  let s = spec.trim();
  if (/^ssh:\/\//i.test(s)) s = s.slice(6).replace(/\/$/, "");
  const problem = sshTargetProblem(s);
  if (problem) throw new SshConfigError(`ProxyJump hop "${spec.slice(0, 60)}": ${problem}`);
  return parseSshTarget(s);
}

/** Resolves a target through the SSH config. Throws SshConfigError with a specific message. */
export function resolveSshTarget(target: string, opts: ResolveSshOptions): ResolvedSshTarget {
  const problem = sshTargetProblem(target);
  if (problem) throw new SshConfigError(problem);
  const platform = opts.platform ?? currentPlatform();
  const configPath = opts.configPath ?? sshConfigLocations(platform, opts.home).user;
  const config = SSHConfig.parse(readSshConfigText(configPath, opts.home, 0, platform));
  const compute = (host: string, user?: string): Computed => {
    try {
      return config.compute({ Host: host, User: user }, { ignoreCase: true, matchExec: false });
    } catch (err) {
      throw new SshConfigError(`Cannot evaluate ${configPath} for "${host}": ${(err as Error).message}`);
    }
  };

  const resolveHop = (spec: { user?: string; host: string; port?: number }, computed: Computed): SshHop => {
    const ctxBase: TokenContext = { home: opts.home, localUser: opts.localUser, originalHost: spec.host, env: opts.env, platform };
    const hostName = first(computed.hostname);
    const host = hostName ? expandTokens(hostName, { ...ctxBase, host: spec.host }) : spec.host;
    if (!/^[A-Za-z0-9._:-]+$/.test(host) || host.startsWith("-")) throw new SshConfigError(`HostName "${host.slice(0, 60)}" for "${spec.host}" in ${configPath} is not a valid host name.`);
    let port = spec.port;
    if (port === undefined) {
      try {
        port = parsePort(first(computed.port), `Port for "${spec.host}" in ${configPath}`) ?? 22;
      } catch (err) {
        throw new SshConfigError((err as Error).message);
      }
    }
    const user = spec.user ?? first(computed.user) ?? opts.localUser;
    const ctx: TokenContext = { ...ctxBase, host, user, port };
    const identityFiles = ((computed.identityfile as string[] | undefined) ?? []).filter((f) => f.toLowerCase() !== "none").map((f) => expandPath(f, ctx));
    const hka = first(computed.hostkeyalias);
    const hostPart = host.includes(":") ? `[${host}]` : host;
    return { alias: spec.host, host, port, user, identityFiles, hostKeyAlias: hka || undefined, label: `${user}@${hostPart}${port === 22 ? "" : `:${port}`}` };
  };

  /** Hops for a spec: its jump chain (when honoured) followed by the host itself. */
  const chain = (
    spec: { user?: string; host: string; port?: number },
    depth: number,
    seen: string[],
    honourJump: boolean,
  ): { hops: SshHop[]; computed: Computed } => {
    if (depth > MAX_JUMP_DEPTH) throw new SshConfigError(`ProxyJump chain is longer than ${MAX_JUMP_DEPTH} hops (${seen.join(" → ")}).`);
    const computed = compute(spec.host, spec.user);
    const hop = resolveHop(spec, computed);
    const key = `${hop.user}@${hop.host}:${hop.port}`;
    if (seen.includes(key)) throw new SshConfigError(`ProxyJump loops back to ${hop.label} (${[...seen, key].join(" → ")}).`);
    const jump = first(computed.proxyjump)?.trim();
    const proxyCommand = first(computed.proxycommand)?.trim();
    const hops: SshHop[] = [];
    if (honourJump && jump && jump.toLowerCase() !== "none") {
      const specs = jump.split(",").map(parseJumpSpec);
      specs.forEach((s, i) => {
        // Like `ssh -J a,b`: a is reached with its own config (including its ProxyJump), b through a.
        const sub = chain(s, depth + 1, [...seen, key], i === 0);
        hops.push(...sub.hops);
      });
    } else if (honourJump && proxyCommand && proxyCommand.toLowerCase() !== "none") {
      throw new SshConfigError(
        `${configPath} sets ProxyCommand for "${spec.host}", which KrabKrab does not run (it would need a shell). Use ProxyJump instead, or a tunnel you start yourself and a direct ws:// profile.`,
      );
    }
    hops.push(hop);
    return { hops, computed };
  };

  const t = parseSshTarget(target);
  const { hops, computed } = chain(t, 0, [], true);
  const target_ = hops[hops.length - 1]!;
  const ctx: TokenContext = {
    home: opts.home,
    localUser: opts.localUser,
    host: target_.host,
    originalHost: target_.alias,
    user: target_.user,
    port: target_.port,
    env: opts.env,
    platform,
  };
  const agentRaw = first(computed.identityagent)?.trim();
  let identityAgent: string | null | undefined;
  if (agentRaw) {
    if (agentRaw.toLowerCase() === "none") identityAgent = null;
    else if (agentRaw === "SSH_AUTH_SOCK") identityAgent = opts.env?.SSH_AUTH_SOCK || null;
    else if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(agentRaw)) identityAgent = opts.env?.[agentRaw.slice(1)] || null;
    else identityAgent = expandPath(agentRaw, ctx);
  }
  const ukh = computed.userknownhostsfile;
  const userKnownHostsFiles = ukh ? (Array.isArray(ukh) ? ukh : ukh.split(/\s+/)).filter((f) => f && f.toLowerCase() !== "none").map((f) => expandPath(f, ctx)) : undefined;
  const ct = first(computed.connecttimeout);
  const connectTimeoutMs = ct && /^\d+$/.test(ct.trim()) && Number(ct) > 0 ? Number(ct) * 1000 : undefined;
  return {
    hops,
    identityAgent,
    userKnownHostsFiles: userKnownHostsFiles?.length ? userKnownHostsFiles : undefined,
    hashKnownHosts: yes(first(computed.hashknownhosts)),
    connectTimeoutMs,
    configPath,
  };
}

/** The local user name for %u/%r and the default remote user; USER/USERNAME when the OS will not say. */
export function safeUserName(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.USERNAME || "root";
  }
}

/**
 * Where a target really connects (its last hop, after ~/.ssh/config), resolved exactly as SshTunnel.open
 * does: the extension binds an ssh profile's secrets to this (secret-destination.ts), so an alias whose
 * HostName changed does not take the old host's token along. Throws SshConfigError.
 */
export function resolveSshEndpoint(target: string, sshConfigPath?: string, env: NodeJS.ProcessEnv = process.env): { user: string; host: string; port: number } {
  const r = resolveSshTarget(target, { configPath: sshConfigPath, home: homedir(), localUser: safeUserName(env), env });
  const last = r.hops[r.hops.length - 1]!;
  return { user: last.user, host: last.host, port: last.port };
}
