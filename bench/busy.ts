// A synthetic load on the thread that runs the WebSocket client — the extension host's real life: other
// extensions, language features and the UI's RPC keep its one JS thread busy. Every `periodMs` the thread
// spins for `spinMs` (default 8 of 16 ms ≈ 50 %), so anything that needs this thread (our WebSocket client,
// and an in-thread ssh2 tunnel) waits up to `spinMs` per turn, as it would behind other work.

export interface BusyLoad {
  /** Stops the load; returns the share of wall time spent spinning while it ran. */
  stop(): { share: number; wallMs: number };
}

export function busyMainThread(spinMs = 8, periodMs = 16): BusyLoad {
  let spun = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const start = performance.now();
    const end = start + spinMs;
    while (performance.now() < end) {
      /* busy: this thread does nothing else meanwhile */
    }
    spun += performance.now() - start;
  }, periodMs);
  return {
    stop: () => {
      clearInterval(timer);
      const wallMs = performance.now() - t0;
      return { share: spun / wallMs, wallMs };
    },
  };
}
