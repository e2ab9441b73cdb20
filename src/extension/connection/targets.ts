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
  hasStoredDeviceToken,
  SecretBindings,
  type Logger,
  type Profile,
  type SecretStore,
  type SshPrompts,
  type TargetSpec,
} from "../../gateway";
import type { ResolvedTarget } from "./connection-manager";
import { destinationOf, storedSecretsFor } from "./secret-prompts";
import { openSshTransport } from "./ssh-transport";

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

// Settings that decide where secrets go or how safe the link is are read from user scope only (the manifest
// scopes them `machine` / `application`; a cloned repository's .vscode/settings.json must not be able to point
// a stored token at its own host). The definitions live in settings-light.ts, which activation reads too.
export { USER_ONLY_SETTINGS, userSetting } from "./settings-light";
import { userSetting } from "./settings-light";

export function readSettings(): KrabKrabSettings {
  const cfg = vscode.workspace.getConfiguration("krabkrab");
  const { profiles, errors } = parseProfiles(userSetting<unknown>("profiles"));
  const extra = cfg.get<unknown>("local.extraArgs");
  const str = (key: string) => {
    const v = cfg.get<unknown>(key);
    return typeof v === "string" && v.trim() ? v.trim() : undefined;
  };
  const active = userSetting<unknown>("activeProfile");
  return {
    profiles,
    profileErrors: errors,
    activeProfile: typeof active === "string" ? active.trim() : "",
    localPortSetting: userSetting<number>("local.port"),
    localCommand: str("local.command") ?? "krabkrab",
    localExtraArgs: Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [],
    allowInsecurePublicWs: userSetting<boolean>("allowInsecurePublicWs") === true,
    sshConfigFile: str("ssh.configFile"),
    sshKnownHostsFile: str("ssh.knownHostsFile"),
  };
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
  /** Where its secrets go (secret-destination.ts): stored secrets and device tokens are keyed by it. */
  destination: string;
  /** The profile the stored secrets are labelled with ("" = the default target). */
  secretProfile: string;
}

/** Where a target goes, before any secret is looked at (secrets do not change the destination). */
function shapeOf(
  profile: Profile | undefined,
  settings: KrabKrabSettings,
  forceLocal?: boolean,
): { spec: TargetSpec; forced: boolean; configFile: ReturnType<typeof loadGatewayConfigFile> } {
  const configFile = loadGatewayConfigFile(process.env);
  const spec = resolveTarget({
    profile,
    env: process.env,
    configFile,
    remoteName: vscode.env.remoteName,
    localPortSetting: settings.localPortSetting,
    allowInsecurePublicWs: true,
  });
  if (!forceLocal || spec.transport === "local") return { spec, forced: false, configFile };
  const local = configFile ? { ...configFile, config: { ...configFile.config, gateway: { ...configFile.config.gateway, mode: "local" } } } : null;
  return { spec: resolveTarget({ env: process.env, configFile: local, localPortSetting: settings.localPortSetting }), forced: true, configFile: local };
}

/** The destination a profile's (or, for "", the default target's) secrets are stored for. */
export function profileDestination(profile: Profile | undefined, settings: KrabKrabSettings): string {
  return destinationOf(shapeOf(profile, settings).spec, settings.sshConfigFile);
}

export function findProfile(name: string, settings: KrabKrabSettings): Profile {
  const profile = settings.profiles.find((p) => p.name === name);
  if (profile) return profile;
  const bad = settings.profileErrors.find((e) => e.includes(`"${name}"`));
  throw new ConfigError(bad ?? `There is no profile named “${name}” in krabkrab.profiles.`, "krabkrab.profiles");
}

/** Resolves a choice to a TargetSpec. Throws ConfigError (with the setting to open) when unusable. */
export async function resolveChoice(choice: TargetChoice, settings: KrabKrabSettings, secrets: SecretStore): Promise<Resolved> {
  const name = choice.profile ?? settings.activeProfile;
  const profile = name ? findProfile(name, settings) : undefined;
  const shape = shapeOf(profile, settings, choice.forceLocal);
  const viaProfile = Boolean(profile) && !shape.forced;
  const secretProfile = viaProfile ? profile!.name : "";
  const destination = destinationOf(shape.spec, settings.sshConfigFile);
  // A device token signs this device in as surely as a shared token: it counts for the plain-ws:// rule.
  const deviceTokenStored = shape.spec.transport === "direct" && (await hasStoredDeviceToken(secrets, destination));
  const inputs = {
    env: process.env,
    configFile: shape.configFile,
    remoteName: vscode.env.remoteName,
    localPortSetting: settings.localPortSetting,
    allowInsecurePublicWs: settings.allowInsecurePublicWs,
    deviceTokenStored,
  };
  let spec: TargetSpec;
  if (viaProfile) {
    spec = resolveTarget({ ...inputs, profile, profileSecrets: await storedSecretsFor(secrets, secretProfile, destination) });
  } else {
    spec = shape.forced ? shape.spec : resolveTarget(inputs);
    if (spec.transport === "local" && !spec.token && !spec.password) {
      // No profile: a token the user saved with “Set Gateway Token” (for this machine's port) fills in what env/config did not give.
      spec = { ...spec, ...(await storedSecretsFor(secrets, "", destination)) };
    }
  }
  for (const s of [spec.token, spec.password]) if (s) redactor.add(s);
  return { spec, profileName: profile?.name, configPath: shape.configFile?.path, destination, secretProfile };
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
    return { label, url: spec.url, token: spec.token, password: spec.password, tlsFingerprint: spec.tlsFingerprint, credentialScope: r.destination };
  }
  if (spec.transport === "ssh") {
    deps.report(`Opening an SSH tunnel to ${spec.sshTarget}…`);
    const tunnel = await openSshTransport({
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
    deps.log.info(`ssh tunnel: 127.0.0.1:${tunnel.localPort} → ${spec.sshTarget} → 127.0.0.1:${spec.remotePort} (ssh2 in ${tunnel.runsIn === "worker" ? "a worker thread" : "the extension host's thread"})`);
    return { label, url: tunnel.url, token: spec.token, password: spec.password, credentialScope: r.destination, dispose: () => tunnel.close(), tunnel };
  }

  // Local: attach to what answers on the port, else start one with a token we generate and keep.
  // spec.token already holds what was stored for this machine's port (resolveChoice).
  let token = spec.token;
  let generated = false;
  if (!token) {
    token = randomBytes(24).toString("base64url");
    generated = true;
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
  if (!gw.attached && generated) await new SecretBindings(deps.secrets).save("token", r.secretProfile, r.destination, token);
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
    // Device tokens too are this machine's: a Remote-SSH window's 127.0.0.1 is another gateway.
    credentialScope: r.destination,
    local: gw,
    dispose: () => gw.stop(),
  };
}
