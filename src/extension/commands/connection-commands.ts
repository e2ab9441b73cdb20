// Connecting, with several gateways at once: every profile connects in its own slot, so Connect (Local,
// Remote, Another Gateway) leaves the other gateways connected; Switch Profile moves the default
// (krabkrab.activeProfile) and replaces the previous default's connection, as with one gateway. Disconnect,
// Reconnect, Test Remote and the status bar's actions act on one gateway: named (`{ profile }`), the only
// live one, or picked.
import * as vscode from "vscode";
import type { Logger, SecretStore } from "../../gateway";
import { escapeNotificationText } from "../common/approval-text";
import type { Connector } from "../connection/connect-flow";
import type { ConnectionManager } from "../connection/connection-manager";
import { profileArg, type Gateways } from "../connection/gateways";
import { addProfile, pickProfile, setActiveProfile } from "../profiles/profile-picker";
import type { CommandSetter } from "../core";
import { showError } from "../views/error-ui";

export interface ConnectionCommandDeps {
  gateways: Gateways;
  connector: Connector;
  secrets: SecretStore;
  log: Logger;
  showLog: () => void;
  command: CommandSetter;
  answerQuestion: (id: string | undefined) => Promise<boolean>;
}

/** A profile the user picks (or adds); undefined when they cancel. */
async function chooseProfile(secrets: SecretStore, opts: { remoteOnly: boolean; title: string }): Promise<string | undefined> {
  const pick = await pickProfile(opts);
  if (!pick) return undefined;
  if (pick.action === "add-ssh") return addProfile("ssh", secrets);
  if (pick.action === "add-url") return addProfile("url", secrets);
  return pick.action === "default" ? "" : pick.profile;
}

export function registerConnectionCommands(deps: ConnectionCommandDeps): void {
  const { gateways, connector, secrets, log, showLog, command } = deps;

  command("krabkrab.connect", (arg) => connector.connect({ profile: profileArg(arg) }));
  command("krabkrab.connectLocal", () => connector.connect({ profile: "", forceLocal: true }));
  command("krabkrab.connectRemote", async (arg) => {
    const name = profileArg(arg) ?? (await chooseProfile(secrets, { remoteOnly: true, title: "KrabKrab: connect to a remote gateway" }));
    if (!name) return false;
    await setActiveProfile(name);
    return connector.connect({ profile: name });
  });
  // Alongside the gateways already connected; the default (krabkrab.activeProfile) stays as it is.
  command("krabkrab.connectAnother", async (arg) => {
    const name = profileArg(arg) ?? (await chooseProfile(secrets, { remoteOnly: false, title: "KrabKrab: connect another gateway (the others stay connected)" }));
    if (name === undefined) return false;
    return connector.connect({ profile: name });
  });
  command("krabkrab.switchProfile", async (arg) => {
    const name = profileArg(arg) ?? (await chooseProfile(secrets, { remoteOnly: false, title: "KrabKrab: switch gateway profile" }));
    if (name === undefined) return false;
    const previous = gateways.primary;
    await setActiveProfile(name);
    const ok = await connector.connect({ profile: name });
    // A switch replaces the previous default's connection (the other gateways stay).
    if (ok && previous.key !== name && previous.state.status !== "disconnected") {
      connector.cancel(previous);
      await previous.disconnect();
    }
    return ok;
  });
  command("krabkrab.reconnect", async (arg) => {
    const gateway = await gateways.pick(arg, "Reconnect");
    return gateway ? connector.reconnect(gateway) : false;
  });
  // Answers a pending agent question with quick picks / an input box (also the notification's Answer…).
  command("krabkrab.answerQuestion", (arg) => deps.answerQuestion(arg && typeof arg === "object" && typeof (arg as { id?: unknown }).id === "string" ? (arg as { id: string }).id : undefined));
  command("krabkrab.disconnect", async (arg) => {
    const chosen = await pickToDisconnect(gateways, arg);
    for (const m of chosen) {
      connector.cancel(m);
      await m.disconnect();
    }
    return chosen.length > 0;
  });
  command("krabkrab.testRemote", async (arg) => {
    const named = profileArg(arg);
    const tunnelled = gateways.live().filter((m) => m.currentTarget?.tunnel);
    const gateway = named !== undefined ? gateways.get(named) : tunnelled.length > 1 ? await gateways.pick(undefined, "Test Remote") : tunnelled[0];
    const tunnel = gateway?.currentTarget?.tunnel;
    if (!tunnel) {
      void vscode.window.showInformationMessage("KrabKrab: “Test Remote” checks the gateway host over the SSH tunnel; connect to an SSH profile first.", "Connect Remote").then((p) => (p ? vscode.commands.executeCommand("krabkrab.connectRemote") : undefined));
      return undefined;
    }
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "KrabKrab: testing the remote host…" }, () => tunnel.testRemote());
      log.info(`test remote: ${r.detail}`);
      const ok = r.cli !== null && r.gatewayReachable;
      // The detail quotes what the remote host printed: escaped, so it cannot plant a link.
      const text = escapeNotificationText(`KrabKrab: ${r.detail}`, 600);
      void (ok ? vscode.window.showInformationMessage(text) : vscode.window.showWarningMessage(text, "Show Log").then((p) => (p ? showLog() : undefined)));
      return r;
    } catch (err) {
      void showError(err, { showLog });
      return undefined;
    }
  });

  command("krabkrab.showActions", async (arg) => {
    const named = profileArg(arg);
    const m = named !== undefined ? gateways.get(named) : gateways.primary;
    const s = m.state.status;
    const several = gateways.live().length > 1;
    const self = { profile: m.key };
    const items: (vscode.QuickPickItem & { cmd?: string; arg?: unknown })[] = [
      ...(s !== "disconnected"
        ? [
            { label: "$(debug-disconnect) Disconnect", cmd: "krabkrab.disconnect", arg: self },
            { label: "$(refresh) Reconnect", cmd: "krabkrab.reconnect", arg: self },
          ]
        : [
            { label: "$(plug) Connect Local", cmd: "krabkrab.connectLocal" },
            { label: "$(remote) Connect Remote…", cmd: "krabkrab.connectRemote" },
          ]),
      { label: "$(add) Connect Another Gateway…", cmd: "krabkrab.connectAnother" },
      { label: "$(arrow-swap) Switch Profile…", cmd: "krabkrab.switchProfile" },
      { label: "", kind: vscode.QuickPickItemKind.Separator },
      several ? { label: "$(comment-discussion) Chat With This Gateway", cmd: "krabkrab.chatWithGateway", arg: self } : { label: "$(comment-discussion) Open Chat", cmd: "krabkrab.openChat" },
      { label: "$(dashboard) Open Dashboard", cmd: "krabkrab.openDashboard", arg: self },
      { label: "$(vm) Show Nodes", cmd: "krabkrab.showNodes" },
      { label: "$(pulse) Show Health", cmd: "krabkrab.showHealth" },
      ...(m.currentTarget?.tunnel ? [{ label: "$(beaker) Test Remote", cmd: "krabkrab.testRemote", arg: self }] : []),
      { label: "$(symbol-method) Call Gateway Method…", cmd: "krabkrab.callMethod", arg: self },
      { label: "", kind: vscode.QuickPickItemKind.Separator },
      { label: "$(key) Set Gateway Token…", cmd: "krabkrab.setGatewayToken" },
      { label: "$(output) Show Connection Log", cmd: "krabkrab.showLog" },
      { label: "$(gear) Open Settings", cmd: "krabkrab.openSettings" },
    ];
    const target = m.targetLabel;
    const pick = await vscode.window.showQuickPick(items, { title: `KrabKrab${several || m.key ? ` (${m.name})` : ""} — ${s}${target ? ` · ${target}` : ""}` });
    if (pick?.cmd) await vscode.commands.executeCommand(pick.cmd, ...(pick.arg ? [pick.arg] : []));
  });
}

/** The gateways a Disconnect is for: the named one, all (`{ all: true }`), the only live one, or the user's pick. */
async function pickToDisconnect(gateways: Gateways, arg: unknown): Promise<ConnectionManager[]> {
  if (arg && typeof arg === "object" && (arg as { all?: unknown }).all === true) return gateways.all();
  const named = profileArg(arg);
  if (named !== undefined) return [gateways.get(named)];
  const live = gateways.live();
  if (live.length <= 1) return live.length ? live : [gateways.primary];
  const items = [
    ...live.map((m) => ({ label: `$(debug-disconnect) ${m.name}`, description: m.targetLabel, chosen: [m] })),
    { label: "$(close-all) All gateways", description: `${live.length} connected`, chosen: live },
  ];
  return (await vscode.window.showQuickPick(items, { title: "KrabKrab: disconnect which gateway?" }))?.chosen ?? [];
}
