// One place that turns any failure from src/gateway (config, local gateway, SSH tunnel, gateway issue) into
// a message with the next step and the actions that can help, so every command reports errors the same way.
import * as vscode from "vscode";
import { escapeNotificationText } from "./approval-text";
import { ConfigError, GatewayIssueError, LocalGatewayError, redactor, type SshErrorKind } from "../gateway";

/** SshTunnelError comes from the lazily loaded SSH bundle (another class identity): recognise it by shape. */
function sshError(err: unknown): (Error & { kind: SshErrorKind }) | null {
  return err instanceof Error && (err.name === "SshTunnelError" || err.name === "HostKeyChangedError") && typeof (err as { kind?: unknown }).kind === "string" ? (err as Error & { kind: SshErrorKind }) : null;
}

export type ErrorAction = "Retry" | "Show Log" | "Open Settings" | "Set Token" | "Copy Approve Command" | "Approve" | "Copy Update Command";

export interface DescribedError {
  message: string;
  actions: ErrorAction[];
  /** For "Open Settings". */
  setting?: string;
  approveCommand?: string;
  requestId?: string;
  /** Version skew with the gateway behind: the command to run on the gateway host. */
  updateCommand?: string;
}

/** What to tell the user about `err`; the message is escaped for a notification (it quotes remote text). */
export function describeError(err: unknown): DescribedError {
  const d = describeRaw(err);
  return { ...d, message: escapeNotificationText(d.message, 800) };
}

function describeRaw(err: unknown): DescribedError {
  if (err instanceof GatewayIssueError) {
    const i = err.issue;
    const base = `${i.message} ${i.nextStep}`;
    if (i.kind === "token-mismatch" || i.kind === "auth-required" || i.kind === "password-mismatch" || i.kind === "device-token-rejected") return { message: base, actions: ["Set Token", "Show Log"] };
    // Version skew never heals by retrying: offer the update command (gateway behind) instead of Retry.
    if (i.kind === "protocol-mismatch" || i.kind === "version-mismatch") return i.updateCommand ? { message: base, actions: ["Copy Update Command", "Show Log"], updateCommand: i.updateCommand } : { message: base, actions: ["Show Log"] };
    if (i.kind === "pairing-required") return { message: base, actions: ["Copy Approve Command", "Retry"], approveCommand: i.approveCommand, requestId: i.requestId };
    if (i.kind === "insecure-url" || i.kind === "config-invalid" || i.kind === "tls-pin-mismatch") return { message: base, actions: ["Open Settings", "Show Log"], setting: "krabkrab.profiles" };
    return { message: base, actions: ["Retry", "Show Log"] };
  }
  if (err instanceof ConfigError) return { message: err.message, actions: ["Open Settings", "Show Log"], setting: err.setting ?? "krabkrab" };
  if (err instanceof LocalGatewayError) {
    const setting = err.kind === "command-not-found" ? "krabkrab.local.command" : err.kind === "port-busy" ? "krabkrab.local.port" : undefined;
    return { message: `${err.message} ${err.nextStep}`, actions: setting ? ["Open Settings", "Retry", "Show Log"] : ["Retry", "Show Log"], setting };
  }
  const ssh = sshError(err);
  if (ssh) {
    const setting = ssh.kind === "config" || ssh.kind === "identity-missing" ? "krabkrab.profiles" : undefined;
    return { message: ssh.message, actions: setting ? ["Open Settings", "Show Log"] : ssh.kind === "host-key-changed" ? ["Show Log"] : ["Retry", "Show Log"], setting };
  }
  return { message: redactor.redact(err instanceof Error ? err.message : String(err)), actions: ["Retry", "Show Log"] };
}

export interface ErrorHandlers {
  retry?: () => unknown;
  showLog: () => unknown;
  setToken?: () => unknown;
}

/** Shows an error notification with its actions and runs the one picked. */
export async function showError(err: unknown, h: ErrorHandlers, prefix = "KrabKrab"): Promise<void> {
  const d = describeError(err);
  const actions = d.actions.filter((a) => a !== "Retry" || h.retry);
  // The message quotes gateway, SSH and OS error text: escaped, so none of it becomes a link.
  const pick = await vscode.window.showErrorMessage(escapeNotificationText(`${prefix}: ${d.message}`, 800), ...actions);
  if (pick === "Retry") await h.retry?.();
  else if (pick === "Show Log") await h.showLog();
  else if (pick === "Set Token") await (h.setToken ? h.setToken() : vscode.commands.executeCommand("krabkrab.setGatewayToken"));
  else if (pick === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", d.setting ?? "krabkrab");
  else if (pick === "Copy Update Command" && d.updateCommand) {
    await vscode.env.clipboard.writeText(d.updateCommand);
    void vscode.window.showInformationMessage(escapeNotificationText(`KrabKrab: copied “${d.updateCommand}”. Run it on the gateway's host, then reconnect.`));
  } else if (pick === "Copy Approve Command" && d.approveCommand) {
    await vscode.env.clipboard.writeText(d.approveCommand);
    void vscode.window.showInformationMessage(escapeNotificationText(`KrabKrab: copied “${d.approveCommand}”. Run it on the gateway's host, then Retry.`), "Retry").then((p) => (p === "Retry" ? h.retry?.() : undefined));
  }
}
