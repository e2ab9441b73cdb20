// The VS Code side of destination-bound secrets (src/gateway/secret-destination.ts, secret-binding.ts):
// which machine this window's extension host is, how an ssh alias resolves, and the modal questions asked
// before a secret stored for one destination could go to another. Nothing is sent without an answer.
import * as vscode from "vscode";
import { ConfigError, redactor, SecretBindings, specDestination, thisMachine, type SecretKind, type SecretStore, type TargetSpec } from "../../gateway";
import { loadSshTransport } from "./ssh-transport";

/** Where a spec's secrets go; ssh targets are resolved through the SSH config the tunnel will use. */
export function destinationOf(spec: TargetSpec, sshConfigFile: string | undefined): string {
  return specDestination(spec, thisMachine(vscode.env.remoteName), (target) => {
    try {
      return loadSshTransport().resolveSshEndpoint(target, sshConfigFile);
    } catch (err) {
      throw new ConfigError(`Cannot resolve the SSH target “${target}”: ${(err as Error).message}`, "krabkrab.ssh.configFile");
    }
  });
}

const KIND = { token: "Token", password: "Password" } as const;
const whatOf = (profile: string) => (profile ? `profile “${profile}”` : "the default gateway");

/** Asks for a new secret for a destination; stores it there. undefined when left empty or cancelled. */
export async function enterSecret(bindings: SecretBindings, kind: SecretKind, profile: string, destination: string): Promise<string | undefined> {
  const value = (
    await vscode.window.showInputBox({
      title: `KrabKrab: gateway ${kind} for ${whatOf(profile)} (${destination})`,
      prompt: `Kept in VS Code's secret storage for ${destination} only, never in settings.`,
      password: true,
      ignoreFocusOut: true,
    })
  )?.trim();
  if (!value) return undefined;
  redactor.add(value);
  await bindings.save(kind, profile, destination, value);
  return value;
}

/**
 * The stored token and password `destination` may receive. A secret stored for another destination, or
 * by an older version that did not record one, is only used after the user says so (modal).
 */
export async function storedSecretsFor(secrets: SecretStore, profile: string, destination: string): Promise<{ token?: string; password?: string }> {
  const bindings = new SecretBindings(secrets);
  const out: { token?: string; password?: string } = {};
  for (const kind of ["token", "password"] as const) {
    const found = await bindings.lookup(kind, profile, destination);
    if (found.status === "found") out[kind] = found.value;
    else if (found.status === "destination-changed") {
      const move = `Move the ${KIND[kind]} to ${destination}`;
      const enter = `Enter a New ${KIND[kind]}`;
      const pick = await vscode.window.showWarningMessage(
        `KrabKrab: the stored ${kind} for ${whatOf(profile)} was for ${found.from}; this profile now points at ${destination}.`,
        { modal: true, detail: `A stored ${kind} is only sent to the gateway it was stored for. Move it if ${destination} is the same gateway; otherwise enter the one for ${destination}.` },
        move,
        enter,
      );
      if (pick === move) out[kind] = await bindings.move(kind, profile, found.from, destination);
      else if (pick === enter) out[kind] = await enterSecret(bindings, kind, profile, destination);
      else throw new ConfigError(`Not connected: the ${kind} stored for ${found.from} was not sent to ${destination}.`, "krabkrab.profiles");
    } else if (found.status === "legacy") {
      const use = `Use It for ${destination}`;
      const enter = `Enter a New ${KIND[kind]}`;
      const pick = await vscode.window.showWarningMessage(
        `KrabKrab: a ${kind} for ${whatOf(profile)} was stored by an earlier version, without the gateway it belongs to. Send it to ${destination}?`,
        { modal: true, detail: `Secrets are now bound to their gateway. Use it only if it is ${destination}'s ${kind}; you are asked once.` },
        use,
        enter,
      );
      if (pick === use) out[kind] = await bindings.adoptLegacy(kind, profile, destination);
      else if (pick === enter) {
        await bindings.dropLegacy(kind, profile);
        out[kind] = await enterSecret(bindings, kind, profile, destination);
      } else throw new ConfigError(`Not connected: the ${kind} an earlier version stored for ${whatOf(profile)} was not sent to ${destination}.`, "krabkrab.profiles");
    }
  }
  for (const s of [out.token, out.password]) if (s) redactor.add(s);
  return out;
}
