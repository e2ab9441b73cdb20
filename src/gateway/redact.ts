// Secrets must never reach a log line, an error message or the webview. Every string that leaves
// src/gateway for a human goes through a Redactor: it removes the exact secrets it was told about
// (tokens, passwords, passphrases) and, as a second line of defence, anything shaped like a credential.

const MASK = "‹redacted›";

// key=value, "key":"value" and `Bearer x` forms whose key names a credential.
const KEYED = /((?:token|password|passphrase|secret|apikey|api_key|authorization|devicetoken|privatekey)["']?\s*[:=]\s*["']?)([^"'\s,;&}]{4,})/gi;
const BEARER = /(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi;
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remember a secret so that it is masked wherever it appears. Short values are ignored (too many false hits). */
  add(secret: string | undefined | null): void {
    if (typeof secret === "string" && secret.length >= 4) this.secrets.add(secret);
  }

  forget(secret: string | undefined | null): void {
    if (secret) this.secrets.delete(secret);
  }

  redact(text: string): string {
    let out = text;
    // Longest first so a secret that contains another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
      const enc = encodeURIComponent(s);
      if (enc !== s && out.includes(enc)) out = out.split(enc).join(MASK);
    }
    return out.replace(PEM, MASK).replace(BEARER, `$1${MASK}`).replace(KEYED, `$1${MASK}`);
  }

  /** Redacts an unknown value for logging: errors by message, objects as JSON. */
  redactValue(value: unknown): string {
    if (value instanceof Error) return this.redact(`${value.name}: ${value.message}`);
    if (typeof value === "string") return this.redact(value);
    try {
      return this.redact(JSON.stringify(value));
    } catch {
      return this.redact(String(value));
    }
  }
}

export const REDACTION_MASK = MASK;

/** One process-wide redactor; every secret the client learns is added to it. */
// One per process, even when several bundles carry this module (the extension and its lazily loaded SSH
// transport): a secret learnt by one must be masked by the other.
const REDACTOR_KEY = Symbol.for("krabkrab.redactor");
const processGlobals = globalThis as Record<symbol, unknown>;
export const redactor: Redactor = (processGlobals[REDACTOR_KEY] as Redactor | undefined) ?? (processGlobals[REDACTOR_KEY] = new Redactor());
