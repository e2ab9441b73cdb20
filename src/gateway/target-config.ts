// Which gateway to reach, and how, from three sources in a fixed order of precedence:
//   1. an explicit profile (extension settings; its secrets from the secret store),
//   2. the environment (KRABKRAB_GATEWAY_TOKEN/PORT, or OpenClaw's OPENCLAW_* names) — its token and
//      password are the *local* gateway's, so they only ever go to a local target,
//   3. the gateway CLI's own config file (JSON5: ~/.krabkrab/krabkrab.json, else ~/.openclaw/openclaw.json,
//      or KRABKRAB_CONFIG_PATH / OPENCLAW_CONFIG_PATH), `gateway.mode:"remote"` for a remote gateway,
//   4. defaults (a local gateway on 127.0.0.1:18789).
// Everything from outside is validated here with a specific error that says what to fix.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import JSON5 from "json5";
import { KrabError } from "../shared/base/errors";
import * as z from "zod/mini";
import { DEFAULT_GATEWAY_PORT, parsePort } from "./local-target";

/** A setting or the gateway CLI's config file cannot be used; the message names the value and the fix. */
export class ConfigError extends KrabError {
  constructor(message: string, setting?: string, cause?: unknown) {
    super({ kind: "config-invalid", message, nextStep: "", retryable: false, setting: setting ?? "krabkrab", cause });
    this.name = "ConfigError";
  }
}

// ---- settings: profiles ----

const portNumber = z.int().check(z.gte(0), z.lte(65535));

export const ProfileSchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(80)),
  transport: z.enum(["local", "ssh", "direct"]),
  sshTarget: z.optional(z.string()),
  identityFile: z.optional(z.string()),
  remotePort: z.optional(portNumber),
  localPort: z.optional(portNumber),
  url: z.optional(z.string()),
  tlsFingerprint: z.optional(z.string()),
  port: z.optional(portNumber),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Validates the `krabkrab.profiles` setting; one bad profile is reported, not fatal for the others. */
export function parseProfiles(raw: unknown): { profiles: Profile[]; errors: string[] } {
  if (raw === undefined || raw === null) return { profiles: [], errors: [] };
  if (!Array.isArray(raw)) return { profiles: [], errors: ["krabkrab.profiles must be a list of profiles."] };
  const profiles: Profile[] = [];
  const errors: string[] = [];
  raw.forEach((p, i) => {
    const r = ProfileSchema.safeParse(p);
    if (!r.success) {
      const first = r.error.issues[0];
      errors.push(`krabkrab.profiles[${i}]${first?.path.length ? "." + first.path.map(String).join(".") : ""}: ${first?.message ?? "invalid"}`);
      return;
    }
    const problem = profileProblem(r.data);
    if (problem) errors.push(`krabkrab.profiles[${i}] "${r.data.name}": ${problem}`);
    else profiles.push(r.data);
  });
  return { profiles, errors };
}

function profileProblem(p: Profile): string | null {
  if (p.transport === "ssh") {
    if (!p.sshTarget) return "an ssh profile needs sshTarget (user@host[:port] or a ~/.ssh/config alias).";
    const e = sshTargetProblem(p.sshTarget);
    if (e) return e;
  }
  if (p.transport === "direct") {
    if (!p.url) return "a direct profile needs url (ws:// or wss://).";
    const e = urlProblem(p.url, p.tlsFingerprint);
    if (e) return e;
  }
  return null;
}

// ---- SSH targets ----

export interface SshTargetParts {
  user?: string;
  host: string;
  port?: number;
}

/**
 * `user@host[:port]`, `[v6addr]:port`, or a bare ~/.ssh/config alias. Refuses anything that could be
 * read as an option or carry shell syntax: we never pass it to a shell, but it must not look like one.
 */
export function sshTargetProblem(target: string): string | null {
  const t = target.trim();
  if (!t) return "the SSH target is empty.";
  if (t.length > 255) return "the SSH target is too long.";
  if (t.startsWith("-")) return `the SSH target "${t.slice(0, 40)}" starts with "-", which would be read as an option; use user@host.`;
  if (/[\s;|&$`<>(){}'"\\*?!#~]/.test(t.replace(/^\[[0-9a-fA-F:.]+\]/, ""))) return `the SSH target "${t.slice(0, 40)}" contains spaces or shell characters; use user@host[:port] or a ~/.ssh/config alias.`;
  try {
    parseSshTarget(t);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

export function parseSshTarget(target: string): SshTargetParts {
  const t = target.trim();
  const at = t.lastIndexOf("@");
  const user = at > 0 ? t.slice(0, at) : undefined;
  let rest = at >= 0 ? t.slice(at + 1) : t;
  if (at === 0) throw new Error("the SSH target has an empty user name before @.");
  let port: number | undefined;
  let host: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = parsePort(v6[2], "the SSH port");
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon > 0 && rest.indexOf(":") === colon) {
      port = parsePort(rest.slice(colon + 1), "the SSH port");
      rest = rest.slice(0, colon);
    }
    host = rest;
  }
  if (!host || !/^[A-Za-z0-9._:-]+$/.test(host) || host.startsWith("-") || host.startsWith(".")) throw new Error(`"${host.slice(0, 40)}" is not a valid host name.`);
  if (user !== undefined && !/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`"${user.slice(0, 40)}" is not a valid SSH user name.`);
  return { user, host, port };
}

// ---- direct URLs ----

/** Hosts where plain ws:// with a token is acceptable: loopback, tailnet (WireGuard-encrypted), private LAN. */
export function plaintextAllowedHost(host: string): "loopback" | "tailnet" | "private" | null {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || /^127\./.test(h)) return "loopback";
  if (h.endsWith(".ts.net")) return "tailnet";
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a === 100 && b >= 64 && b <= 127) return "tailnet"; // 100.64.0.0/10 (CGNAT, Tailscale)
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return "private";
  }
  if (/^f[cd][0-9a-f]{2}:/.test(h) || /^fe80:/.test(h)) return "private";
  if (h.endsWith(".local")) return "private";
  return null;
}

export function normalizeFingerprint(fp: string): string | null {
  const v = fp.trim().replace(/^sha256:/i, "");
  if (/^[0-9a-f]{64}$/i.test(v)) return v.toLowerCase();
  if (/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/i.test(v)) return v.replaceAll(":", "").toLowerCase();
  return null;
}

/** Checks a direct URL before any socket opens. */
export function urlProblem(url: string, tlsFingerprint?: string, opts: { allowInsecurePublic?: boolean; hasSecret?: boolean } = {}): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url.slice(0, 80)}" is not a valid URL; use ws://host:port or wss://host.`;
  }
  if (u.protocol !== "ws:" && u.protocol !== "wss:") return `the gateway URL must start with ws:// or wss://, not ${u.protocol}//.`;
  if (u.username || u.password) return "do not put credentials in the gateway URL; set the token with “KrabKrab: Set Gateway Token”.";
  if (tlsFingerprint !== undefined && tlsFingerprint !== "") {
    if (u.protocol !== "wss:") return "a TLS fingerprint only makes sense with a wss:// URL; remove it or use wss://.";
    if (!normalizeFingerprint(tlsFingerprint)) return "the TLS fingerprint must be a SHA-256 fingerprint (64 hex digits, colons and a sha256: prefix allowed).";
  }
  if (u.protocol === "ws:" && opts.hasSecret !== false && !plaintextAllowedHost(u.hostname) && !opts.allowInsecurePublic) {
    return `refusing to send a token over plain ws:// to the public address ${u.hostname}: use wss://, an SSH tunnel, or a tailnet address — or, if you accept the risk, enable krabkrab.allowInsecurePublicWs.`;
  }
  return null;
}

// ---- the gateway CLI's config file ----

const GatewayFileSchema = z.looseObject({
  gateway: z.optional(
    z.looseObject({
      mode: z.optional(z.string()),
      port: z.optional(z.union([z.number(), z.string()])),
      auth: z.optional(z.looseObject({ mode: z.optional(z.string()), token: z.optional(z.string()), password: z.optional(z.string()) })),
      remote: z.optional(
        z.looseObject({
          url: z.optional(z.string()),
          token: z.optional(z.string()),
          password: z.optional(z.string()),
          tlsFingerprint: z.optional(z.string()),
          sshTarget: z.optional(z.string()),
          sshIdentity: z.optional(z.string()),
        }),
      ),
    }),
  ),
});
export type GatewayFileConfig = z.infer<typeof GatewayFileSchema>;

/** The config file to read: explicit env paths first, then KrabKrab's, then OpenClaw's default. */
export function configFileCandidates(env: NodeJS.ProcessEnv, home = homedir()): string[] {
  return [env.KRABKRAB_CONFIG_PATH, env.OPENCLAW_CONFIG_PATH, path.join(home, ".krabkrab", "krabkrab.json"), path.join(home, ".openclaw", "openclaw.json")].filter((p): p is string => Boolean(p));
}

export function loadGatewayConfigFile(env: NodeJS.ProcessEnv, home = homedir()): { path: string; config: GatewayFileConfig } | null {
  for (const file of configFileCandidates(env, home)) {
    if (!existsSync(file)) {
      if (file === env.KRABKRAB_CONFIG_PATH || file === env.OPENCLAW_CONFIG_PATH) throw new ConfigError(`The config file ${file} named by ${file === env.KRABKRAB_CONFIG_PATH ? "KRABKRAB_CONFIG_PATH" : "OPENCLAW_CONFIG_PATH"} does not exist.`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON5.parse(readFileSync(file, "utf8"));
    } catch (err) {
      const e = err as Error & { lineNumber?: number; columnNumber?: number };
      throw new ConfigError(`The gateway config ${file} is not valid JSON5${e.lineNumber ? ` (line ${e.lineNumber}, column ${e.columnNumber})` : ""}: ${e.message.replace(/^JSON5: /, "")}. Fix it or run \`krabkrab doctor\`.`);
    }
    const r = GatewayFileSchema.safeParse(parsed);
    if (!r.success) {
      const first = r.error.issues[0];
      throw new ConfigError(`The gateway config ${file} has an unexpected value at ${first?.path.map(String).join(".") || "(root)"}: ${first?.message}.`);
    }
    return { path: file, config: r.data };
  }
  return null;
}

// ---- resolution ----

export type TargetSpec =
  | { transport: "local"; port: number; token?: string; password?: string; source: TargetSource }
  | { transport: "ssh"; sshTarget: string; identityFile?: string; remotePort: number; localPort: number; token?: string; password?: string; source: TargetSource }
  | { transport: "direct"; url: string; tlsFingerprint?: string; token?: string; password?: string; source: TargetSource };

export type TargetSource = "profile" | "env" | "config-file" | "default" | "remote-workspace";

export interface ResolveInput {
  profile?: Profile;
  /** The profile's secrets from the secret store. */
  profileSecrets?: { token?: string; password?: string };
  env: NodeJS.ProcessEnv;
  configFile?: { path: string; config: GatewayFileConfig } | null;
  /** vscode.env.remoteName: in an ssh-remote workspace we run next to the gateway. */
  remoteName?: string;
  localPortSetting?: number;
  allowInsecurePublicWs?: boolean;
  /** A device token is stored for this target's destination: a secret for the plain-ws:// rule too. */
  deviceTokenStored?: boolean;
}

/** Resolves where to connect. Throws ConfigError with a specific message when the input is unusable. */
export function resolveTarget(input: ResolveInput): TargetSpec {
  const { env, profile } = input;
  const file = input.configFile?.config.gateway;
  const envToken = env.KRABKRAB_GATEWAY_TOKEN || env.OPENCLAW_GATEWAY_TOKEN || undefined;
  const envPassword = env.KRABKRAB_GATEWAY_PASSWORD || env.OPENCLAW_GATEWAY_PASSWORD || undefined;
  const envPort = parsePort(env.KRABKRAB_GATEWAY_PORT, "KRABKRAB_GATEWAY_PORT") ?? parsePort(env.OPENCLAW_GATEWAY_PORT, "OPENCLAW_GATEWAY_PORT");
  const filePort = file?.port !== undefined ? parsePort(String(file.port), `gateway.port in ${input.configFile?.path}`) : undefined;

  if (profile) {
    if (profile.transport === "local") {
      const token = input.profileSecrets?.token ?? envToken;
      const password = input.profileSecrets?.password ?? envPassword;
      return { transport: "local", port: profile.port ?? input.localPortSetting ?? envPort ?? DEFAULT_GATEWAY_PORT, token: token ?? file?.auth?.token, password: password ?? file?.auth?.password, source: "profile" };
    }
    // The env token/password belong to the gateway on this machine (the one `gateway run` reads them
    // for): an ssh or direct profile gets only the secrets stored for its own destination.
    const token = input.profileSecrets?.token;
    const password = input.profileSecrets?.password;
    if (profile.transport === "ssh") {
      const problem = sshTargetProblem(profile.sshTarget ?? "");
      if (problem) throw new ConfigError(`Profile "${profile.name}": ${problem}`, "krabkrab.profiles");
      return { transport: "ssh", sshTarget: profile.sshTarget!, identityFile: profile.identityFile, remotePort: profile.remotePort ?? DEFAULT_GATEWAY_PORT, localPort: profile.localPort ?? 0, token, password, source: "profile" };
    }
    const problem = urlProblem(profile.url ?? "", profile.tlsFingerprint, { allowInsecurePublic: input.allowInsecurePublicWs, hasSecret: Boolean(token || password || input.deviceTokenStored) });
    if (problem) throw new ConfigError(`Profile "${profile.name}": ${problem}`, "krabkrab.profiles");
    return { transport: "direct", url: profile.url!, tlsFingerprint: profile.tlsFingerprint, token, password, source: "profile" };
  }

  // In a Remote-SSH workspace the extension runs on the gateway's host: loopback, no tunnel.
  if (input.remoteName === "ssh-remote") {
    return { transport: "local", port: input.localPortSetting ?? envPort ?? filePort ?? DEFAULT_GATEWAY_PORT, token: envToken ?? file?.auth?.token, password: envPassword ?? file?.auth?.password, source: "remote-workspace" };
  }

  if (file?.mode === "remote" && file.remote) {
    const r = file.remote;
    // Only the file's own remote credentials: the env ones are the local gateway's (see above).
    const token = r.token;
    const password = r.password;
    if (r.sshTarget) {
      const problem = sshTargetProblem(r.sshTarget);
      if (problem) throw new ConfigError(`gateway.remote.sshTarget in ${input.configFile?.path}: ${problem}`);
      return { transport: "ssh", sshTarget: r.sshTarget, identityFile: r.sshIdentity, remotePort: filePort ?? DEFAULT_GATEWAY_PORT, localPort: 0, token, password, source: "config-file" };
    }
    if (r.url) {
      const problem = urlProblem(
        r.url,
        r.tlsFingerprint,
        { allowInsecurePublic: input.allowInsecurePublicWs, hasSecret: Boolean(token || password || input.deviceTokenStored) },
      );
      if (problem) throw new ConfigError(`gateway.remote.url in ${input.configFile?.path}: ${problem}`);
      return { transport: "direct", url: r.url, tlsFingerprint: r.tlsFingerprint, token, password, source: "config-file" };
    }
    throw new ConfigError(`${input.configFile?.path} sets gateway.mode "remote" but neither gateway.remote.url nor gateway.remote.sshTarget.`);
  }

  const port = input.localPortSetting ?? envPort ?? filePort ?? DEFAULT_GATEWAY_PORT;
  const source: TargetSource = input.localPortSetting !== undefined ? "profile" : envPort !== undefined || envToken ? "env" : input.configFile ? "config-file" : "default";
  return { transport: "local", port, token: envToken ?? file?.auth?.token, password: envPassword ?? file?.auth?.password, source };
}
