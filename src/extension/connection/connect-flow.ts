// Connecting, as every connect command does it: resolve the target, close the old connection, open the
// transport (spawn/attach, tunnel, direct), hand it to the ConnectionManager — all inside one cancellable
// progress notification, with errors reported once with the actions that help.
import * as vscode from "vscode";
import { GatewayIssueError, type Logger, type SecretStore, type SshPrompts } from "../../gateway";
import type { ConnectAttempt } from "../../gateway/connection-slot";
import type { ConnectionManager } from "./connection-manager";
import { describeError, showError, type DescribedError } from "../views/error-ui";
import { openTransport, readSettings, resolveChoice, targetLabel, type TargetChoice } from "./targets";

export interface ConnectorDeps {
  connections: ConnectionManager;
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

export class Connector {
  /** The connect in progress: a newer connect (or Disconnect) supersedes it, and only it is cancelled by its Cancel. */
  private pending: ConnectAttempt | null = null;
  /** What "Reconnect" repeats. */
  lastChoice: TargetChoice | null = null;
  /** The last failure, as shown to the user (tests and the status tooltip read it). */
  lastError: DescribedError | null = null;

  constructor(private readonly deps: ConnectorDeps) {}

  /**
   * Connects to a choice. Resolves true once hello-ok arrived; false when cancelled or failed (the error
   * has been shown unless `quiet`). Never throws.
   */
  async connect(choice: TargetChoice, opts: { quiet?: boolean } = {}): Promise<boolean> {
    const { connections, log } = this.deps;
    // A new generation: every older attempt is superseded (its transport open is aborted, and what it still
    // opens is released by the manager, not connected). The working connection is released only once this
    // choice resolved to a usable target (attempt.ready below): an invalid profile leaves it alone.
    const attempt = connections.begin({ keepCurrent: true });
    const abort = { signal: attempt.signal };
    this.pending = attempt;
    this.lastChoice = choice;
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
        if (this.pending === attempt) this.pending = null;
      }
    });
  }

  async reconnect(): Promise<boolean> {
    return this.connect(this.lastChoice ?? {});
  }

  cancel(): void {
    void this.pending?.cancel();
  }
}
