// The public surface of src/gateway: a plain-Node operator client library (no `vscode` import), used by
// the extension and usable from any Node program.
export * from "./operator-client";
export * from "./chat-session";
export * from "./exec-approval";
export * from "./errors";
export * from "./device-identity";
export * from "./device-tokens";
export * from "./secret-store";
export * from "./schemas";
export { Redactor, redactor, REDACTION_MASK } from "./redact";
export { redactingLogger, silentLogger, type Logger } from "./logger";
export * from "./local-target";
export * from "./target-config";
export * from "./local-gateway";
export * from "./ssh-tunnel";
