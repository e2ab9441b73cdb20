// Connecting, as every connect command does it: resolve the target, close the old connection, open the
// transport (spawn/attach, tunnel, direct), hand it to the ConnectionManager — all inside one cancellable
// progress notification, with errors reported once with the actions that help.
import * as vscode from "vscode";
import { GatewayIssueError, type Logger, type SecretStore, type SshPrompts } from "../../gateway";
import type { ConnectAttempt } from "../../gateway/connection-slot";
import type { ConnectionManager } from "./connection-manager";
import type { Gateways } from "./gateways";
import { describeError, showError, type DescribedError } from "../views/error-ui";
import { openTransport, readSettings, resolveChoice, targetLabel, type TargetChoice } from "./targets";

export interface ConnectorDeps {
  gateways: Gateways;
  secrets: SecretStore;
  log: Logger;
  /** Fresh per connection (a remembered passphrase is tried once per tunnel). */
  prompts: () => SshPrompts;
  showLog: () => void;
  /** The spawned local gateway's own output channel, created on first use. */
  gatewayChannel: () => vscode.OutputChannel;
  /** Asks for the token of a profile (undefined = the default/local target). */
  setToken: (profileName: string | undefined) => Promise<unknown>;
}

/** The gateway a choice connects: each profile has its own connection ("" = the default target). */
export function choiceKey(choice: TargetChoice, activeProfile: string): string {
  return choice.forceLocal ? "" : (choice.profile ?? activeProfile);
}

export class Connector {
  /** Per gateway, the connect in progress: a newer connect of that gateway (or its Disconnect) supersedes it. */
  private readonly pending = new Map<ConnectionManager, ConnectAttempt>();
  /** Per gateway, what "Reconnect" repeats. */
  private readonly choices = new Map<ConnectionManager, TargetChoice>();
  /** The last choice connected (any gateway). */
  lastChoice: TargetChoice | null = null;
  /** The last failure, as shown to the user (tests and the status tooltip read it). */
  lastError: DescribedError | null = null;

  constructor(private readonly deps: ConnectorDeps) {}

  /**
   * Connects to a choice. Resolves true once hello-ok arrived; false when cancelled or failed (the error
   * has been shown unless `quiet`). Never throws.
   */
  async connect(choice: TargetChoice, opts: { quiet?: boolean } = {}): Promise<boolean> {
    const { log } = this.deps;
    // Another gateway's connection is left alone: each profile connects in its own slot.
    const connections = this.deps.gateways.get(choiceKey(choice, readSettings().activeProfile));
    // A new generation: every older attempt is superseded (its transport open is aborted, and what it still
    // opens is released by the manager, not connected). The working connection is released only once this
    // choice resolved to a usable target (attempt.ready below): an invalid profile leaves it alone.
    const attempt = connections.begin({ keepCurrent: true });
    const abort = { signal: attempt.signal };
    this.pending.set(connections, attempt);
    this.lastChoice = choice;
    this.choices.set(connections, choice);
    this.lastError = null;
    let profileName: string | undefined;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "KrabKrab", cancellable: true }, async (progress, cancel) => {
      // Cancelling a superseded attempt must not disconnect the newer connection: the attempt knows.
      cancel.onCancellationRequested(() => void attempt.cancel());
      try {
        const settings = readSettings();
        for (const e of settings.profileErrors) log.warn(`settings: ${e}`);
        const resolved = await resolveChoice(choice, settings, this.deps.secrets);
        profileName = resolved.profileName;
        log.info(`connecting to ${targetLabel(resolved.spec)} (${resolved.profileName ? `profile “${resolved.profileName}”` : `from ${resolved.spec.source}`}${resolved.configPath ? `, gateway config ${resolved.configPath}` : ""})`);
        if (!attempt.live) return false;
        await attempt.ready();
        if (!attempt.live) return false;
        const target = await openTransport(resolved, {
          secrets: this.deps.secrets,
          log,
          settings,
          prompts: this.deps.prompts(),
          signal: abort.signal,
          gatewayOutput: (line) => this.deps.gatewayChannel().appendLine(line),
          report: (message) => progress.report({ message }),
          onTransportFailure: (message) => {
            log.error(message);
            void showError(new Error(message), { retry: () => this.connect(choice), showLog: this.deps.showLog });
          },
        });
        progress.report({ message: `Connecting to ${target.label}…` });
        // Superseded meanwhile → the manager releases this target and throws "cancelled" (caught below).
        await connections.connect({ ...target, profileName }, undefined, attempt);
        return true;
      } catch (err) {
        if (abort.signal.aborted || !attempt.live) return false;
        const d = describeError(err);
        this.lastError = d;
        log.error(`connect failed: ${d.message}`);
        if (opts.quiet) return false;
        if (err instanceof GatewayIssueError && err.issue.retrying) {
          // The client keeps trying by itself; the status bar says so. Say it once, without alarm.
          void vscode.window.showWarningMessage(`KrabKrab: ${d.message} Still trying in the background.`, "Disconnect", "Show Log").then((p) => (p === "Disconnect" ? connections.disconnect() : p === "Show Log" ? this.deps.showLog() : undefined));
          return false;
        }
        void showError(err, { retry: () => this.connect(choice), showLog: this.deps.showLog, setToken: () => this.deps.setToken(profileName) });
        return false;
      } finally {
        if (this.pending.get(connections) === attempt) this.pending.delete(connections);
      }
    });
  }

  /** Connects a gateway again with what it was last connected with (its own profile when it never was). */
  async reconnect(gateway?: ConnectionManager): Promise<boolean> {
    return this.connect((gateway && this.choices.get(gateway)) ?? (gateway ? { profile: gateway.key } : (this.lastChoice ?? {})));
  }

  /** Cancels one gateway's connect in progress (all of them without one). */
  cancel(gateway?: ConnectionManager): void {
    for (const [m, attempt] of this.pending) if (!gateway || m === gateway) void attempt.cancel();
  }
}
