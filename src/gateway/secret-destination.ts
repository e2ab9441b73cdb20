// Where a stored secret may go. A shared token/password (and a device token) is bound to the
// *destination* it was stored for — a normalized URL, a resolved SSH host + remote port, or a local port on
// one particular machine — never to a profile name: renaming a profile's URL, an ssh alias that now
// resolves elsewhere, or a workspace that redefines a profile must not carry the old host's token along.
// The profile name is only a label (shown in prompts). Plain Node; never imports `vscode`.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { DEFAULT_GATEWAY_PORT } from "./local-target";
import { parseSshTarget, type TargetSpec } from "./target-config";

export type SecretKind = "token" | "password";

/** Which machine this code runs on, as seen by the extension host (it owns 127.0.0.1 there). */
export interface MachineContext {
  /** vscode.env.remoteName: undefined in a local window, "ssh-remote", "wsl", "dev-container"… */
  remoteName?: string;
  /** The extension host's own host name and machine id: a Remote-SSH window runs on the remote. */
  host: string;
}

/**
 * This process's machine. SecretStorage lives on the VS Code *client*, so a Remote-SSH window to host A
 * and a local window share one store: the key must say whose 127.0.0.1 a local token belongs to.
 * /etc/machine-id tells apart two machines that happen to share a host name.
 */
export function thisMachine(remoteName: string | undefined): MachineContext {
  let id = "";
  for (const f of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      id = readFileSync(f, "utf8").trim();
      if (id) break;
    } catch {
      /* not Linux, or not there */
    }
  }
  return { remoteName, host: `${hostname().toLowerCase()}${id ? `#${id.slice(0, 32)}` : ""}` };
}

/** A ws:// or wss:// URL as a destination: lowercase scheme and host, explicit port, no path/query. */
export function directDestination(url: string): string {
  const u = new URL(url);
  const scheme = u.protocol.toLowerCase(); // ws: and wss: stay distinct: a token for wss is not for ws
  const port = u.port || (scheme === "wss:" ? "443" : "80");
  return `${scheme}//${u.hostname.toLowerCase()}:${port}`;
}

/** The SSH endpoint a target actually reaches, after ~/.ssh/config (HostName/User/Port). */
export interface SshEndpoint {
  user: string;
  host: string;
  port: number;
}

/** Resolves an ssh target (alias or user@host[:port]) to where it connects; from ssh/config-resolve.ts. */
export type SshResolver = (target: string) => SshEndpoint;

/** user@host:port of the resolved target, plus the gateway port on its loopback. */
export function sshDestination(endpoint: SshEndpoint, remotePort: number): string {
  const host = endpoint.host.toLowerCase();
  return `ssh://${endpoint.user}@${host.includes(":") ? `[${host}]` : host}:${endpoint.port}|${remotePort}`;
}

/** A gateway on the loopback of the machine the extension host runs on. */
export function localDestination(machine: MachineContext, port: number): string {
  return `local:${machine.remoteName ?? "local"}:${machine.host}:127.0.0.1:${port}`;
}

/** Without a resolver, an ssh target is taken literally (user defaults to the local user name). */
export function literalSshResolver(localUser: string): SshResolver {
  return (target) => {
    const t = parseSshTarget(target);
    return { user: t.user ?? localUser, host: t.host, port: t.port ?? 22 };
  };
}

/** The destination a resolved target sends its secrets to. */
export function specDestination(spec: TargetSpec, machine: MachineContext, resolveSsh: SshResolver): string {
  if (spec.transport === "direct") return directDestination(spec.url);
  if (spec.transport === "ssh") return sshDestination(resolveSsh(spec.sshTarget), spec.remotePort || DEFAULT_GATEWAY_PORT);
  return localDestination(machine, spec.port);
}

const digest = (destination: string) => createHash("sha256").update(destination).digest("hex");

/** The secret-store key of a shared secret for a destination. */
export function destinationSecretKey(kind: SecretKind, destination: string): string {
  return `krabkrab.secret.${kind}.${digest(destination)}`;
}

/** Not secret: which destination a key is for, and the profile that stored it (for the UI and migration). */
export interface SecretLabel {
  destination: string;
  profile?: string;
}

export function secretLabelKey(kind: SecretKind, destination: string): string {
  return `krabkrab.secret.label.${kind}.${digest(destination)}`;
}

/** Per profile: the destination its secret was last stored for, so a changed destination is noticed. */
export function profileBindingKey(kind: SecretKind, profile: string): string {
  return `krabkrab.secret.binding.${kind}|${profile}`;
}
