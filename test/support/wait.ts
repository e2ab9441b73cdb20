/** Polls until `fn` returns a truthy value; rejects with what it was waiting for on timeout. */
export function waitFor<T>(what: string, fn: () => T | undefined | false | null, timeoutMs = 30_000, intervalMs = 25): Promise<T> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v: T | undefined | false | null;
      try {
        v = fn();
      } catch (err) {
        return reject(err);
      }
      if (v) return resolve(v);
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, intervalMs);
    };
    tick();
  });
}
