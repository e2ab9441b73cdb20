// The one shape of every failure this project reports (after VS Code's base/common/errors.ts: small named
// errors plus `getErrorMessage`). Every layer — config, local gateway, SSH, the gateway connection — throws a
// `KrabError` subclass, so the extension maps failures to actions in one place (by `kind`, `setting`,
// `hostCommand`, `retryable`) instead of branching on four classes. Runtime-neutral: no `vscode`, no Node.

/** What every reported failure carries. Messages never contain a secret (src/gateway redacts first). */
export interface ErrorInfo {
  /** A stable, kebab-case name of what went wrong ("token-mismatch", "host-key-changed", "port-busy"…). */
  readonly kind: string;
  /** One or two sentences saying what happened. */
  readonly message: string;
  /** What the user can do about it ("" when there is nothing to do). */
  readonly nextStep: string;
  /** Whether trying again (or waiting for the client's own retry) can help, as opposed to a fix by the user. */
  readonly retryable: boolean;
  /** The setting to open when the fix is a setting ("krabkrab.profiles"). */
  readonly setting?: string;
  /** A command for the user to run on the gateway's host (approve a device, update the gateway). */
  readonly hostCommand?: string;
  readonly cause?: unknown;
}

export interface KrabErrorInit extends Omit<ErrorInfo, "message"> {
  readonly message: string;
}

/** Base class of every error this project throws on purpose. Subclasses narrow `kind` and add details. */
export class KrabError extends Error implements ErrorInfo {
  readonly kind: string;
  readonly nextStep: string;
  readonly retryable: boolean;
  readonly setting?: string;
  readonly hostCommand?: string;

  constructor(init: KrabErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "KrabError";
    this.kind = init.kind;
    this.nextStep = init.nextStep;
    this.retryable = init.retryable;
    if (init.setting !== undefined) this.setting = init.setting;
    if (init.hostCommand !== undefined) this.hostCommand = init.hostCommand;
  }
}

/**
 * Whether `err` has the ErrorInfo shape. By shape, not `instanceof`: the SSH transport is a separately loaded
 * bundle, so its errors are instances of another copy of these classes.
 */
export function isErrorInfo(err: unknown): err is Error & ErrorInfo {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<Record<keyof ErrorInfo, unknown>>;
  return typeof e.kind === "string" && typeof e.nextStep === "string" && typeof e.retryable === "boolean";
}

/** A message for anything thrown: an Error's message, a string as is, anything else as JSON or String(). */
export function getErrorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  if (err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string") return (err as { message: string }).message;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** The message followed by each cause's ("… ← caused by: …"), at most `depth` deep (cycles are cut). */
export function describeCauses(err: unknown, depth = 4): string {
  const parts = [getErrorMessage(err)];
  const seen = new Set<unknown>([err]);
  let cur = err instanceof Error ? err.cause : undefined;
  while (cur !== undefined && cur !== null && parts.length <= depth && !seen.has(cur)) {
    seen.add(cur);
    parts.push(getErrorMessage(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(" ← caused by: ");
}

/** Any thrown value as ErrorInfo: a KrabError-shaped error as it is, anything else as an unexpected failure. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (isErrorInfo(err)) return err;
  return { kind: "unexpected", message: getErrorMessage(err), nextStep: "See the KrabKrab log for details.", retryable: true, cause: err };
}
