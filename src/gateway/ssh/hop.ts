// One SSH hop: dialling it (directly, or through the previous hop's forwardOut for ProxyJump), the host-key
// check and authentication, under a deadline that prompts pause; and the set of ssh2 clients a tunnel made,
// so teardown can end every one of them, half-established ones included. Plain Node; never imports `vscode`.
import type { Duplex } from "node:stream";
import { Client, type ConnectConfig } from "ssh2";
import type { Logger } from "../logger";
import { HopAuth, type Authenticator } from "./authenticator";
import type { SshHop } from "./config-resolve";
import { Deadline } from "./deadline";
import { classifySshError, SshTunnelError } from "./errors";
import type { HostKeyChecker } from "./host-key-check";

const PREFERRED_CIPHER = "aes128-gcm@openssh.com";

/** One hop's connection attempt, shared by the host-key check and the authenticator. */
export interface HopCtx {
  hop: SshHop;
  index: number;
  deadline?: Deadline;
  /** Set by the host-key verifier or the auth handler; wins over ssh2's generic error. */
  recorded?: SshTunnelError;
  auth: HopAuth;
}

/** Every ssh2 client not yet closed (including half-established ones), with the last error each reported. */
export class ClientSet {
  private readonly live = new Set<Client>();
  private readonly closed = new WeakSet<Client>();
  private readonly lastErrors = new WeakMap<Client, string>();

  constructor(private readonly log: Logger) {}

  add(c: Client): void {
    this.live.add(c);
  }
  markClosed(c: Client): void {
    this.live.delete(c);
    this.closed.add(c);
  }
  isClosed(c: Client): boolean {
    return this.closed.has(c);
  }
  noteError(c: Client, message: string): void {
    this.lastErrors.set(c, message);
  }
  lastError(c: Client): string | undefined {
    return this.lastErrors.get(c);
  }
  all(): Client[] {
    return [...this.live];
  }

  /** Ends a client; one that does not close within 2 s is destroyed (end() is a no-op on a half-closed socket). */
  end(c: Client): void {
    if (this.closed.has(c)) return;
    try {
      c.end();
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      if (!this.closed.has(c)) {
        c.destroy();
        (c as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
      }
    }, 2000);
    c.once("close", () => clearTimeout(t));
    if (this.closed.has(c)) clearTimeout(t);
  }

  /** Resolves on the client's "close", or after 3 s whatever happens (close() must never hang). */
  waitClosed(c: Client): Promise<void> {
    if (this.closed.has(c)) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.log.warn("a connection did not report closing within 3 s");
        this.live.delete(c);
        resolve();
      }, 3000);
      c.once("close", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

export interface HopConnectorOptions {
  clients: ClientSet;
  auth: Authenticator;
  hostKeys: HostKeyChecker;
  log: Logger;
  /** TCP connect + handshake + authentication, not counting time spent in prompts. */
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

/** Opens a stream to `next` through the already-connected `via` (ProxyJump). */
export function forwardThrough(via: Client, viaHop: SshHop, next: SshHop): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      via.forwardOut("127.0.0.1", 0, next.host, next.port, (err, stream) => {
        if (err) reject(new SshTunnelError(`The jump host ${viaHop.label} could not open a connection to ${next.host}:${next.port}: ${err.message}.`, "forward-failed", true));
        else resolve(stream);
      });
    } catch (err) {
      reject(new SshTunnelError(`The jump host ${viaHop.label} dropped before forwarding: ${(err as Error).message}`, "disconnected", true));
    }
  });
}

/** Connects and authenticates one hop (over `sock` when it is reached through a jump host). */
export function connectHop(o: HopConnectorOptions, hop: SshHop, index: number, sock: Duplex | undefined): Promise<Client> {
  const { clients, log } = o;
  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    clients.add(client);
    const ctx: HopCtx = { hop, index, auth: new HopAuth() };
    let settled = false;
    const fail = (err: SshTunnelError) => {
      if (settled) return;
      settled = true;
      ctx.deadline?.stop();
      clients.end(client);
      sock?.destroy();
      reject(err);
    };
    client.on("error", (err: Error & { level?: string; description?: string }) => {
      if (err.level === "agent") {
        ctx.auth.notes.push(`the ssh-agent failed (${err.message})`);
        log.warn("agent", err);
        return;
      }
      clients.noteError(client, err.message);
      if (settled) {
        log.debug(`${hop.label}: ${err.message}`);
        return;
      }
      fail(ctx.recorded ?? classifySshError(err, hop, index, () => o.auth.failure(ctx)));
    });
    client.on("close", () => {
      clients.markClosed(client);
      if (!settled) fail(ctx.recorded ?? new SshTunnelError(`${hop.label} closed the connection during the SSH handshake.`, "disconnected", true));
    });
    client.on("handshake", (n) => log.debug(`${hop.label}: kex ${n.kex}, host key ${n.serverHostKey}, cipher ${n.cs.cipher}`));
    client.on("banner", (msg) => log.info(`${hop.label} banner: ${msg.trim().slice(0, 500)}`));
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      ctx.deadline?.stop();
      o.auth.succeeded(ctx);
      log.info(`authenticated to ${hop.label} (${ctx.auth.current ?? "?"})`);
      resolve(client);
    });

    const timeoutMs = o.readyTimeoutMs;
    ctx.deadline = new Deadline(timeoutMs, () =>
      fail(new SshTunnelError(`Timed out after ${Math.round(timeoutMs / 1000)} s connecting to ${hop.label} (no SSH handshake${index > 0 ? " through the jump host" : ""}). The host may be down or a firewall may drop the connection.`, "timeout", true)),
    );
    const cfg: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.user,
      sock,
      readyTimeout: 0, // our Deadline instead: prompts must not count
      keepaliveInterval: o.keepaliveIntervalMs,
      keepaliveCountMax: o.keepaliveCountMax,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        o.hostKeys.verify(hop, key, ctx.deadline).then(
          () => verify(true),
          (err: unknown) => {
            ctx.recorded = err instanceof SshTunnelError ? err : new SshTunnelError(`Host key check for ${hop.label} failed: ${(err as Error).message}`, "host-key-rejected");
            verify(false);
          },
        );
      },
      authHandler: o.auth.handler(ctx),
      // aes128-gcm first (fastest for ssh2's JS path and for OpenSSH); ssh2's other defaults stay as fallbacks.
      algorithms: {
        cipher: { remove: [PREFERRED_CIPHER], prepend: [PREFERRED_CIPHER] },
        serverHostKey: o.hostKeys.algorithmsFor(hop),
      } as ConnectConfig["algorithms"],
    };
    try {
      try {
        client.connect(cfg);
      } catch (err) {
        // An algorithm this Node/Electron's crypto lacks: fall back to ssh2's own defaults.
        if (!/Unsupported algorithm/i.test((err as Error).message)) throw err;
        log.warn(`${(err as Error).message}; using ssh2's default algorithms`);
        client.connect({ ...cfg, algorithms: undefined });
      }
      // Nagle off on the socket to sshd: without ssh2's native addon each packet goes out in pieces
      // and would wait for sshd's delayed ACK (~40 ms per message). Through a jump host the stream is
      // an SSH channel; the first hop's socket is the one that matters.
      if (!sock) client.setNoDelay(true);
    } catch (err) {
      // No socket was created: there will be no "close" event to wait for.
      clients.markClosed(client);
      fail(new SshTunnelError(`Cannot start the SSH connection to ${hop.label}: ${(err as Error).message}`, "handshake"));
    }
  });
}
