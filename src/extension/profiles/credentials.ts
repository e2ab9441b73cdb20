// Set / clear the shared token or password of a profile (or of the default local target) in SecretStorage.
// Commands take an optional `{ profile, value }` argument so other extensions and tests can drive them.
import * as vscode from "vscode";
import { redactor, SecretBindings, SecretKeys, type SecretStore } from "../../gateway";
import { findProfile, profileDestination, readSettings } from "../connection/targets";

/** Where a profile's ("" = the default target's) secrets go, computed from its current settings. */
function destinationFor(profile: string): string {
  const settings = readSettings();
  return profileDestination(profile ? findProfile(profile, settings) : undefined, settings);
}

export interface CredentialArgs {
  /** Profile name; "" = the default target. Absent: the connected profile, else a pick. */
  profile?: string;
  /** The secret itself (programmatic use); absent: ask. */
  value?: string;
  /** Clear Stored Credentials: also forget device tokens (programmatic use; interactive callers are asked). */
  deviceTokens?: boolean;
}

function asArgs(raw: unknown): CredentialArgs {
  if (!raw || typeof raw !== "object") return {};
  const r = raw as Record<string, unknown>;
  return { profile: typeof r.profile === "string" ? r.profile : undefined, value: typeof r.value === "string" ? r.value : undefined, deviceTokens: r.deviceTokens === true };
}

/** Which profile a credential command is about: explicit, else the connected one, else ask when there is a choice. */
async function whichProfile(args: CredentialArgs, connected: string | undefined | null, title: string): Promise<string | undefined | null> {
  if (args.profile !== undefined) return args.profile;
  if (connected !== null && connected !== undefined) return connected;
  const { profiles } = readSettings();
  if (profiles.length === 0) return "";
  const pick = await vscode.window.showQuickPick(
    [{ label: "$(home) Default", description: "local gateway / gateway config file", name: "" }, ...profiles.map((p) => ({ label: p.name, description: p.transport, name: p.name }))],
    { title, placeHolder: "Which gateway?" },
  );
  return pick ? pick.name : null;
}

export async function setCredential(kind: "token" | "password", raw: unknown, secrets: SecretStore, connectedProfile: string | undefined): Promise<boolean> {
  const args = asArgs(raw);
  const profile = await whichProfile(args, connectedProfile, `KrabKrab: set gateway ${kind}`);
  if (profile === null || profile === undefined) return false;
  const what = profile ? `“${profile}”` : "the default gateway";
  // Bound to where the profile points now: it is sent there and nowhere else (secret-destination.ts).
  const destination = destinationFor(profile);
  const value =
    args.value ??
    (await vscode.window.showInputBox({
      title: `KrabKrab: gateway ${kind} for ${what} (${destination})`,
      prompt: kind === "token" ? `The gateway's shared token (gateway.auth.token). Kept in VS Code's secret storage for ${destination} only, never in settings.` : `The gateway's password (gateway.auth.password). Kept in VS Code's secret storage for ${destination} only, never in settings.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (/\s/.test(v.trim()) ? `A ${kind} has no spaces inside.` : null),
    }));
  if (!value?.trim()) return false;
  redactor.add(value.trim());
  await new SecretBindings(secrets).save(kind, profile, destination, value.trim());
  if (args.value === undefined) void vscode.window.showInformationMessage(`KrabKrab: ${kind} for ${what} saved in secret storage, for ${destination} only.`);
  return true;
}

/** Forgets a profile's token and password, and (optionally) the device tokens the gateways issued. */
export async function clearCredentials(
  raw: unknown,
  secrets: SecretStore,
  connectedProfile: string | undefined,
  deviceTokenKeys: () => Promise<string[]>,
): Promise<boolean> {
  const args = asArgs(raw);
  const profile = await whichProfile(args, connectedProfile, "KrabKrab: clear stored credentials");
  if (profile === null || profile === undefined) return false;
  const what = profile ? `“${profile}”` : "the default gateway";
  const interactive = asArgs(raw).profile === undefined;
  let alsoDevice = args.deviceTokens === true;
  if (interactive) {
    const pick = await vscode.window.showWarningMessage(`KrabKrab: forget the stored token and password for ${what}?`, { modal: true, detail: "Device tokens issued by gateways to this VS Code can be forgotten too; the next connection then needs the shared token or a new pairing approval." }, "Forget Token and Password", "Also Forget Device Tokens");
    if (!pick) return false;
    alsoDevice = pick === "Also Forget Device Tokens";
  }
  let destination: string | undefined;
  try {
    destination = destinationFor(profile);
  } catch {
    destination = undefined; // the profile is gone or broken: forget what its record names
  }
  const bindings = new SecretBindings(secrets);
  await bindings.forget("token", profile, destination);
  await bindings.forget("password", profile, destination);
  if (alsoDevice) for (const k of await deviceTokenKeys()) await secrets.delete(k);
  if (interactive) void vscode.window.showInformationMessage(`KrabKrab: stored credentials for ${what} forgotten${alsoDevice ? ", with the device tokens" : ""}.`);
  return true;
}

export const DEVICE_TOKEN_PREFIX = SecretKeys.deviceToken("", "", "").split("|")[0]!;
