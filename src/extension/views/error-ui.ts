// One place that turns any failure into a notification with its actions. Every layer throws the one
// ErrorInfo shape (src/shared/base/errors.ts), so the mapping reads `kind`, `setting`, `hostCommand` and
// `retryable` — never the class (the SSH bundle's errors are another class identity anyway).
import * as vscode from "vscode";
import { escapeNotificationText } from "../common/approval-text";
import { getErrorMessage, isErrorInfo, redactor, type ErrorInfo } from "../../gateway";

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

const CREDENTIAL_KINDS = new Set(["token-mismatch", "auth-required", "password-mismatch", "device-token-rejected"]);
// Version skew never heals by retrying: the update command (gateway behind) instead of Retry.
const SKEW_KINDS = new Set(["protocol-mismatch", "version-mismatch"]);
// A changed host key is never "retried" from a notification: the user must look first.
const NO_RETRY_KINDS = new Set(["host-key-changed"]);

/** What to tell the user about `err`; the message is escaped for a notification (it quotes remote text). */
export function describeError(err: unknown): DescribedError {
  const d = describeRaw(err);
  return { ...d, message: escapeNotificationText(d.message, 800) };
}

function describeRaw(err: unknown): DescribedError {
  if (!isErrorInfo(err)) return { message: redactor.redact(getErrorMessage(err)), actions: ["Retry", "Show Log"] };
  const e: ErrorInfo = err;
  const message = e.nextStep ? `${e.message} ${e.nextStep}` : e.message;
  if (CREDENTIAL_KINDS.has(e.kind)) return { message, actions: ["Set Token", "Show Log"] };
  if (SKEW_KINDS.has(e.kind)) return e.hostCommand ? { message, actions: ["Copy Update Command", "Show Log"], updateCommand: e.hostCommand } : { message, actions: ["Show Log"] };
  if (e.kind === "pairing-required") {
    const requestId = (err as { issue?: { requestId?: string } }).issue?.requestId;
    return { message, actions: ["Copy Approve Command", "Retry"], approveCommand: e.hostCommand, requestId };
  }
  if (e.setting) return { message, actions: e.retryable ? ["Open Settings", "Retry", "Show Log"] : ["Open Settings", "Show Log"], setting: e.setting };
  if (NO_RETRY_KINDS.has(e.kind)) return { message, actions: ["Show Log"] };
  return { message, actions: ["Retry", "Show Log"] };
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
