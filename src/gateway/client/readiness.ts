// The gateway's own readiness answer, `GET /readyz` on its WebSocket port: {ready:true} once startup is
// complete (observed on 2026.5.7 … 2026.9.6). One cheap HTTP request instead of a WebSocket handshake, so
// the operator client can wait for a starting or restarting gateway without hammering it with connects
// (ReadinessPoll). Plain ws:// only (loopback, SSH tunnel, tailnet): wss:// keeps the reference client's
// pacing, since its TLS pin lives in that client.
import { get as httpGet } from "node:http";

/** The first poll comes this soon; each next one 1.5 × later, up to MAX_POLL_MS. */
const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 2000;
/** After a drop, /readyz is watched this long; then the reference client's backoff alone goes on. */
const AFTER_DROP_WATCH_MS = 10 * 60_000;
/** While a gateway starts, a handshake is still tried this often even if /readyz says not ready. */
const STARTUP_HANDSHAKE_EVERY_MS = 10_000;

/** The /readyz URL for a plain ws:// gateway URL; null for wss:// (its certificate pin lives in the reference client). */
export function readyUrl(wsUrl: string): URL | null {
  try {
    const url = new URL("/readyz", wsUrl.replace(/^ws:/i, "http:"));
    return url.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

/** true: ready; false: answered but not ready (or not a gateway); undefined: no answer. */
export function fetchReady(url: URL, timeoutMs = 2000): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on("end", () => {
        try {
          resolve((JSON.parse(body) as { ready?: unknown }).ready === true);
        } catch {
          resolve(false);
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

/**
 * The client's one /readyz poll (a new one replaces the last). `live` is asked before each poll and with
 * each answer: once it says false the poll ends without a word.
 */
export class ReadinessPoll {
  private timer: NodeJS.Timeout | null = null;

  /**
   * After a drop, the reference client retries with backoff growing to 30 s, so a gateway that takes 35 s
   * to restart would be found up to 30 s late. Polls instead (0.5 s, growing to 2 s) and calls `onReady`
   * the moment the gateway says ready. False for a URL without /readyz (wss://).
   */
  afterDrop(wsUrl: string, live: () => boolean, onReady: () => void): boolean {
    this.stop();
    const url = readyUrl(wsUrl);
    if (!url) return false;
    const deadline = Date.now() + AFTER_DROP_WATCH_MS;
    const stillLive = () => live() && Date.now() < deadline;
    let delay = FIRST_POLL_MS;
    const schedule = () => {
      if (!stillLive()) return;
      this.timer = setTimeout(poll, delay);
      this.timer.unref?.();
      delay = Math.min(delay * 1.5, MAX_POLL_MS);
    };
    const poll = () => {
      this.timer = null;
      if (!stillLive()) return;
      void fetchReady(url).then((ready) => {
        if (!ready || !stillLive()) return schedule();
        onReady();
      });
    };
    schedule();
    return true;
  }

  /**
   * A gateway that is up but still starting refuses every connect and asks for a retry every 500 ms; a
   * 30 s start would cost ~60 full handshakes. Polls instead and calls `onDue(ready)` once the gateway
   * says ready — or, in case readiness stays false for a reason that does not block operators (a broken
   * channel account), once STARTUP_HANDSHAKE_EVERY_MS passed. False for a URL without /readyz (wss://).
   */
  duringStartup(wsUrl: string, live: () => boolean, onDue: (ready: boolean) => void): boolean {
    const url = readyUrl(wsUrl);
    if (!url) return false;
    this.stop();
    const handshakeAt = Date.now() + STARTUP_HANDSHAKE_EVERY_MS;
    let delay = FIRST_POLL_MS;
    const poll = () => {
      this.timer = null;
      if (!live()) return;
      void fetchReady(url).then((ready) => {
        if (!live() || this.timer) return; // ended, or a newer poll took over meanwhile
        if (ready || Date.now() >= handshakeAt) return onDue(ready === true);
        this.timer = setTimeout(poll, delay);
        this.timer.unref?.();
        delay = Math.min(delay * 1.5, MAX_POLL_MS);
      });
    };
    this.timer = setTimeout(poll, delay);
    this.timer.unref?.();
    return true;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
