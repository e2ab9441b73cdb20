import { redactor } from "./redact";

/** Where src/gateway writes diagnostics. The extension backs it with a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Wraps a logger so that every line is redacted, whoever calls it. */
export function redactingLogger(inner: Logger): Logger {
  const r = (m: string) => redactor.redact(m);
  return {
    trace: (m) => inner.trace(r(m)),
    debug: (m) => inner.debug(r(m)),
    info: (m) => inner.info(r(m)),
    warn: (m) => inner.warn(r(m)),
    error: (m) => inner.error(r(m)),
  };
}
