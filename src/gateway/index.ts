// The public surface of src/gateway: a plain-Node operator client library (no `vscode` import), used by
// the extension and usable from any Node program.
export * from "./client";
export * from "./chat-session";
export * from "./exec-approval";
export * from "./questions";
export * from "./errors";
export * from "./device-identity";
export * from "./device-tokens";
export * from "./secret-store";
export * from "./secret-destination";
export * from "./secret-binding";
export * from "./schemas";
export * from "./session-management";
export { Redactor, redactor, REDACTION_MASK } from "./redact";
export { memoryLogger, redactingLogger, silentLogger, type LogSink, type Logger } from "./logger";
export * from "./local-target";
export * from "./target-config";
export * from "./local-gateway";
// The SSH transport (ssh2 is a third of the extension's code) is loaded only when an SSH profile connects:
// only its types are re-exported here; the extension requires the separately built dist/ssh-tunnel.js.
export type { HostKeyPromptInfo, RemoteTestResult, SshErrorKind, SshPrompts, SshTunnel, SshTunnelHandle, SshTunnelOptions, TunnelState } from "./ssh";
export * from "./gateway-update";
export * from "../shared/base/errors";
export * from "../shared/base/lifecycle";
export * from "./session-settings";
export * from "./changes";
