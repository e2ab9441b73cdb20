// The per-hop connect deadline, which must not count the time a user spends in a prompt (a passphrase typed
// slowly is not a dead host), and the one way prompts run under it. Plain Node; never imports `vscode`.
import type { Logger } from "../logger";

/** Pausable timer: time spent waiting on the user (prompts) does not count. */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  private pauses = 0;
  private done = false;
  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
    this.run();
  }
  private run() {
    if (this.done || this.pauses > 0) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.onExpire();
    }, Math.max(0, this.remaining));
  }
  async pausedWhile<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pauses++ === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.remaining -= Date.now() - this.startedAt;
    }
    try {
      return await fn();
    } finally {
      if (--this.pauses === 0) this.run();
    }
  }
  stop() {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Runs a user prompt with the deadline paused; a prompt that throws counts as cancelled (undefined). */
export async function runPrompt<T>(deadline: Deadline | undefined, log: Logger, fn: () => Promise<T>): Promise<T | undefined> {
  const run = async () => {
    try {
      return await fn();
    } catch (err) {
      log.warn("prompt failed", err);
      return undefined;
    }
  };
  return deadline ? deadline.pausedWhile(run) : run();
}
