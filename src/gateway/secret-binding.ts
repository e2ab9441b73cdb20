// Reading and writing shared secrets bound to their destination (secret-destination.ts). A lookup never
// hands out a secret stored for another destination: when the profile's secret was stored for a
// different one (its URL or ssh target changed), or by an older version that keyed secrets by profile name
// only, it says so, and the caller asks the user before anything is sent. Plain Node; no `vscode`.
import { SecretKeys, type SecretStore } from "./secret-store";
import { destinationSecretKey, profileBindingKey, secretLabelKey, type SecretKind, type SecretLabel } from "./secret-destination";

export type SecretLookup =
  /** Stored for exactly this destination. */
  | { status: "found"; value: string }
  | { status: "none" }
  /** The profile's secret was stored for `from`, not for the destination asked about. Not usable as is. */
  | { status: "destination-changed"; from: string }
  /** An older version stored it under the profile name, with no record of its destination. Not usable as is. */
  | { status: "legacy" };

/** "" = the default target (no profile). */
function legacyKey(kind: SecretKind, profile: string): string {
  if (!profile) return kind === "token" ? SecretKeys.localGatewayToken : `${SecretKeys.localGatewayToken}.password`;
  return kind === "token" ? SecretKeys.profileToken(profile) : SecretKeys.profilePassword(profile);
}

function parseLabel(raw: string | undefined): SecretLabel | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<SecretLabel>;
    return typeof v.destination === "string" ? { destination: v.destination, profile: typeof v.profile === "string" ? v.profile : undefined } : null;
  } catch {
    return null;
  }
}

export class SecretBindings {
  constructor(private readonly store: SecretStore) {}

  async lookup(kind: SecretKind, profile: string, destination: string): Promise<SecretLookup> {
    const value = await this.store.get(destinationSecretKey(kind, destination));
    if (value) return { status: "found", value };
    // The default target ("") has no destination of its own to edit: another port or machine is simply
    // another gateway, with nothing stored for it yet. Only a profile's destination can "change".
    const bound = profile ? parseLabel(await this.store.get(profileBindingKey(kind, profile))) : null;
    if (bound && bound.destination !== destination && (await this.store.get(destinationSecretKey(kind, bound.destination)))) return { status: "destination-changed", from: bound.destination };
    if (await this.store.get(legacyKey(kind, profile))) return { status: "legacy" };
    return { status: "none" };
  }

  /** Stores a secret for a destination, labelled with the profile that stored it. */
  async save(kind: SecretKind, profile: string, destination: string, value: string): Promise<void> {
    await this.store.store(destinationSecretKey(kind, destination), value);
    const label = JSON.stringify({ destination, profile } satisfies SecretLabel);
    await this.store.store(secretLabelKey(kind, destination), label);
    await this.store.store(profileBindingKey(kind, profile), label);
  }

  /** The user agreed: the profile's secret now belongs to `to` (and no longer to `from`). */
  async move(kind: SecretKind, profile: string, from: string, to: string): Promise<string | undefined> {
    const value = await this.store.get(destinationSecretKey(kind, from));
    if (!value) return undefined;
    const owner = parseLabel(await this.store.get(secretLabelKey(kind, from)))?.profile;
    await this.save(kind, profile, to, value);
    // Another profile stored it for `from` last: it is still that profile's secret there.
    if (owner === undefined || owner === profile) await this.forgetDestination(kind, from);
    return value;
  }

  /** The user agreed: the legacy secret is for `to`. */
  async adoptLegacy(kind: SecretKind, profile: string, to: string): Promise<string | undefined> {
    const value = await this.store.get(legacyKey(kind, profile));
    if (!value) return undefined;
    await this.save(kind, profile, to, value);
    await this.store.delete(legacyKey(kind, profile));
    return value;
  }

  /** Asked once: a legacy secret the user did not adopt is dropped. */
  async dropLegacy(kind: SecretKind, profile: string): Promise<void> {
    await this.store.delete(legacyKey(kind, profile));
  }

  /** Forgets what the profile stored: at its current destination, its recorded one, and any legacy copy. */
  async forget(kind: SecretKind, profile: string, destination: string | undefined): Promise<void> {
    const bound = parseLabel(await this.store.get(profileBindingKey(kind, profile)));
    for (const d of new Set([destination, bound?.destination])) if (d) await this.forgetDestination(kind, d);
    await this.store.delete(profileBindingKey(kind, profile));
    await this.store.delete(legacyKey(kind, profile));
  }

  /** Where the profile's secret is stored (for "stored for wss://a.example:443 (profile 'home')"). */
  async boundDestination(kind: SecretKind, profile: string): Promise<string | undefined> {
    return parseLabel(await this.store.get(profileBindingKey(kind, profile)))?.destination;
  }

  private async forgetDestination(kind: SecretKind, destination: string) {
    await this.store.delete(destinationSecretKey(kind, destination));
    await this.store.delete(secretLabelKey(kind, destination));
  }
}
