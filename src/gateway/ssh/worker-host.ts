// The worker-thread side of WorkerSshTunnel (worker-proxy.ts): runs an ordinary SshTunnel — ssh2, its
// per-packet crypto and the 127.0.0.1 listener — on this thread, so that work never waits for (nor delays)
// the extension host's main thread. The caller's prompts and logger live on the main thread: a prompt is a
// request answered by a message, a log line is a message. Started by index.ts when the bundle runs as the
// worker (workerData[WORKER_MARK]). Plain Node; never imports `vscode`.
import { readFileSync } from "node:fs";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { redactingLogger } from "../logger";
import { SshTunnel } from "./tunnel";
import type { SshPrompts } from "./types";
import { errorToWire, type FromWorker, type PromptRequest, type ToWorker, type WorkerData } from "./worker-protocol";

export function runWorkerHost(): void {
  const port = parentPort as MessagePort;
  const data = workerData as WorkerData;
  const post = (m: FromWorker) => port.postMessage(m);

  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const ask = <T>(prompt: PromptRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      post({ t: "prompt", id, prompt });
    });
  const prompts: SshPrompts = {
    confirmHostKey: (info) => ask<boolean>({ kind: "confirmHostKey", info }),
    passphrase: (keyFile) => ask<string | undefined>({ kind: "passphrase", keyFile }),
    password: (userAtHost) => ask<string | undefined>({ kind: "password", userAtHost }),
    ...(data.keyboardInteractive ? { keyboardInteractive: (name: string, instructions: string, qs: { prompt: string; echo: boolean }[]) => ask<string[] | undefined>({ kind: "keyboardInteractive", name, instructions, prompts: qs }) } : {}),
  };
  // Lines are redacted here (this thread's redactor knows the secrets typed into prompts: the authenticator
  // adds them) and again by the caller's logger on the main thread.
  const line = (level: "trace" | "debug" | "info" | "warn" | "error") => (l: string) => post({ t: "log", level, line: l });
  const logger = redactingLogger({ trace: line("trace"), debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") });

  const abort = new AbortController();
  let tunnel: SshTunnel | null = null;
  let closing: Promise<void> | null = null;
  const finish = () => post({ t: "closed" });
  const close = () => {
    if (closing) return;
    if (!tunnel) {
      // Still opening: open() rejects with "cancelled", which reports open-failed and then closed.
      closing = Promise.resolve();
      abort.abort();
      return;
    }
    closing = tunnel.close().finally(finish);
  };

  port.on("message", (m: ToWorker) => {
    switch (m.t) {
      case "answer": {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (!p) return;
        if (m.ok) p.resolve(m.value as never);
        else p.reject(new Error(m.error));
        return;
      }
      case "test-remote": {
        const t = tunnel;
        if (!t) return post({ t: "test-remote-result", id: m.id, ok: false, error: { name: "SshTunnelError", message: "The SSH tunnel is not open.", kind: "disconnected", retryable: true } });
        t.testRemote().then(
          (result) => post({ t: "test-remote-result", id: m.id, ok: true, result }),
          (err: unknown) => post({ t: "test-remote-result", id: m.id, ok: false, error: errorToWire(err) }),
        );
        return;
      }
      case "stats":
        return post({ t: "stats-result", id: m.id, cpuMs: threadCpuMs() });
      case "close":
        return close();
    }
  });

  SshTunnel.open({ ...data.options, prompts, logger, signal: abort.signal }).then(
    (t) => {
      if (abort.signal.aborted) {
        // Cancelled in the instant open() settled: the caller is no longer waiting for this tunnel.
        void t.close().finally(() => {
          post({ t: "open-failed", error: { name: "SshTunnelError", message: "Connecting the SSH tunnel was cancelled.", kind: "closed", retryable: false } });
          finish();
        });
        return;
      }
      tunnel = t;
      t.on("state", (state) => post({ t: "state", state }));
      post({ t: "open", localPort: t.localPort, hops: [...t.hops], state: t.state });
    },
    (err: unknown) => {
      post({ t: "open-failed", error: errorToWire(err) });
      finish();
    },
  );
}

/** This thread's own CPU time (Linux: /proc/thread-self, ticks of 10 ms); NaN elsewhere. */
function threadCpuMs(): number {
  try {
    const st = readFileSync("/proc/thread-self/stat", "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}
