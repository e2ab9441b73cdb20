// Host keys, as OpenSSH checks them: against the user's and the system's known_hosts (HostKeyAlias honoured).
// Known → go on; @revoked → never connect; changed → HostKeyChangedError, never connect; unknown → the
// injected prompt with the SHA256 fingerprint, and on accept the key is appended to the user's file (hashed
// when HashKnownHosts says so). Plain Node; never imports `vscode`.
import type { Logger } from "../logger";
import type { SshHop } from "./config-resolve";
import { runPrompt, type Deadline } from "./deadline";
import { HostKeyChangedError, SshTunnelError } from "./errors";
import { appendKnownHost, checkHostKey, fingerprintSha256, keyTypeOfBlob, knownHostsLine, knownHostsName, knownKeyTypes, readKnownHostsFile, type KnownHostsSource } from "./known-hosts";
import type { HostKeyPromptInfo } from "./types";

const HOSTKEY_ALGOS: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

export interface HostKeyCheckOptions {
  /** Every file read, user files first; the first is the one appended to. */
  readFiles: string[];
  /** The user file an accepted key is recorded in. */
  userFile: string;
  hash: boolean;
  confirm(info: HostKeyPromptInfo): Promise<boolean>;
  log: Logger;
  isClosing(): boolean;
}

export class HostKeyChecker {
  /** Keys accepted in this tunnel's life, so a reconnect does not ask again when the file could not be written. */
  private readonly accepted = new Set<string>();

  constructor(private readonly o: HostKeyCheckOptions) {}

  /** ssh2's serverHostKey preference: like OpenSSH, the key types already known for this host first. */
  algorithmsFor(hop: SshHop): { remove: string[]; prepend: string[] } | undefined {
    let known: string[] = [];
    try {
      known = knownKeyTypes(this.read(), nameFor(hop));
    } catch {
      /* unreadable files are reported when the key is checked */
    }
    const algos = known.flatMap((t) => HOSTKEY_ALGOS[t] ?? []);
    return algos.length ? { remove: algos, prepend: algos } : undefined;
  }

  /** Resolves when the key may be used; rejects with the reason (SshTunnelError) when not. */
  async verify(hop: SshHop, blob: Buffer, deadline: Deadline | undefined): Promise<void> {
    const { log } = this.o;
    const name = nameFor(hop);
    const keyType = keyTypeOfBlob(blob) ?? "unknown";
    const fingerprint = fingerprintSha256(blob);
    const check = checkHostKey(this.read(), name, blob);
    if (check.status === "known") {
      log.debug(`host key of ${name} matches ${check.path}:${check.line} (${keyType} ${fingerprint})`);
      return;
    }
    if (check.status === "revoked") {
      throw new SshTunnelError(`The host key of ${name} (${keyType} ${fingerprint}) is marked @revoked in ${check.path}, line ${check.line}. Not connecting.`, "host-key-revoked");
    }
    if (check.status === "changed") {
      const err = new HostKeyChangedError({
        host: hop.host,
        port: hop.port,
        knownHostsName: name,
        keyType: check.expectedKeyType,
        expectedFingerprint: check.expectedFingerprint,
        offeredFingerprint: fingerprint,
        knownHostsPath: check.path,
        line: check.line,
      });
      log.error(err);
      throw err;
    }
    const memo = `${name} ${blob.toString("base64")}`;
    if (this.accepted.has(memo)) return;
    if (this.o.isClosing()) throw new SshTunnelError("The SSH tunnel was closed.", "closed");
    log.info(`${name} is not in known_hosts; asking (${keyType} ${fingerprint})`);
    const info: HostKeyPromptInfo = { host: hop.host, port: hop.port, keyType, fingerprint, knownHostsName: name, otherKeyTypes: check.otherKeyTypes };
    const ok = await runPrompt(deadline, log, () => this.o.confirm(info));
    if (ok !== true) throw new SshTunnelError(`The host key of ${name} (${keyType} ${fingerprint}) was not accepted. Not connecting.`, "host-key-rejected");
    this.accepted.add(memo);
    try {
      const line = appendKnownHost(this.o.userFile, knownHostsLine(name, blob, { hash: this.o.hash }));
      log.info(`added ${name} (${keyType} ${fingerprint}) to ${this.o.userFile}, line ${line}`);
    } catch (err) {
      log.warn(`accepted the host key of ${name} for this session, but cannot record it in ${this.o.userFile}`, err);
    }
  }

  private read(): KnownHostsSource[] {
    const out: KnownHostsSource[] = [];
    for (const f of this.o.readFiles) {
      try {
        out.push(readKnownHostsFile(f));
      } catch (err) {
        this.o.log.warn(`cannot read ${f}`, err);
      }
    }
    return out;
  }
}

function nameFor(hop: SshHop): string {
  return hop.hostKeyAlias ? hop.hostKeyAlias.toLowerCase() : knownHostsName(hop.host, hop.port);
}
