// Liveness: the gateway sends a tick every interval, so a connection that stays silent much longer is dead
// (a frozen gateway, a link that went dark). The reference client's own tick watch checks only once per tick
// interval and closes gracefully, which against a frozen peer waits another 30 s for the close handshake;
// it is switched off (WATCH_DISABLED_MS) and this watchdog drops the socket at once instead.
import type { GatewayClient } from "@openclaw/gateway-client";
import type { GatewayIssue } from "../errors";

/** Disables the reference client's tick watch (a gap larger than this never happens). */
export const WATCH_DISABLED_MS = 2 ** 31 - 1;
/** A watchdog timer this late means this process was not running (sleep, blocked loop), not the gateway. */
const LATE_TIMER_MS = 1000;
/** The tick interval assumed when hello-ok does not give one (the gateway's default). */
const DEFAULT_TICK_INTERVAL_MS = 30_000;

/** The silence after which a connection is dropped: the configured limit, else 2 × the gateway's tick interval. */
export function watchTimeoutMs(configuredMs: number | undefined, tickIntervalMs: number | undefined): number {
  return configuredMs ?? 2 * (tickIntervalMs && tickIntervalMs > 0 ? tickIntervalMs : DEFAULT_TICK_INTERVAL_MS);
}

/**
 * One timer, due when the silence would reach the limit (so detection is not a check interval late). A
 * timer that fires well after it was due (the machine slept, or the event loop was blocked) only re-arms
 * briefly: frames that arrived meanwhile are still in the socket buffer and are read first, so a sleep
 * does not by itself count as silence.
 */
export class Watchdog {
  private lastFrameAt = 0;
  private timer: NodeJS.Timeout | null = null;

  /** A frame arrived (an event, or the answer to a request). */
  frame(): void {
    this.lastFrameAt = Date.now();
  }

  /**
   * Watches from now on, replacing any earlier watch. When the timer fires, `isCurrent` says whether the
   * watched connection is still the one that matters (a replaced client's watch ends quietly); `onSilent`
   * is called once the silence reached `timeoutMs`, with how long it lasted.
   */
  start(timeoutMs: number, isCurrent: () => boolean, onSilent: (silentMs: number) => void): void {
    this.stop();
    this.lastFrameAt = Date.now();
    const arm = (delayMs: number) => {
      const due = Date.now() + delayMs;
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!isCurrent()) return;
        const now = Date.now();
        if (now - due > LATE_TIMER_MS) return arm(50);
        const silentMs = now - this.lastFrameAt;
        if (silentMs < timeoutMs) return arm(timeoutMs - silentMs);
        onSilent(silentMs);
      }, delayMs);
      this.timer.unref?.();
    };
    arm(timeoutMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** What the state says after the watchdog dropped a silent connection: retried, nothing for the user to do. */
export function silenceIssue(silentMs: number): GatewayIssue {
  return { kind: "unreachable", message: `The gateway stopped answering (nothing received for ${Math.round(silentMs / 1000)} s).`, nextStep: "Nothing to do: the client reconnects when it answers again.", retrying: true };
}

/**
 * Drops the reference client's current socket without a close handshake. The pinned GatewayClient
 * (2026.9.1) keeps it in `ws` and reconnects on the resulting close (1006) as on any other drop.
 */
export function terminateSocket(client: GatewayClient): boolean {
  const ws = (client as unknown as { ws?: { terminate?: () => void } | null }).ws;
  if (!ws || typeof ws.terminate !== "function") return false;
  ws.terminate();
  return true;
}
