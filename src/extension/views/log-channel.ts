import * as vscode from "vscode";
import type { Logger } from "../../gateway";
import { redactingLogger } from "../../gateway";

/** The extension's LogOutputChannel as a src/gateway Logger; every line is redacted first. */
export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return redactingLogger({
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  });
}
