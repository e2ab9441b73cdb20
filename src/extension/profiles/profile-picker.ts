// Profiles from the user's side: pick one to connect to, add one from an SSH target or a ws/wss URL in a
// short input flow validated as you type, switch the active one, and keep each profile's token/password in
// SecretStorage (never in settings — a secret found there is offered a move).
import * as vscode from "vscode";
import { DEFAULT_GATEWAY_PORT, normalizeFingerprint, parseProfiles, parsePort, redactor, SecretBindings, sshTargetProblem, urlProblem, type Profile, type SecretStore } from "../../gateway";
import { SECRET_KEYS } from "../connection/settings-light";
import { profileDestination, readSettings } from "../connection/targets";

type ProfileItem = vscode.QuickPickItem & { profile?: string; action?: "add-ssh" | "add-url" | "default" };

function describeProfile(p: Profile): string {
  if (p.transport === "ssh") return `ssh ${p.sshTarget}${p.remotePort && p.remotePort !== DEFAULT_GATEWAY_PORT ? ` → :${p.remotePort}` : ""}`;
  if (p.transport === "direct") return `${p.url}${p.tlsFingerprint ? " (pinned)" : ""}`;
  return `local :${p.port ?? DEFAULT_GATEWAY_PORT}`;
}

const ICON = { ssh: "$(remote)", direct: "$(globe)", local: "$(vm)" } as const;

/** Quick pick of profiles (remote ones only for Connect Remote); returns a profile name, "" for the default, or an add action. */
export async function pickProfile(opts: { remoteOnly: boolean; title: string }): Promise<ProfileItem | undefined> {
  const settings = readSettings();
  const active = settings.activeProfile;
  const items: ProfileItem[] = settings.profiles
    .filter((p) => !opts.remoteOnly || p.transport !== "local")
    .map((p) => ({ label: `${ICON[p.transport]} ${p.name}`, description: describeProfile(p), detail: p.name === active ? "active profile" : undefined, profile: p.name }));
  if (!opts.remoteOnly) items.unshift({ label: "$(home) Default", description: "local gateway, or gateway.mode \"remote\" from the gateway config", detail: active ? undefined : "active", action: "default" });
  items.push({ label: "", kind: vscode.QuickPickItemKind.Separator }, { label: "$(add) Add SSH target…", description: "user@host[:port] or a ~/.ssh/config alias", action: "add-ssh" }, { label: "$(add) Add ws:// or wss:// URL…", description: "direct, e.g. over a tailnet", action: "add-url" });
  for (const e of settings.profileErrors) items.push({ label: `$(warning) ${e}`, description: "fix in settings" });
  return vscode.window.showQuickPick(items, { title: opts.title, placeHolder: "Pick a gateway", matchOnDescription: true });
}

function nameProblem(name: string, existing: Profile[]): string | null {
  const n = name.trim();
  if (!n) return "Give the profile a name.";
  if (n.length > 80) return "Keep the name under 80 characters.";
  if (existing.some((p) => p.name === n)) return `A profile named “${n}” already exists.`;
  return null;
}

/** The input flow for a new profile. Resolves the saved profile's name, or undefined when cancelled. */
export async function addProfile(kind: "ssh" | "url", secrets: SecretStore): Promise<string | undefined> {
  const settings = readSettings();
  let profile: Profile;
  if (kind === "ssh") {
    const target = await vscode.window.showInputBox({ title: "KrabKrab: add an SSH gateway (1/3)", prompt: "SSH target: user@host[:port] or a ~/.ssh/config alias. The gateway stays on the remote loopback; the extension opens the tunnel itself.", placeHolder: "me@my-vps", ignoreFocusOut: true, validateInput: (v) => (v.trim() ? sshTargetProblem(v) : null) });
    if (!target?.trim()) return undefined;
    const portText = await vscode.window.showInputBox({ title: "KrabKrab: add an SSH gateway (2/3)", prompt: "The gateway's port on the remote host's loopback.", value: String(DEFAULT_GATEWAY_PORT), ignoreFocusOut: true, validateInput: (v) => portProblem(v) });
    if (portText === undefined) return undefined;
    profile = { name: "", transport: "ssh", sshTarget: target.trim(), remotePort: Number(portText.trim()) };
  } else {
    const url = await vscode.window.showInputBox({ title: "KrabKrab: add a direct gateway URL (1/3)", prompt: "ws:// or wss:// URL of the gateway (plain ws:// only to loopback, tailnet or private addresses).", placeHolder: "wss://gateway.tailnet-name.ts.net", ignoreFocusOut: true, validateInput: (v) => (v.trim() ? urlProblem(v.trim(), undefined, { allowInsecurePublic: settings.allowInsecurePublicWs }) : null) });
    if (!url?.trim()) return undefined;
    let tlsFingerprint: string | undefined;
    if (url.trim().startsWith("wss:")) {
      const fp = await vscode.window.showInputBox({ title: "KrabKrab: add a direct gateway URL (2/3)", prompt: "Optional: the SHA-256 fingerprint of the gateway's TLS certificate to pin (for a self-signed certificate). Leave empty to use normal certificate checks.", placeHolder: "sha256:AB:CD:…", ignoreFocusOut: true, validateInput: (v) => (v.trim() && !normalizeFingerprint(v) ? "A SHA-256 fingerprint is 64 hex digits (colons and a sha256: prefix are fine)." : null) });
      if (fp === undefined) return undefined;
      tlsFingerprint = fp.trim() || undefined;
    }
    profile = { name: "", transport: "direct", url: url.trim(), ...(tlsFingerprint ? { tlsFingerprint } : {}) };
  }
  const suggested = kind === "ssh" ? profile.sshTarget! : safeHost(profile.url!);
  const name = await vscode.window.showInputBox({ title: `KrabKrab: name this gateway (3/3)`, value: settings.profiles.some((p) => p.name === suggested) ? `${suggested} (2)` : suggested, ignoreFocusOut: true, validateInput: (v) => nameProblem(v, settings.profiles) });
  if (!name?.trim()) return undefined;
  profile.name = name.trim();
  const token = await vscode.window.showInputBox({ title: `KrabKrab: token for “${profile.name}”`, prompt: "The gateway's token (gateway.auth.token on that host), kept in VS Code's secret storage. Leave empty if this device is already paired or the gateway needs none.", password: true, ignoreFocusOut: true });
  if (token === undefined) return undefined;
  await saveProfile(profile);
  if (token.trim()) {
    redactor.add(token.trim());
    await new SecretBindings(secrets).save("token", profile.name, profileDestination(profile, readSettings()), token.trim());
  }
  return profile.name;
}

function portProblem(v: string): string | null {
  try {
    return parsePort(v, "The port") === undefined ? "Enter a port number." : null;
  } catch (err) {
    return (err as Error).message;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Appends a profile to the user settings (profiles are machine-scoped: a workspace cannot hold them). */
export async function saveProfile(profile: Profile): Promise<void> {
  const cfg = vscode.workspace.getConfiguration("krabkrab");
  const current = cfg.inspect<unknown[]>("profiles")?.globalValue ?? [];
  await cfg.update("profiles", [...current, profile], vscode.ConfigurationTarget.Global);
}

export async function setActiveProfile(name: string): Promise<void> {
  await vscode.workspace.getConfiguration("krabkrab").update("activeProfile", name, vscode.ConfigurationTarget.Global);
}

// Secret-looking keys people paste into a profile (SECRET_KEYS): the schema drops them, so we look at the raw setting.

/**
 * A token or password typed into settings is moved to SecretStorage (after asking) and removed from the
 * settings file. Returns how many were moved.
 */
export async function offerToMoveSecretsFromSettings(
  secrets: SecretStore,
  log: { warn(m: string): void },
  opts: { confirmed?: boolean } = {},
): Promise<number> {
  const cfg = vscode.workspace.getConfiguration("krabkrab");
  const where = cfg.inspect<unknown>("profiles");
  let moved = 0;
  for (const target of [vscode.ConfigurationTarget.Global, vscode.ConfigurationTarget.Workspace] as const) {
    const raw = target === vscode.ConfigurationTarget.Global ? where?.globalValue : where?.workspaceValue;
    if (!Array.isArray(raw)) continue;
    const found = raw.flatMap((p) => (p && typeof p === "object" ? SECRET_KEYS.filter((k) => typeof (p as Record<string, unknown>)[k] === "string").map((k) => ({ p: p as Record<string, unknown>, k })) : []));
    if (!found.length) continue;
    for (const f of found) redactor.add(String(f.p[f.k]));
    log.warn(`settings: ${found.length} secret value(s) found in krabkrab.profiles (${found.map((f) => `${String(f.p.name)}.${f.k}`).join(", ")}); secrets belong in secret storage`);
    const pick = opts.confirmed ? "Move to Secret Storage" : await vscode.window.showWarningMessage(`KrabKrab: krabkrab.profiles in your ${target === vscode.ConfigurationTarget.Global ? "user" : "workspace"} settings contains ${found.length === 1 ? "a token or password" : `${found.length} tokens or passwords`}. Settings files are plain text (and often synced or committed). Move ${found.length === 1 ? "it" : "them"} to VS Code's secret storage?`, "Move to Secret Storage", "Not Now");
    if (pick !== "Move to Secret Storage") continue;
    const settings = readSettings();
    for (const { p, k } of found) {
      const profile = parseProfiles([p]).profiles[0];
      if (!profile) continue;
      let destination: string;
      try {
        destination = profileDestination(profile, settings);
      } catch (err) {
        log.warn(`settings: not moving the secret of profile “${profile.name}”: ${(err as Error).message}`);
        continue;
      }
      // Bound to the destination the profile named next to it in the same settings entry.
      await new SecretBindings(secrets).save(k === "password" ? "password" : "token", profile.name, destination, String(p[k]));
      moved++;
    }
    const withoutSecrets = (p: unknown): unknown =>
      p && typeof p === "object" ? Object.fromEntries(Object.entries(p as Record<string, unknown>).filter(([k]) => !(SECRET_KEYS as readonly string[]).includes(k))) : p;
    const cleaned = (raw as unknown[]).map(withoutSecrets);
    await cfg.update("profiles", cleaned, target);
  }
  return moved;
}
