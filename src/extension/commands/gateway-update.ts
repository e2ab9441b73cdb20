// "Gateway update available" (once per gateway and release, as a notification) and the explicit
// "KrabKrab: Update Gateway" command. Updating restarts the gateway, possibly on a remote host, so it only
// ever happens from that command, after a modal confirmation that names the gateway; nothing here runs
// update.run on its own.
import * as vscode from "vscode";
import { readGatewayUpdate, runGatewayUpdate, type GatewayUpdateState, type Logger, type OperatorClient } from "../../gateway";
import { escapeNotificationText } from "../common/approval-text";
import type { Gateways } from "../connection/gateways";
import { showError } from "../views/error-ui";
import { requireClient, withScopes } from "./gateway-commands";

export const UPDATE_GATEWAY_COMMAND = "krabkrab.updateGateway";
/** How long the command waits for the updated gateway to come back before saying so. */
const RESTART_WAIT_MS = 15 * 60_000;

/** gateway URL + release already announced in this window: the notification is shown once per release. */
const announced = new Set<string>();

/** Shows the one-time "update available" notification for this gateway and release. */
export function announceGatewayUpdate(client: OperatorClient, s: GatewayUpdateState): void {
  if (s.kind !== "available") return;
  const key = `${client.url} ${s.latestVersion}`;
  if (announced.has(key)) return;
  announced.add(key);
  void vscode.window
    .showInformationMessage(escapeNotificationText(`KrabKrab: gateway update available — ${s.latestVersion} (running ${s.currentVersion}).`), "Update Gateway")
    .then((pick) => (pick ? vscode.commands.executeCommand(UPDATE_GATEWAY_COMMAND) : undefined));
}

function waitForReconnect(c: OperatorClient, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => (c.off("reconnected", on), resolve(undefined)), timeoutMs);
    const on = (h: { serverVersion: string }) => (clearTimeout(timer), resolve(h.serverVersion));
    c.once("reconnected", on);
  });
}

export function registerGatewayUpdate(
  context: vscode.ExtensionContext,
  deps: { gateways: Gateways; log: Logger; showLog: () => unknown; command: (id: string, fn: (...args: unknown[]) => unknown) => void },
): void {
  const { gateways, log } = deps;
  {
    deps.command(UPDATE_GATEWAY_COMMAND, async (arg) => {
      try {
        const connections = await gateways.pick(arg, "Update Gateway");
        if (!connections) return;
        if (!requireClient(connections)) return;
        const c = await withScopes(connections, ["operator.admin"], "Updating the gateway");
        if (!c) return;
        const running = c.hello?.serverVersion ?? "?";
        if (!c.hello?.methods.includes("update.run")) {
          void vscode.window.showInformationMessage(escapeNotificationText(`KrabKrab: this gateway (version ${running}) does not offer update.run. On the gateway host run \`krabkrab update\` (or \`openclaw update\`).`));
          return;
        }
        const s = await readGatewayUpdate(c);
        const target = s.kind === "available" ? `to ${s.latestVersion}` : "to the latest release of its channel (it knows of no specific update)";
        const ok = await vscode.window.showWarningMessage(
          `Update the gateway at ${c.url} (version ${running}) ${target}?`,
          { modal: true, detail: "The gateway installs the update and restarts itself: chats in progress are interrupted and every client reconnects. On a remote host this changes that host's installation." },
          "Update Gateway",
        );
        if (ok !== "Update Gateway") return;
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "KrabKrab: updating the gateway", cancellable: false }, async (progress) => {
          progress.report({ message: "asking the gateway to update…" });
          const back = waitForReconnect(c, RESTART_WAIT_MS); // armed first: the restart may be quick
          const run = await runGatewayUpdate(c);
          log.info(`update.run: ${JSON.stringify(run)}`);
          if (run.kind === "manual") {
            const copy = run.command ? await vscode.window.showWarningMessage(escapeNotificationText(`KrabKrab: the gateway cannot update itself here (${run.reason}). Run on the gateway host: ${run.command}`), "Copy Command") : undefined;
            if (!run.command) void vscode.window.showWarningMessage(escapeNotificationText(`KrabKrab: the gateway cannot update itself here (${run.reason}). On the gateway host run \`krabkrab update\`.`));
            if (copy && run.command) await vscode.env.clipboard.writeText(run.command);
            return;
          }
          if (run.kind === "refused") {
            void vscode.window.showErrorMessage(escapeNotificationText(`KrabKrab: the gateway did not start the update (${run.reason}).`), "Show Log").then((p) => (p ? deps.showLog() : undefined));
            return;
          }
          progress.report({ message: "installing; waiting for the gateway to restart and the connection to come back…" });
          const now = await back;
          if (now) void vscode.window.showInformationMessage(escapeNotificationText(`KrabKrab: the gateway is back, version ${now}${now === running ? " (unchanged — see the gateway's update report: krabkrab update status)" : ""}.`));
          else void vscode.window.showWarningMessage(escapeNotificationText(`KrabKrab: the gateway has not come back within ${RESTART_WAIT_MS / 60_000} minutes. On the gateway host check \`krabkrab update status\`.`), "Show Log").then((p) => (p ? deps.showLog() : undefined));
        });
      } catch (err) {
        log.error(err, UPDATE_GATEWAY_COMMAND);
        void showError(err, { showLog: deps.showLog });
      }
    });
  }
}
