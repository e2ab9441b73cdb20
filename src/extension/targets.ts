// From settings + secrets + env + the gateway CLI's config file to an open transport: reads the
// `krabkrab.*` settings, resolves which gateway (src/gateway/target-config.ts holds the precedence rules),
// and opens it — attach/spawn a local gateway, an ssh2 tunnel, or a direct URL — as a ResolvedTarget the
// ConnectionManager can connect through and later dispose.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import {
  ConfigError,
  LocalGateway,
  loadGatewayConfigFile,
  parseProfiles,
  redactor,
  resolveTarget,
  SecretKeys,
  type Logger,
  type Profile,
  type SecretStore,
  type SshPrompts,
  type TargetSpec,
} from "../gateway";
import type { ResolvedTarget } from "./connection-manager";
import { loadSshTransport } from "./ssh-transport";

export interface KrabKrabSettings {
  profiles: Profile[];
  /** Problems with individual profiles (the others stay usable). */
  profileErrors: string[];
  activeProfile: string;
  /** Only when the user set it explicitly: an explicit setting beats env and the config file. */
  localPortSetting?: number;
  localCommand: string;
  localExtraArgs: string[];
  allowInsecurePublicWs: boolean;
  sshConfigFile?: string;
  sshKnownHostsFile?: string;
}

export function readSettings(): KrabKrabSettings {
  const cfg = vscode.workspace.getConfiguration("krabkrab");
  const { profiles, errors } = parseProfiles(cfg.get<unknown>("profiles"));
  const port = cfg.inspect<number>("local.port");
  const extra = cfg.get<unknown>("local.extraArgs");
  const str = (key: string) => {
    const v = cfg.get<unknown>(key);
    return typeof v === "string" && v.trim() ? v.trim() : undefined;
  };
  return {
    profiles,
    profileErrors: errors,
    activeProfile: str("activeProfile") ?? "",
    localPortSetting: port?.workspaceFolderValue ?? port?.workspaceValue ?? port?.globalValue,
    localCommand: str("local.command") ?? "krabkrab",
    localExtraArgs: Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [],
    allowInsecurePublicWs: cfg.get<boolean>("allowInsecurePublicWs") === true,
    sshConfigFile: str("ssh.configFile"),
    sshKnownHostsFile: str("ssh.knownHostsFile"),
  };
}

/** The secret-store keys a target's shared token/password live under. */
export function credentialKeys(profileName: string | undefined): { token: string; password: string } {
  return profileName ? { token: SecretKeys.profileToken(profileName), password: SecretKeys.profilePassword(profileName) } : { token: SecretKeys.localGatewayToken, password: `${SecretKeys.localGatewayToken}.password` };
}

export interface TargetChoice {
  /** A profile name; undefined = the active profile setting; "" = no profile (env / config file / defaults). */
  profile?: string;
  /** Connect Local: a gateway on this machine whatever the config file's mode says. */
  forceLocal?: boolean;
}

export interface Resolved {
  spec: TargetSpec;
  profileName?: string;
  /** Where the spec came from, for the log. */
  configPath?: string;
}

/** Resolves a choice to a TargetSpec. Throws ConfigError (with the setting to open) when unusable. */
export async function resolveChoice(choice: TargetChoice, settings: KrabKrabSettings, secrets: SecretStore): Promise<Resolved> {
  const name = choice.profile ?? settings.activeProfile;
  let profile: Profile | undefined;
  if (name) {
    profile = settings.profiles.find((p) => p.name === name);
    if (!profile) {
      const bad = settings.profileErrors.find((e) => e.includes(`"${name}"`));
      throw new ConfigError(bad ?? `There is no profile named “${name}” in krabkrab.profiles.`, "krabkrab.profiles");
    }
  }
  const keys = credentialKeys(profile?.name);
  const configFile = loadGatewayConfigFile(process.env);
  const stored = { token: await secrets.get(keys.token), password: await secrets.get(keys.password) };
  let spec = resolveTarget({
    profile,
    profileSecrets: profile ? stored : undefined,
    env: process.env,
    configFile,
    remoteName: vscode.env.remoteName,
    localPortSetting: settings.localPortSetting,
    allowInsecurePublicWs: settings.allowInsecurePublicWs,
  });
  if (choice.forceLocal && spec.transport !== "local") {
    spec = resolveTarget({ env: process.env, configFile: configFile ? { ...configFile, config: { ...configFile.config, gateway: { ...configFile.config.gateway, mode: "local" } } } : null, localPortSetting: settings.localPortSetting });
  }
  if (!profile && spec.transport === "local") {
    // No profile: a token the user saved with “Set Gateway Token” fills in what env/config did not give.
    spec = { ...spec, token: spec.token ?? stored.token, password: spec.password ?? stored.password };
  }
  for (const s of [spec.token, spec.password]) if (s) redactor.add(s);
  return { spec, profileName: profile?.name, configPath: configFile?.path };
}

export interface OpenDeps {
  secrets: SecretStore;
  log: Logger;
  settings: KrabKrabSettings;
  prompts: SshPrompts;
  /** The spawned gateway's own output. */
  gatewayOutput: (line: string) => void;
  /** Progress text ("Starting the local gateway…"). */
  report: (message: string) => void;
  /** A transport trouble after open (gateway crash loop, tunnel given up): shown to the user. */
  onTransportFailure: (message: string) => void;
  signal?: AbortSignal;
}

export function targetLabel(spec: TargetSpec): string {
  if (spec.transport === "local") return `local :${spec.port}`;
  if (spec.transport === "ssh") return `ssh ${spec.sshTarget}${spec.remotePort !== 18789 ? ` :${spec.remotePort}` : ""}`;
  try {
    const u = new URL(spec.url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return spec.url;
  }
}

/** Opens the transport a spec names. The result's dispose() stops what was opened (never an attached gateway). */
export async function openTransport(r: Resolved, deps: OpenDeps): Promise<ResolvedTarget> {
  const { spec } = r;
  const label = targetLabel(spec);
  if (spec.transport === "direct") {
    return { label, url: spec.url, token: spec.token, password: spec.password, tlsFingerprint: spec.tlsFingerprint };
  }
  if (spec.transport === "ssh") {
    deps.report(`Opening an SSH tunnel to ${spec.sshTarget}…`);
    const { SshTunnel } = loadSshTransport();
    const tunnel = await SshTunnel.open({
      target: spec.sshTarget,
      identityFile: spec.identityFile,
      remotePort: spec.remotePort,
      localPort: spec.localPort || undefined,
      sshConfigPath: deps.settings.sshConfigFile,
      knownHostsPath: deps.settings.sshKnownHostsFile,
      prompts: deps.prompts,
      logger: deps.log,
      signal: deps.signal,
    });
    tunnel.on("state", (s) => {
      if (s.status === "reconnecting") deps.log.warn(`ssh tunnel: re-establishing (attempt ${s.attempt}): ${s.error}`);
      else if (s.status === "open") deps.log.info(`ssh tunnel: open on 127.0.0.1:${s.localPort}`);
      else if (s.status === "closed" && s.error) deps.onTransportFailure(`The SSH tunnel to ${spec.sshTarget} closed: ${s.error}`);
    });
    deps.log.info(`ssh tunnel: 127.0.0.1:${tunnel.localPort} → ${spec.sshTarget} → 127.0.0.1:${spec.remotePort}`);
    return { label, url: tunnel.url, token: spec.token, password: spec.password, credentialScope: `ssh://${spec.sshTarget}|${spec.remotePort}`, dispose: () => tunnel.close(), tunnel };
  }

  // Local: attach to what answers on the port, else start one with a token we generate and keep.
  const keys = credentialKeys(r.profileName);
  let token = spec.token;
  let generated = false;
  if (!token) {
    token = await deps.secrets.get(keys.token);
    if (!token) {
      token = randomBytes(24).toString("base64url");
      generated = true;
    }
  }
  redactor.add(token);
  deps.report(`Starting or attaching to the local gateway on port ${spec.port}…`);
  const gw = await LocalGateway.start({
    port: spec.port,
    token,
    command: deps.settings.localCommand,
    extraArgs: deps.settings.localExtraArgs,
    logger: deps.log,
    onOutput: (line) => deps.gatewayOutput(line),
    signal: deps.signal,
  });
  if (!gw.attached && generated) await deps.secrets.store(keys.token, token);
  gw.on("state", (s) => {
    if (s.status === "restarting") deps.log.warn(`local gateway crashed; restart ${s.attempt}: ${s.lastError}`);
    else if (s.status === "stopped" && s.error) deps.onTransportFailure(`The local gateway stopped: ${s.error}`);
  });
  deps.log.info(gw.attached ? `attached to the gateway on 127.0.0.1:${spec.port}` : `started the gateway on 127.0.0.1:${spec.port} (pid ${gw.pid})`);
  return {
    label: gw.attached ? label : `${label} (started)`,
    url: gw.url,
    // Attached with a token we made up: the gateway does not know it; a stored device token may still work.
    token: gw.attached && generated ? undefined : token,
    password: spec.password,
    local: gw,
    dispose: () => gw.stop(),
  };
}
