// Where src/gateway writes diagnostics (after vscode-copilot-chat's logService): sub-loggers name their part
// (`log.child("ssh")` writes "[ssh] …"), and `error(err, context)` keeps the error's causes instead of each
// call site flattening it to `.message`. The extension backs it with a LogOutputChannel; every line is redacted.
import { describeCauses } from "../shared/base/errors";
import { redactor } from "./redact";

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  /** A warning; with `err`, its message and causes follow the text. */
  warn(message: string, err?: unknown): void;
  /** An error: `err` (an Error, a string, anything thrown) with its causes, after `context` when given. */
  error(err: unknown, context?: string): void;
  /** A logger whose lines start with "[scope] " (nested: "[ssh/hop] "). */
  child(scope: string): Logger;
}

/** The sink a Logger writes to: one already-formatted line per call. */
export interface LogSink {
  trace(line: string): void;
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

function makeLogger(sink: LogSink, scope: string | undefined, clean: (line: string) => string): Logger {
  const p = (m: string) => clean(scope ? `[${scope}] ${m}` : m);
  return {
    trace: (m) => sink.trace(p(m)),
    debug: (m) => sink.debug(p(m)),
    info: (m) => sink.info(p(m)),
    warn: (m, err) => sink.warn(p(err === undefined ? m : `${m}: ${describeCauses(err)}`)),
    error: (err, context) => sink.error(p(context ? `${context}: ${describeCauses(err)}` : describeCauses(err))),
    child: (s) => makeLogger(sink, scope ? `${scope}/${s}` : s, clean),
  };
}

/** A Logger over `sink` in which every line is redacted, whoever calls it. */
export function redactingLogger(sink: LogSink): Logger {
  return makeLogger(sink, undefined, (m) => redactor.redact(m));
}

/** A Logger that collects lines (tests, and the connection log shown in a report). Lines are redacted too. */
export function memoryLogger(lines: string[] = []): Logger & { lines: string[] } {
  const push = (level: string) => (l: string) => void lines.push(`${level} ${l}`);
  return Object.assign(redactingLogger({ trace: push("trace"), debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") }), { lines });
}

const noop = () => {};
export const silentLogger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, child: () => silentLogger };
