// An SSH local forward (`ssh -N -L 127.0.0.1:<local>:127.0.0.1:<remote>`) in-process, with ssh2. This file
// holds the tunnel's life: open, state, re-establishment and close; the parts live beside it:
// - config-resolve.ts: the target through ~/.ssh/config (HostName/User/Port/IdentityFile/ProxyJump/…);
// - hop.ts: dialling one hop (ProxyJump chains go through the previous hop's forwardOut);
// - host-key-check.ts + known-hosts.ts: known_hosts, the unknown-key prompt, HostKeyChangedError;
// - authenticator.ts: none → agent → keys (passphrase prompt) → password → keyboard-interactive;
// - forwarder.ts: the 127.0.0.1 listener and its channels; remote-check.ts: Test Remote.
// Re-establishment: when an established connection drops, the tunnel keeps its listener (same local port)
// and retries with exponential backoff 0.5 s → 15 s (±20 % jitter), indefinitely by default
// (`maxReconnectAttempts`), showing {status:"reconnecting", attempt, error}. Errors that retrying cannot fix
// (host key changed or rejected, authentication failed) close the tunnel with that error. Every callback of
// a superseded connection is ignored (generation counter). Plain Node: never imports `vscode`.
import { statSync } from "node:fs";
import type net from "node:net";
import os from "node:os";
import type { Duplex } from "node:stream";
import type { Client } from "ssh2";
import { getErrorMessage } from "../../shared/base/errors";
import { redactingLogger, silentLogger, type Logger } from "../logger";
import { chooseAgent, currentPlatform, knownHostsLocations } from "../platform";
import { Authenticator } from "./authenticator";
import { resolveSshTarget, safeUserName, SshConfigError, type ResolvedSshTarget, type SshHop } from "./config-resolve";
import { identityFileError, SshTunnelError } from "./errors";
import { Forwarder, listenLocal, type Link } from "./forwarder";
import { HostKeyChecker } from "./host-key-check";
import { ClientSet, connectHop, forwardThrough, type HopConnectorOptions } from "./hop";
import { runRemoteChecks } from "./remote-check";
import type { RemoteTestResult, SshTunnelHandle, SshTunnelOptions, TunnelState } from "./types";
import { TunnelHandleBase } from "./tunnel-handle";

export class SshTunnel extends TunnelHandleBase implements SshTunnelHandle {
  readonly runsIn = "main-thread";
  private readonly log: Logger;
  private readonly resolved: ResolvedSshTarget;
  private readonly auth: Authenticator;
  private readonly clients: ClientSet;
  private readonly hop: HopConnectorOptions;
  private readonly forwarder: Forwarder;
  private server: net.Server | null = null;
  private gen = 0;
  private link: Link | null = null;
  private closing = false;
  private closePromise: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: SshTunnelOptions) {
    super();
    this.log = redactingLogger(opts.logger ?? silentLogger).child("ssh");
    const home = opts.home ?? os.homedir();
    const env = opts.env ?? process.env;
    const platform = opts.platform ?? currentPlatform({ env, homedir: home });
    const localUser = opts.localUser ?? safeUserName(env);
    try {
      this.resolved = resolveSshTarget(opts.target, { configPath: opts.sshConfigPath, home, localUser, env, platform });
    } catch (err) {
      if (err instanceof SshConfigError) throw new SshTunnelError(err.message, "config");
      throw err;
    }
    const isClosing = () => this.closing;
    const agent = chooseAgent(platform, { explicit: opts.agent, identityAgent: this.resolved.identityAgent });
    this.auth = new Authenticator({
      identityFile: opts.identityFile,
      prompts: opts.prompts,
      home,
      localUser,
      env,
      platform,
      agent: { path: agent.agent, note: agent.note },
      log: this.log,
      isClosing,
    });
    const khFiles = knownHostsLocations(platform, home);
    const userFile = opts.knownHostsPath ?? this.resolved.userKnownHostsFiles?.[0] ?? khFiles.user;
    const userFiles = opts.knownHostsPath ? [opts.knownHostsPath] : (this.resolved.userKnownHostsFiles ?? [userFile]);
    const hostKeys = new HostKeyChecker({
      readFiles: [...userFiles, ...(opts.globalKnownHostsPaths ?? khFiles.system)],
      userFile,
      hash: this.resolved.hashKnownHosts,
      confirm: (info) => opts.prompts.confirmHostKey(info),
      log: this.log,
      isClosing,
    });
    this.clients = new ClientSet(this.log);
    this.hop = {
      clients: this.clients,
      auth: this.auth,
      hostKeys,
      log: this.log,
      readyTimeoutMs: opts.readyTimeoutMs ?? this.resolved.connectTimeoutMs ?? 20_000,
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    };
    this.forwarder = new Forwarder({
      remotePort: opts.remotePort,
      log: this.log,
      current: () => this.link,
      isLive: (link) => link.gen === this.gen && !this.closing,
      isClosing,
    });
  }

  /** Resolves the target, binds the local port, connects (prompting as needed) and resolves once the tunnel is open. */
  static async open(opts: SshTunnelOptions): Promise<SshTunnel> {
    if (!Number.isInteger(opts.remotePort) || opts.remotePort < 1 || opts.remotePort > 65535) throw new SshTunnelError(`remotePort must be a port number from 1 to 65535, got ${opts.remotePort}.`, "config");
    const cancelled = () => new SshTunnelError("Connecting the SSH tunnel was cancelled.", "closed");
    if (opts.signal?.aborted) throw cancelled();
    const t = new SshTunnel(opts);
    t.checkExplicitIdentity();
    t.server = await listenLocal(opts.localPort, (sock) => t.forwarder.accept(sock), t.log);
    t._localPort = (t.server.address() as net.AddressInfo).port;
    t.log.debug(`tunnel listening on 127.0.0.1:${t._localPort}`);
    const onAbort = () => void t.shutdown(undefined);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const gen = ++t.gen;
    try {
      const link = await t.establish(gen);
      if (t.closing || gen !== t.gen) {
        t.endLink(link);
        throw cancelled();
      }
      t.adopt(link);
    } catch (err) {
      await t.shutdown(undefined);
      throw opts.signal?.aborted ? cancelled() : err;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
    return t;
  }

  /** The resolved chain (for display): hops[0] is dialled first, the last is the target. */
  get hops(): readonly SshHop[] {
    return this.resolved.hops;
  }

  /** Ends everything: listener, forwarded sockets and channels, pending retries, SSH connections. */
  close(): Promise<void> {
    return this.shutdown(undefined);
  }

  /** Checks the remote side over the open session (remote-check.ts): the CLI's status and /readyz. */
  async testRemote(): Promise<RemoteTestResult> {
    const link = this.link;
    if (!link) throw new SshTunnelError(`The SSH tunnel is not open (${this._state.status}).`, this._state.status === "closed" ? "closed" : "disconnected", this._state.status !== "closed");
    return runRemoteChecks(link.final, this.opts.remotePort);
  }

  // ---- setup ----

  /** A key the profile names must exist before anything is dialled: its absence is the user's to fix. */
  private checkExplicitIdentity() {
    const file = this.auth.explicitIdentity();
    if (!file) return;
    let st;
    try {
      st = statSync(file);
    } catch (err) {
      throw identityFileError(file, err);
    }
    if (!st.isFile()) throw new SshTunnelError(`The identity file ${file} is not a file.`, "identity-unreadable");
  }

  private setState(s: TunnelState) {
    this._state = s;
    this.emit("state", s);
  }

  private get chainLabel(): string {
    const hops = this.resolved.hops;
    const target = hops[hops.length - 1]!;
    return hops.length > 1 ? `${target.label} via ${hops.slice(0, -1).map((h) => h.label).join(" → ")}` : target.label;
  }

  /** Dials every hop in order, each through the previous one. */
  private async establish(gen: number): Promise<Link> {
    const hops = this.resolved.hops;
    const clients: Client[] = [];
    this.log.info(`connecting to ${this.chainLabel} (forward 127.0.0.1:${this._localPort} → 127.0.0.1:${this.opts.remotePort})`);
    const t0 = Date.now();
    try {
      let sock: Duplex | undefined;
      for (let i = 0; i < hops.length; i++) {
        const hop = hops[i]!;
        if (i > 0) sock = await forwardThrough(clients[i - 1]!, hops[i - 1]!, hop);
        if (gen !== this.gen || this.closing) throw new SshTunnelError("The SSH tunnel was closed while connecting.", "closed");
        clients.push(await connectHop(this.hop, hop, i, sock));
      }
    } catch (err) {
      for (const c of clients) this.clients.end(c);
      throw err;
    }
    this.log.info(`connected to ${this.chainLabel} in ${Date.now() - t0} ms`);
    return { gen, clients, final: clients[clients.length - 1]! };
  }

  // ---- running ----

  private adopt(link: Link) {
    this.link = link;
    for (const c of link.clients) c.once("close", () => this.onDrop(link, this.clients.lastError(c) ?? "the SSH connection closed"));
    this.setState({ status: "open", localPort: this._localPort });
    // A hop that closed between "ready" and now would never fire the listener above.
    const gone = link.clients.find((c) => this.clients.isClosed(c));
    if (gone) {
      this.onDrop(link, this.clients.lastError(gone) ?? "the SSH connection closed");
      return;
    }
    this.forwarder.release(link);
  }

  private onDrop(link: Link, reason: string) {
    if (link.gen !== this.gen || this.closing || this.link !== link) return;
    this.link = null;
    this.endLink(link);
    this.forwarder.dropForwarded();
    this.log.warn(`connection to ${this.chainLabel} dropped (${reason}); re-establishing on the same local port ${this._localPort}`);
    this.scheduleReconnect(1, reason);
  }

  private scheduleReconnect(attempt: number, error: string) {
    if (this.closing) return;
    this.setState({ status: "reconnecting", attempt, error });
    const min = this.opts.reconnectMinDelayMs ?? 500;
    const max = this.opts.reconnectMaxDelayMs ?? 15_000;
    const base = Math.min(max, min * 2 ** (attempt - 1));
    const delay = Math.min(max, Math.round(base * (0.8 + Math.random() * 0.4)));
    this.log.info(`reconnect attempt ${attempt} in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const gen = ++this.gen;
      this.establish(gen).then(
        (link) => {
          if (gen !== this.gen || this.closing) return this.endLink(link);
          this.log.info(`tunnel re-established after ${attempt} attempt(s)`);
          this.adopt(link);
        },
        (err: unknown) => {
          if (gen !== this.gen || this.closing) return;
          const e = err instanceof SshTunnelError ? err : new SshTunnelError(getErrorMessage(err), "disconnected", true, err);
          const maxAttempts = this.opts.maxReconnectAttempts ?? Infinity;
          if (!e.retryable) {
            this.log.error(e, "giving up re-establishing the tunnel");
            void this.shutdown(e.message);
          } else if (attempt >= maxAttempts) {
            this.log.error(e, `giving up after ${attempt} attempts`);
            void this.shutdown(`gave up after ${attempt} reconnect attempts: ${e.message}`);
          } else {
            this.log.warn(`reconnect attempt ${attempt} failed`, e);
            this.scheduleReconnect(attempt + 1, e.message);
          }
        },
      );
    }, delay);
  }

  // ---- teardown ----

  private endLink(link: Link) {
    for (const c of link.clients) this.clients.end(c);
  }

  private shutdown(error: string | undefined): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.gen++;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.closePromise = (async () => {
      const server = this.server;
      const serverClosed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
      this.forwarder.closeAll();
      const clients = this.clients.all();
      this.link = null;
      for (const c of clients) this.clients.end(c);
      await Promise.all(clients.map((c) => this.clients.waitClosed(c)));
      await serverClosed;
      this.auth.forget();
      this.setState(error ? { status: "closed", error } : { status: "closed" });
      this.log.info(`tunnel to ${this.chainLabel} closed${error ? `: ${error}` : ""}`);
    })();
    return this.closePromise;
  }
}
