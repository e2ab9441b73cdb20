// Several gateways at once (a home server and a VPS): one ConnectionManager per profile, each with its own
// client, transport, chat sessions and device tokens. Views that show "the" gateway ask this which one: the
// `primary` (the active profile's when it is live), or the user when several are live and nothing names one.
import * as vscode from "vscode";
import type { Logger, SecretStore } from "../../gateway";
import { ConnectionManager } from "./connection-manager";
import { userSetting } from "./settings-light";

/** What a command argument names: a profile (`"vps"`, `{ profile: "vps" }`); "" is the default target. */
export function profileArg(arg: unknown): string | undefined {
  if (typeof arg === "string") return arg;
  if (arg && typeof arg === "object" && typeof (arg as { profile?: unknown }).profile === "string") return (arg as { profile: string }).profile;
  return undefined;
}

export class Gateways implements vscode.Disposable {
  private readonly byKey = new Map<string, ConnectionManager>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly added = new vscode.EventEmitter<ConnectionManager>();
  /** A gateway's connection was created (once per profile; views and monitors follow it from then on). */
  readonly onDidAdd = this.added.event;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Any gateway's state changed. */
  readonly onDidChange = this.changed.event;
  /** Keys in the order they last connected (most recent last): the primary's fallback. */
  private readonly recency: string[] = [];

  constructor(private readonly make: (key: string) => ConnectionManager) {}

  static create(context: vscode.ExtensionContext, secrets: SecretStore, log: Logger): Gateways {
    return new Gateways((key) => new ConnectionManager(key, context, secrets, key ? log.child(key) : log));
  }

  /** The connection of a profile, created on first use. */
  get(key: string): ConnectionManager {
    let m = this.byKey.get(key);
    if (m) return m;
    m = this.make(key);
    this.byKey.set(key, m);
    const conn = m;
    this.subs.push(
      m.onDidChange(() => this.changed.fire()),
      m.onDidConnect(() => {
        const i = this.recency.indexOf(key);
        if (i >= 0) this.recency.splice(i, 1);
        this.recency.push(key);
        this.changed.fire();
      }),
    );
    this.added.fire(conn);
    return m;
  }

  find(key: string): ConnectionManager | undefined {
    return this.byKey.get(key);
  }

  all(): ConnectionManager[] {
    return [...this.byKey.values()];
  }

  /** Connected, connecting or reconnecting: what the status bar and the views show. */
  live(): ConnectionManager[] {
    return this.all().filter((m) => m.state.status !== "disconnected");
  }

  /** The key a connect without a named profile uses: the active profile's ("" = the default target). */
  defaultKey(): string {
    // Read on every status change (the primary is asked often): the plain setting, not the validated profiles.
    const active = userSetting<unknown>("activeProfile");
    return typeof active === "string" ? active.trim() : "";
  }

  /**
   * "The" gateway when nothing names one: the active profile's when it is live, else the one connected most
   * recently that is still live, else the active profile's (disconnected).
   */
  get primary(): ConnectionManager {
    const active = this.byKey.get(this.defaultKey());
    if (active && active.state.status !== "disconnected") return active;
    const live = this.live();
    for (const key of [...this.recency].reverse()) {
      const m = live.find((x) => x.key === key);
      if (m) return m;
    }
    return live[0] ?? this.get(this.defaultKey());
  }

  /**
   * The gateway a command acts on: the profile its argument names; the only live one; else the user picks
   * among the live ones (undefined when they cancel). With none live, the primary (its command then says
   * "not connected").
   */
  async pick(arg: unknown, title: string): Promise<ConnectionManager | undefined> {
    const named = profileArg(arg);
    if (named !== undefined) return this.get(named);
    const live = this.live();
    if (live.length <= 1) return live[0] ?? this.primary;
    const primary = this.primary;
    const items = live.map((m) => ({ label: `$(${m.state.status === "connected" ? "plug" : "sync"}) ${m.name}`, description: [m.targetLabel, m.state.status === "connected" ? m.state.serverVersion : m.state.status].filter(Boolean).join(" · "), detail: m === primary ? "the default gateway (krabkrab.activeProfile)" : undefined, m }));
    const pick = await vscode.window.showQuickPick(items, { title: `KrabKrab: ${title} — which gateway?` });
    return pick?.m;
  }

  async disconnectAll(): Promise<void> {
    await Promise.all(this.all().map((m) => m.disconnect()));
  }

  dispose(): void {
    for (const m of this.byKey.values()) m.dispose();
    for (const s of this.subs) s.dispose();
    this.added.dispose();
    this.changed.dispose();
  }
}
