// The local transport: attach to a gateway that already answers on the loopback port (never start a
// second one), or spawn `<command> gateway run --port P --bind loopback --auth token` (the token in its
// environment, never in argv) with an argument array (no shell), wait until it is ready, stream its output
// to a log sink, restart it on a crash with bounded backoff, and stop its whole process tree on dispose (no
// orphans). OS-specific parts (PATHEXT and npm shims on Windows, process groups vs taskkill) are in platform/.
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { EventEmitter } from "node:events";
import { CommandPlanError, currentPlatform, resolveCommand, runKillPlan, spawnPlan, treeKillPlan, type KillPhase, type SpawnPlan } from "./platform";
import { KrabError } from "../shared/base/errors";
import { redactor } from "./redact";
import { silentLogger, type Logger } from "./logger";
import { listenerIsOurs } from "./platform/port-owner";

export type LocalGatewayErrorKind = "command-not-found" | "early-exit" | "config-error" | "port-busy" | "not-ready" | "crash-loop" | "cancelled";
const LOCAL_SETTING: Partial<Record<LocalGatewayErrorKind, string>> = { "command-not-found": "krabkrab.local.command", "port-busy": "krabkrab.local.port" };

export class LocalGatewayError extends KrabError {
  declare readonly kind: LocalGatewayErrorKind;
  constructor(message: string, kind: LocalGatewayErrorKind, nextStep: string, cause?: unknown) {
    super({ kind, message, nextStep, retryable: kind !== "cancelled" && kind !== "config-error", setting: LOCAL_SETTING[kind], cause });
    this.name = "LocalGatewayError";
  }
}

export type ProbeResult = { kind: "gateway"; ready: boolean } | { kind: "free" } | { kind: "other"; detail: string };

/**
 * What answers on 127.0.0.1:port — a gateway (ready or starting), nothing, or something else. One-off
 * socket (no keep-alive agent): a probe must not leave idle connections to the gateway behind.
 */
export function probePort(port: number, timeoutMs = 1500): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/readyz", method: "GET", timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (body.length < 65536) body += c;
      });
      res.on("end", () => {
        try {
          const j = JSON.parse(body) as Record<string, unknown>;
          if (typeof j.ready === "boolean") return resolve({ kind: "gateway", ready: j.ready });
        } catch {
          /* not JSON: not a gateway */
        }
        resolve({ kind: "other", detail: `HTTP ${res.statusCode} without a gateway readiness answer` });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") resolve({ kind: "free" });
      else resolve({ kind: "other", detail: err.code === "HPE_INVALID_CONSTANT" || err.message.includes("Parse Error") ? "a program that does not speak HTTP" : err.message === "timeout" ? "a program that does not answer HTTP" : err.message });
    });
    req.end();
  });
}

/** "krabkrab" or "openclaw" for a resolved command path (any platform's spelling), else undefined. */
export function cliNameOf(commandPath: string): string | undefined {
  const base = commandPath.split(/[\\/]/).pop()!.replace(/\.(exe|cmd|bat|ps1)$/i, "").toLowerCase();
  return base === "krabkrab" || base === "openclaw" ? base : undefined;
}

/** Finds an executable on PATH without a shell (Windows: PATHEXT); see platform/command.ts. */
export function whichCommand(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return resolveCommand(cmd, currentPlatform({ env }));
}

export interface LocalGatewayOptions {
  port: number;
  token: string;
  /** The configured command; when it is the default and missing, `openclaw` is tried too. */
  command?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: Logger;
  /** Each line the gateway prints (stdout and stderr), already redacted. */
  onOutput?: (line: string, stream: "stdout" | "stderr") => void;
  readyTimeoutMs?: number;
  /** Crash restarts allowed within `restartWindowMs` before giving up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  stopTimeoutMs?: number;
  /** Aborting cancels a pending start(): a spawned gateway is stopped, start() rejects with kind "cancelled". */
  signal?: AbortSignal;
}

export type LocalGatewayState =
  | { status: "starting" }
  | { status: "running"; pid: number; attached: false }
  | { status: "attached"; attached: true }
  | { status: "restarting"; attempt: number; lastError: string }
  | { status: "stopped"; error?: string };

export const DEFAULT_COMMAND = "krabkrab";
const FALLBACK_COMMAND = "openclaw";

/**
 * A local gateway: `LocalGateway.start()` attaches or spawns; `stop()` stops only what it spawned.
 */
export class LocalGateway extends EventEmitter<{ state: [LocalGatewayState] }> {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts: number[] = [];
  private lastStderr: string[] = [];
  private _state: LocalGatewayState = { status: "starting" };
  private resolvedCommand: string | null = null;
  /** Our child reached ready once (later exits are crashes, not a lost port race). */
  private everRan = false;
  private readonly log: Logger;

  private constructor(private readonly opts: LocalGatewayOptions) {
    super();
    this.log = opts.logger ?? silentLogger;
    redactor.add(opts.token);
  }

  get state(): LocalGatewayState {
    return this._state;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.opts.port}`;
  }
  /**
   * The gateway CLI on this machine, named in the commands we suggest (`openclaw update` vs `krabkrab
   * update`): the one spawned, else the one on PATH the same way a spawn would pick it. Undefined when unknown.
   */
  get cliName(): string | undefined {
    let found = this.resolvedCommand;
    if (!found) {
      try {
        found = this.findCommand();
      } catch {
        return undefined;
      }
    }
    return cliNameOf(found);
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get attached(): boolean {
    return this._state.status === "attached";
  }

  static async start(opts: LocalGatewayOptions): Promise<LocalGateway> {
    // Before anything: a bad port would otherwise surface as a RangeError from the probe, or (0, NaN)
    // be handed to the gateway as `--port 0`.
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      throw new LocalGatewayError(`The local gateway port must be a whole number from 1 to 65535, not ${String(opts.port).slice(0, 20)}.`, "config-error", "Set krabkrab.local.port (or KRABKRAB_GATEWAY_PORT) to a valid port.");
    }
    const gw = new LocalGateway(opts);
    const signal = opts.signal;
    const onAbort = () => void gw.stop();
    if (signal?.aborted) throw cancelledError();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await gw.attachOrSpawn();
      if (signal?.aborted) throw cancelledError();
      return gw;
    } catch (err) {
      await gw.stop();
      throw signal?.aborted ? cancelledError() : err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  private async attachOrSpawn(): Promise<void> {
    const opts = this.opts;
    const probe = await probePort(opts.port);
    if (this.stopping) return;
    if (probe.kind === "gateway") return this.attach();
    if (probe.kind === "other") {
      throw new LocalGatewayError(
        `Port ${opts.port} on 127.0.0.1 is in use by something that is not a gateway (${probe.detail}).`,
        "port-busy",
        "Stop that program, or set krabkrab.local.port to a free port. Nothing was stopped.",
      );
    }
    this.resolvedCommand = this.findCommand();
    await this.spawnAndWait();
  }

  private async attach(): Promise<void> {
    this.log.info(`a gateway already answers on 127.0.0.1:${this.opts.port}; attaching (not starting another)`);
    await this.waitReady(this.opts.readyTimeoutMs ?? 90_000, null);
    if (this.stopping) return;
    this.setState({ status: "attached", attached: true });
  }

  private findCommand(): string {
    const configured = this.opts.command?.trim() || DEFAULT_COMMAND;
    const env = { ...process.env, ...this.opts.env };
    const tried = [configured];
    let found = whichCommand(configured, env);
    if (!found && configured === DEFAULT_COMMAND) {
      tried.push(FALLBACK_COMMAND);
      found = whichCommand(FALLBACK_COMMAND, env);
    }
    if (!found) {
      throw new LocalGatewayError(
        `Could not find the gateway command: tried ${tried.map((t) => `“${t}”`).join(" and ")} on PATH.`,
        "command-not-found",
        "Install the KrabKrab (or OpenClaw) CLI, or set krabkrab.local.command to the full path of its executable.",
      );
    }
    return found;
  }

  // The token is never an argument: argv is world-readable (`ps`, /proc/<pid>/cmdline) to every local
  // user, on a shared Remote-SSH host too. The child's environment (/proc/<pid>/environ) is readable by
  // its owner only. One difference from `--token`: a gateway.auth.token in the gateway's own config wins
  // over the environment (the gateway's rule); extension/connection/targets.ts reads that same config file for the token.
  private args(): string[] {
    return ["gateway", "run", "--port", String(this.opts.port), "--bind", "loopback", "--auth", "token", ...(this.opts.extraArgs ?? [])];
  }

  private childEnv(): NodeJS.ProcessEnv {
    // OpenClaw reads OPENCLAW_GATEWAY_TOKEN; the KrabKrab CLI reads KRABKRAB_GATEWAY_TOKEN (and OpenClaw's).
    return { ...process.env, ...this.opts.env, NO_COLOR: "1", KRABKRAB_GATEWAY_TOKEN: this.opts.token, OPENCLAW_GATEWAY_TOKEN: this.opts.token };
  }

  private setState(s: LocalGatewayState) {
    this._state = s;
    this.emit("state", s);
  }

  private async spawnAndWait(): Promise<void> {
    const cmd = this.resolvedCommand!;
    this.setState({ status: "starting" });
    this.lastStderr = [];
    let plan: SpawnPlan;
    try {
      // Windows: an npm .cmd shim runs as node.exe <its script> (spawning a .cmd without a shell throws).
      plan = spawnPlan(cmd, this.args(), currentPlatform({ env: { ...process.env, ...this.opts.env } }));
    } catch (err) {
      if (err instanceof CommandPlanError) throw new LocalGatewayError(err.message, "command-not-found", "Check krabkrab.local.command.");
      throw err;
    }
    this.log.info(`starting ${redactor.redact([plan.file, ...plan.args].join(" "))}${plan.via === "direct" ? "" : ` (${plan.via} for ${cmd})`}`);
    let child: ChildProcess;
    try {
      child = spawn(plan.file, plan.args, {
        env: this.childEnv(),
        cwd: this.opts.cwd,
        stdio: ["ignore", "pipe", "pipe"],
        detached: plan.detached, // POSIX: own process group, so stop() signals the whole tree
        windowsVerbatimArguments: plan.windowsVerbatimArguments,
        windowsHide: true,
        shell: false,
      });
    } catch (err) {
      // Node throws synchronously for some inputs (EINVAL, ENAMETOOLONG) instead of emitting "error".
      throw new LocalGatewayError(`The gateway command ${cmd} could not start: ${(err as Error).message}.`, "command-not-found", "Check krabkrab.local.command.");
    }
    this.child = child;
    const lines = (stream: "stdout" | "stderr") => {
      let buf = "";
      return (chunk: Buffer) => {
        buf += chunk.toString("utf8");
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = redactor.redact(buf.slice(0, i).replace(/\r$/, ""));
          buf = buf.slice(i + 1);
          if (stream === "stderr" || /error|fail/i.test(line)) {
            this.lastStderr.push(line);
            if (this.lastStderr.length > 20) this.lastStderr.shift();
          }
          this.opts.onOutput?.(line, stream);
        }
      };
    };
    child.stdout!.on("data", lines("stdout"));
    child.stderr!.on("data", lines("stderr"));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    child.once("exit", (code, signal) => this.onExit(child, code, signal));

    const ready = this.waitReady(this.opts.readyTimeoutMs ?? 90_000, child);
    const outcome = await Promise.race([
      ready.then(() => ({ type: "ready" as const })),
      exited.then((e) => ({ type: "exit" as const, ...e })),
      spawnError.then((error) => ({ type: "error" as const, error })),
    ]).catch((error: Error) => ({ type: "timeout" as const, error }));
    if (this.stopping) return; // stop() (an abort) already took the child down
    if (outcome.type === "exit" && this._state.status === "starting" && !this.everRan) {
      // Lost the port to another window that started a gateway at the same moment: ours exited (port or
      // state lock taken) while theirs answers. Attach to it instead of failing, and never claim it.
      const p = await probePort(this.opts.port);
      if (p.kind === "gateway") {
        this.log.info(`another gateway took 127.0.0.1:${this.opts.port} while ours started; attaching to it (not ours: we will not stop it)`);
        return this.attach();
      }
    }
    if (outcome.type === "ready") {
      this.everRan = true;
      this.setState({ status: "running", pid: child.pid!, attached: false });
      this.log.info(`local gateway ready on ${this.url} (pid ${child.pid})`);
      return;
    }
    if (outcome.type === "error") throw new LocalGatewayError(`The gateway command could not start: ${outcome.error.message}.`, "command-not-found", "Check krabkrab.local.command.");
    if (outcome.type === "timeout") {
      await this.stop();
      throw new LocalGatewayError(`The gateway did not become ready within ${Math.round((this.opts.readyTimeoutMs ?? 90_000) / 1000)} s.`, "not-ready", "See the gateway output channel for what it was doing.");
    }
    throw this.exitError(outcome.code, outcome.signal);
  }

  private exitError(code: number | null, signal: NodeJS.Signals | null): LocalGatewayError {
    const tail = this.lastStderr.slice(-5).join("\n");
    if (code === 78) {
      return new LocalGatewayError(`The gateway exited with code 78: its configuration is invalid.${tail ? `\n${tail}` : ""}`, "config-error", "Fix the gateway config (run `krabkrab doctor`), then start it again.");
    }
    return new LocalGatewayError(`The gateway exited early (${signal ? `signal ${signal}` : `exit code ${code}`}).${tail ? `\n${tail}` : ""}`, "early-exit", "See the gateway output channel for the full log.");
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (child !== this.child) return;
    this.child = null;
    if (this.stopping || this._state.status === "starting") return; // stop() or the start path handles it
    this.crashed(this.exitError(code, signal));
  }

  /**
   * A gateway that ran has died (or a restart of it failed before it was ready): restart with backoff, or give
   * up after `maxRestarts` within the window. A restart that dies before it is ready comes back here with its
   * error — on a loaded machine that is the usual shape of a crash loop, and it must count, not hang "starting".
   */
  private crashed(err: LocalGatewayError): void {
    const now = Date.now();
    const window = this.opts.restartWindowMs ?? 120_000;
    this.restarts = this.restarts.filter((t) => now - t < window);
    if (this.restarts.length >= (this.opts.maxRestarts ?? 3)) {
      this.log.error(`local gateway keeps crashing (${this.restarts.length + 1} times in ${Math.round(window / 1000)} s); giving up: ${err.message}`);
      this.setState({ status: "stopped", error: `${err.message} It crashed ${this.restarts.length + 1} times; not restarting again.` });
      return;
    }
    this.restarts.push(now);
    const attempt = this.restarts.length;
    const delay = Math.min(500 * 2 ** (attempt - 1), 8000);
    this.log.warn(`local gateway crashed (${err.message.split("\n")[0]}); restart ${attempt} in ${delay} ms`);
    this.setState({ status: "restarting", attempt, lastError: err.message });
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnAndWait().catch((e: unknown) => {
        this.log.error(`restart failed: ${e instanceof Error ? e.message : String(e)}`);
        if (this.child || this.stopping || this._state.status === "stopped") return;
        this.crashed(e instanceof LocalGatewayError ? e : new LocalGatewayError(String(e instanceof Error ? e.message : e), "early-exit", "See the gateway output channel for the full log."));
      });
    }, delay).unref();
  }

  /** Polls /readyz until ready; "starting" answers and refused connections are retried. */
  /**
   * Polls /readyz until ready; "starting" answers and refused connections are retried. With `child`, a
   * ready answer counts only when the listener belongs to that child's process group: another window's
   * gateway that won the port race is not ours to report as "running" (or to store our token for).
   */
  private async waitReady(timeoutMs: number, child: ChildProcess | null): Promise<void> {
    const t0 = Date.now();
    for (let delay = 150; ; delay = Math.min(delay * 1.5, 1000)) {
      if (this.stopping) return;
      const p = await probePort(this.opts.port, 1000);
      if (p.kind === "gateway" && p.ready && (!child || listenerIsOurs(this.opts.port, child) !== false)) return;
      if (Date.now() - t0 > timeoutMs) throw new Error("not ready in time");
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Stops what we spawned: the tree is asked to stop, forced after the timeout. Attached gateways are left alone. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      // The whole tree, per OS (process group on POSIX, taskkill /T on Windows): platform/process-tree.ts.
      const platform = currentPlatform();
      const kill = (phase: KillPhase) => {
        const direct = () => {
          try {
            child.kill(phase === "terminate" ? "SIGTERM" : "SIGKILL");
          } catch {
            /* already gone */
          }
        };
        return child.pid ? runKillPlan(treeKillPlan(child.pid, phase, platform), direct) : Promise.resolve(direct());
      };
      void kill("terminate");
      const timer = setTimeout(() => void kill("force"), this.opts.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
      // The leader is gone; make sure no helper child of the group survives it.
      await kill("sweep");
      this.log.info("local gateway stopped");
    }
    this.setState({ status: "stopped" });
  }
}

function cancelledError(): LocalGatewayError {
  return new LocalGatewayError("Starting the local gateway was cancelled.", "cancelled", "Connect again when you are ready.");
}
