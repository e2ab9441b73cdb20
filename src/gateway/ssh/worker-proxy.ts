// An SSH tunnel whose ssh2 client and 127.0.0.1 listener run in a worker thread (worker-host.ts), with
// SshTunnel's public surface on the caller's thread. Why: ssh2's ciphers and MACs are JavaScript here (the
// extension host cannot load its native addon), so in-thread every packet competes with everything else the
// extension host runs — OpenSSH wins because its crypto is in another process. The WebSocket still connects
// to 127.0.0.1:<localPort>, so nothing downstream changes; what crosses threads is the control traffic only
// (worker-protocol.ts): state, log lines, prompts and their answers, Test Remote, close.
//
// Lifetimes: close() asks the worker to close its tunnel, then terminates it (after 5 s whatever happens);
// a worker that stops on its own (an uncaught error, a failed load, terminate) rejects a pending open() or
// closes the tunnel with the reason — a connect never hangs on a dead worker. Plain Node; never imports `vscode`.
import { Worker } from "node:worker_threads";
import { getErrorMessage } from "../../shared/base/errors";
import { redactingLogger, silentLogger, type Logger } from "../logger";
import { redactor } from "../redact";
import type { SshHop } from "./config-resolve";
import { SshTunnelError } from "./errors";
import type { RemoteTestResult, SshPrompts, SshTunnelHandle, SshTunnelOptions, TunnelState } from "./types";
import { errorFromWire, WORKER_MARK, type FromWorker, type PromptRequest, type ToWorker, type WireOptions, type WorkerData } from "./worker-protocol";
import { TunnelHandleBase } from "./tunnel-handle";

const CLOSE_GRACE_MS = 5000;

export interface WorkerTunnelOptions {
  /** The script the worker runs: the built SSH bundle (dist/ssh-tunnel.js), which starts worker-host.ts. */
  script: string;
  /** Called with the thread once it is started (its resource usage; tests stop it hard to stand in for a crash). */
  onWorker?: (worker: Worker) => void;
}

interface Pending<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

export class WorkerSshTunnel extends TunnelHandleBase implements SshTunnelHandle {
  readonly runsIn = "worker";
  private _hops: readonly SshHop[] = [];
  private readonly calls = new Map<number, Pending<never>>();
  private nextId = 0;
  private exited = false;
  /** Set once the proxy itself ends the worker (close, a failed open): its exit is then no crash. */
  private ending = false;
  private crashReason: string | undefined;
  private closePromise: Promise<void> | null = null;
  private readonly exit: Promise<void>;
  private opening: Pending<WorkerSshTunnel> | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly prompts: SshPrompts,
    private readonly log: Logger,
  ) {
    super();
    this.exit = new Promise<void>((resolve) =>
      worker.once("exit", (code) => {
        this.exited = true;
        this.onExit(code);
        resolve();
      }),
    );
    worker.on("error", (err) => {
      // An uncaught error in the worker (or a script that failed to load); "exit" follows.
      this.crashReason ??= getErrorMessage(err);
      this.log.error(err, "the SSH tunnel's worker thread failed");
    });
    worker.on("messageerror", (err) => this.log.error(err, "a message from the SSH worker could not be read"));
    worker.on("message", (m: FromWorker) => this.onMessage(m));
  }

  /** Starts the worker, which resolves the target, binds the local port and connects (prompting through `opts.prompts` on this thread). */
  static open(opts: SshTunnelOptions, o: WorkerTunnelOptions): Promise<WorkerSshTunnel> {
    if (!Number.isInteger(opts.remotePort) || opts.remotePort < 1 || opts.remotePort > 65535) return Promise.reject(new SshTunnelError(`remotePort must be a port number from 1 to 65535, got ${opts.remotePort}.`, "config"));
    if (opts.platform) return Promise.reject(new TypeError("An injected platform cannot cross into a worker thread: use SshTunnel.open (openSshTunnel does)."));
    const cancelled = () => new SshTunnelError("Connecting the SSH tunnel was cancelled.", "closed");
    if (opts.signal?.aborted) return Promise.reject(cancelled());
    const { prompts, logger, signal, platform: _platform, ...rest } = opts;
    const options: WireOptions = rest;
    const data: WorkerData = { [WORKER_MARK]: true, options, keyboardInteractive: typeof prompts.keyboardInteractive === "function" };
    const log = redactingLogger(logger ?? silentLogger);
    // execArgv: [] — the extension host's own flags (inspector ports, …) are not the worker's to inherit.
    const worker = new Worker(o.script, { workerData: data, execArgv: [] });
    const t = new WorkerSshTunnel(worker, prompts, log);
    o.onWorker?.(worker);
    log.child("ssh").debug(`tunnel worker thread ${worker.threadId} started`);
    return new Promise<WorkerSshTunnel>((resolve, reject) => {
      const onAbort = () => t.post({ t: "close" });
      signal?.addEventListener("abort", onAbort, { once: true });
      t.opening = {
        resolve: (v) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(signal?.aborted && !(e instanceof SshTunnelError && e.kind === "worker-crashed") ? cancelled() : e);
        },
      };
    });
  }

  get hops(): readonly SshHop[] {
    return this._hops;
  }
  /** The worker's thread id (Node's, for logs). */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** Ends the tunnel (listener, sockets, SSH connections), then the worker thread; resolves once the thread has exited. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closePromise = (async () => {
      if (!this.exited) {
        this.post({ t: "close" });
        // The worker answers "closed" (then we terminate it); a stuck one is terminated after the grace period.
        const grace = setTimeout(() => void this.terminate(), CLOSE_GRACE_MS);
        await this.exit;
        clearTimeout(grace);
      }
      if (this._state.status !== "closed") this.setState({ status: "closed" });
    })();
    return this.closePromise;
  }

  /** Checks the remote side over the open session (runs in the worker: remote-check.ts). */
  testRemote(): Promise<RemoteTestResult> {
    return this.call<RemoteTestResult>((id) => ({ t: "test-remote", id }));
  }

  /** CPU time the worker thread has used so far, in ms (Linux /proc/thread-self; NaN elsewhere) — the bench's figure for the tunnel's own cost. */
  threadCpuMs(): Promise<number> {
    return this.call<number>((id) => ({ t: "stats", id }));
  }

  // ---- messages ----

  private post(m: ToWorker): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  private call<T>(msg: (id: number) => ToWorker): Promise<T> {
    if (this.exited) return Promise.reject(new SshTunnelError(`The SSH tunnel is not open (${this._state.status}).`, "closed"));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post(msg(id));
    });
  }

  private settle(id: number, ok: boolean, value: unknown): void {
    const c = this.calls.get(id);
    this.calls.delete(id);
    if (!c) return;
    if (ok) c.resolve(value as never);
    else c.reject(value as Error);
  }

  private onMessage(m: FromWorker): void {
    const redact = (s: string) => redactor.redact(s);
    switch (m.t) {
      case "log":
        return this.log[m.level](m.line);
      case "prompt":
        return void this.answer(m.id, m.prompt);
      case "open":
        this._localPort = m.localPort;
        this._hops = m.hops;
        this._state = m.state;
        this.opening?.resolve(this);
        this.opening = null;
        return;
      case "open-failed": {
        const err = errorFromWire(m.error, redact);
        this.ending = true;
        // Rejected once the thread is gone: nothing of the failed attempt outlives the rejection.
        void this.terminate().then(() => {
          this.opening?.reject(err);
          this.opening = null;
        });
        return;
      }
      case "state":
        return this.setState(m.state);
      case "test-remote-result":
        return m.ok ? this.settle(m.id, true, m.result) : this.settle(m.id, false, errorFromWire(m.error, redact));
      case "stats-result":
        return this.settle(m.id, true, m.cpuMs);
      case "closed":
        this.ending = true;
        void this.terminate();
        return;
    }
  }

  /** Runs one prompt on this thread and sends the answer back. Typed secrets are added to this thread's redactor too. */
  private async answer(id: number, p: PromptRequest): Promise<void> {
    let value: unknown;
    try {
      switch (p.kind) {
        case "confirmHostKey":
          value = await this.prompts.confirmHostKey(p.info);
          break;
        case "passphrase":
          value = await this.prompts.passphrase(p.keyFile);
          if (typeof value === "string") redactor.add(value);
          break;
        case "password":
          value = await this.prompts.password(p.userAtHost);
          if (typeof value === "string") redactor.add(value);
          break;
        case "keyboardInteractive": {
          const answers = this.prompts.keyboardInteractive ? await this.prompts.keyboardInteractive(p.name, p.instructions, p.prompts) : undefined;
          for (const a of answers ?? []) redactor.add(a);
          value = answers;
          break;
        }
      }
    } catch (err) {
      this.post({ t: "answer", id, ok: false, error: redactor.redact(getErrorMessage(err)) });
      return;
    }
    this.post({ t: "answer", id, ok: true, value });
  }

  // ---- the worker's end ----

  private terminate(): Promise<void> {
    this.ending = true;
    if (!this.exited) void this.worker.terminate();
    return this.exit;
  }

  private onExit(code: number): void {
    const crashed = !this.ending;
    const reason = this.crashReason ?? `it exited with code ${code}`;
    const err = new SshTunnelError(`The SSH tunnel's worker thread stopped: ${redactor.redact(reason)}.`, "worker-crashed", true);
    for (const c of this.calls.values()) c.reject(crashed ? err : new SshTunnelError("The SSH tunnel is closed.", "closed"));
    this.calls.clear();
    if (this.opening && crashed) {
      this.log.child("ssh").error(err);
      this.opening.reject(err);
      this.opening = null;
      return;
    }
    if (crashed && this._state.status !== "closed") {
      this.log.child("ssh").error(err);
      this.setState({ status: "closed", error: err.message });
    }
  }

  private setState(s: TunnelState): void {
    this._state = s;
    this.emit("state", s);
  }
}
