// Today's usage and cost for the status bar's tooltip and the dashboard: sessions.usage for today's date in
// this machine's time zone (tokens, estimated cost, messages) where the gateway advertises it, else usage.cost
// for one day (tokens, cost), and usage.status (the providers' plan windows, where a provider reports them).
// Read on connect, a few seconds after a run finishes, and every five minutes while connected; only what the
// gateway offers (hello-ok.features.methods) is asked.
import { Disposable, toDisposable } from "../../shared/base/lifecycle";
import { localDate, sessionSettingsSupport, type Logger, type OperatorClient } from "../../gateway";
import { usageToday, type UsageToday } from "../common/session-info";
import type { ConnectionManager } from "../connection/connection-manager";

const EVERY_MS = 5 * 60_000;
const AFTER_RUN_MS = 3_000;
const REFRESHING_MS = 5_000;

export class UsageMonitor extends Disposable {
  /** One monitor per gateway, for that gateway's dashboard. */
  private static readonly all = new Map<ConnectionManager, UsageMonitor>();

  static of(connections: ConnectionManager): UsageMonitor | undefined {
    return UsageMonitor.all.get(connections);
  }

  private last: UsageToday | null = null;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<UsageToday | null> | null = null;

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: Logger,
    private readonly onChange: (today: UsageToday | null) => void,
  ) {
    super();
    UsageMonitor.all.set(connections, this);
    this._register(
      connections.followClients((client) => {
        this.schedule(0);
        // A finished run has spent tokens: count again shortly after (the gateway writes usage at run end).
        const onChat = (e: { state: string }) => {
          if (e.state === "final" || e.state === "error" || e.state === "aborted") this.schedule(AFTER_RUN_MS);
        };
        client.on("chat", onChat);
        return () => client.off("chat", onChat);
      }),
    );
    this._register(
      connections.onDidChange(() => {
        if (connections.state.status === "disconnected" && this.last) {
          this.last = null;
          this.onChange(null);
        }
      }),
    );
    this._register(toDisposable(() => clearTimeout(this.timer)));
  }

  get today(): UsageToday | null {
    return this.last;
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  /** Reads today's usage now (concurrent calls share one read); null when not connected or not offered. */
  refresh(): Promise<UsageToday | null> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
      if (this.connections.current && !this.timer) this.schedule(EVERY_MS);
    });
    return this.reading;
  }

  private async read(): Promise<UsageToday | null> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.connections.current;
    if (!c || c.state.status !== "connected" || !sessionSettingsSupport(c.hello?.methods).usage) return this.set(null);
    // sessions.usage where offered (today in this machine's time zone, with message counts), else usage.cost for one day.
    const totals = c.hello?.methods.includes("sessions.usage")
      ? this.ask(c, "sessions.usage", () => c.sessionsUsage(todayRange()))
      : this.ask(c, "usage.cost", () => c.usageCost(1));
    const [usage, status] = await Promise.all([totals, this.ask(c, "usage.status", () => c.usageStatus())]);
    if (!usage && !status) return this.set(null);
    const today = usageToday(usage, status);
    // A cold cache answers at once with what it has counted so far: ask again shortly.
    if (today.refreshing) this.schedule(REFRESHING_MS);
    return this.set(today);
  }

  private async ask<T>(c: OperatorClient, method: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (!c.hello?.methods.includes(method)) return undefined;
    try {
      return await fn();
    } catch (err) {
      this.log.warn(`${method}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private set(today: UsageToday | null): UsageToday | null {
    const changed = JSON.stringify(today) !== JSON.stringify(this.last);
    this.last = today;
    if (changed) this.onChange(today);
    return today;
  }

  override dispose(): void {
    if (UsageMonitor.all.get(this.connections) === this) UsageMonitor.all.delete(this.connections);
    super.dispose();
  }
}

function todayRange(): { startDate: string; endDate: string; timeZone?: string } {
  const date = localDate();
  let timeZone: string | undefined;
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    timeZone = undefined;
  }
  return { startDate: date, endDate: date, timeZone };
}
