// OpenSSH known_hosts: parsing, matching (plain, wildcard, negated and hashed `|1|salt|hmac` host
// patterns, `[host]:port` for ports other than 22), fingerprints, and appending an accepted key.
// Pure functions apart from readKnownHostsFile/appendKnownHost; plain Node (no `vscode`).
import { createHash, createHmac, randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface KnownHostsEntry {
  /** 1-based line number in its file. */
  line: number;
  marker?: "cert-authority" | "revoked";
  /** The host-pattern field as written (comma-separated patterns, or one `|1|salt|hash`). */
  hosts: string;
  keyType: string;
  keyBlob: Buffer;
}

export interface KnownHostsProblem {
  line: number;
  reason: string;
}

/** Parses known_hosts text. Lines that cannot be used are reported in `problems`, never thrown. */
export function parseKnownHosts(text: string): { entries: KnownHostsEntry[]; problems: KnownHostsProblem[] } {
  const entries: KnownHostsEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const l = raw.replace(/\r$/, "").trim();
    if (!l || l.startsWith("#")) return;
    const fields = l.split(/[ \t]+/);
    let marker: KnownHostsEntry["marker"];
    if (fields[0]!.startsWith("@")) {
      const m = fields.shift()!;
      if (m === "@cert-authority") marker = "cert-authority";
      else if (m === "@revoked") marker = "revoked";
      else {
        problems.push({ line: lineNo, reason: `unknown marker ${m.slice(0, 30)}` });
        return;
      }
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) {
      problems.push({ line: lineNo, reason: "expected: host-patterns key-type base64-key" });
      return;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
      problems.push({ line: lineNo, reason: "the key is not base64" });
      return;
    }
    const keyBlob = Buffer.from(b64, "base64");
    const inner = keyTypeOfBlob(keyBlob);
    if (inner !== keyType) {
      problems.push({ line: lineNo, reason: inner ? `key type ${keyType} does not match the key's own type ${inner}` : "the key blob is malformed" });
      return;
    }
    entries.push({ line: lineNo, marker, hosts, keyType, keyBlob });
  });
  return { entries, problems };
}

/** The first SSH string of a public key blob: its type (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOfBlob(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return null;
  const t = blob.subarray(4, 4 + n).toString("latin1");
  return /^[\x21-\x7e]+$/.test(t) ? t : null;
}

/** `SHA256:` + unpadded base64 of sha256(blob), exactly as `ssh-keygen -l` and `ssh` print it. */
export function fingerprintSha256(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; lower-cased. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `ssh-keygen -H` / HashKnownHosts write it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac("sha1", salt).update(name).digest();
  return `|1|${salt.toString("base64")}|${mac.toString("base64")}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "i");
  return re.test(name);
}

/**
 * Whether a host-pattern field matches `name` (already in `knownHostsName` form). A hashed field is one
 * `|1|salt|hash`; otherwise a comma list of patterns with `*`/`?` wildcards, where any matching `!pattern`
 * vetoes the line.
 */
export function hostPatternsMatch(field: string, name: string): boolean {
  if (field.startsWith("|")) {
    const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
    if (!m) return false;
    const salt = Buffer.from(m[1]!, "base64");
    const want = Buffer.from(m[2]!, "base64");
    const got = createHmac("sha1", salt).update(name).digest();
    return want.length === got.length && want.equals(got);
  }
  let positive = false;
  for (const p of field.split(",")) {
    if (!p) continue;
    if (p.startsWith("!")) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) positive = true;
  }
  return positive;
}

export interface KnownHostsSource {
  path: string;
  text: string;
}

export type HostKeyCheck =
  | { status: "known"; path: string; line: number }
  | { status: "changed"; path: string; line: number; expectedKeyType: string; expectedFingerprint: string }
  | { status: "revoked"; path: string; line: number }
  | { status: "unknown"; otherKeyTypes: string[] };

/**
 * Looks a host key up in known_hosts files (user file first). A key listed under a matching @revoked line
 * is refused; any matching plain line with the same key → known; else a matching line with the same key
 * type but another key → changed (first such line); else unknown (with the key types known for the host
 * under other algorithms, if any). @cert-authority lines are not host keys and are skipped.
 */
export function checkHostKey(sources: KnownHostsSource[], name: string, keyBlob: Buffer): HostKeyCheck {
  const offeredType = keyTypeOfBlob(keyBlob);
  let changed: HostKeyCheck | null = null;
  let known: HostKeyCheck | null = null;
  const otherTypes = new Set<string>();
  for (const src of sources) {
    for (const e of parseKnownHosts(src.text).entries) {
      if (!hostPatternsMatch(e.hosts, name)) continue;
      if (e.marker === "revoked") {
        if (e.keyBlob.equals(keyBlob)) return { status: "revoked", path: src.path, line: e.line };
        continue;
      }
      if (e.marker === "cert-authority") continue;
      if (e.keyBlob.equals(keyBlob)) known ??= { status: "known", path: src.path, line: e.line };
      else if (e.keyType === offeredType) changed ??= { status: "changed", path: src.path, line: e.line, expectedKeyType: e.keyType, expectedFingerprint: fingerprintSha256(e.keyBlob) };
      else otherTypes.add(e.keyType);
    }
  }
  return known ?? changed ?? { status: "unknown", otherKeyTypes: [...otherTypes] };
}

/** Key types known for `name` (for ordering the host-key algorithms we offer, like OpenSSH does). */
export function knownKeyTypes(sources: KnownHostsSource[], name: string): string[] {
  const types: string[] = [];
  for (const src of sources) {
    for (const e of parseKnownHosts(src.text).entries) {
      if (!e.marker && hostPatternsMatch(e.hosts, name) && !types.includes(e.keyType)) types.push(e.keyType);
    }
  }
  return types;
}

/** One known_hosts line for an accepted key (no trailing newline). */
export function knownHostsLine(name: string, keyBlob: Buffer, opts: { hash?: boolean } = {}): string {
  const type = keyTypeOfBlob(keyBlob);
  if (!type) throw new Error("not an SSH public key blob");
  return `${opts.hash ? hashHostName(name) : name} ${type} ${keyBlob.toString("base64")}`;
}

/** Reads a known_hosts file; a missing file is empty. Other errors (EACCES…) are thrown. */
export function readKnownHostsFile(file: string): KnownHostsSource {
  try {
    return { path: file, text: readFileSync(file, "utf8") };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path: file, text: "" };
    throw err;
  }
}

/** Appends a line, creating the directory (0700) and file (0600) when missing. Returns the new line's number. */
export function appendKnownHost(file: string, line: string): number {
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existed = existsSync(file);
  let prefix = "";
  let lineNo = 1;
  if (existed) {
    const text = readFileSync(file, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) prefix = "\n";
    lineNo = text.split("\n").length + (prefix ? 1 : 0);
    if (text.length === 0) lineNo = 1;
  }
  appendFileSync(file, prefix + line + "\n", { mode: 0o600 });
  if (!existed) chmodSync(file, 0o600);
  return lineNo;
}
