// A stub `vscode` API for loading the production bundles in a plain cold Node process (bench/activation.bench.ts,
// bench/first-connect.bench.ts, bench/two-gateways.bench.ts). Every property answers another stub; `get`
// (settings, state) answers undefined, so the extension sees defaults (autoConnect off). Where the extension's
// own logic depends on VS Code's behaviour — events (Gateways follows each ConnectionManager's), disposables,
// settings reads (krabkrab.activeProfile) — the stub behaves like VS Code instead of answering a stub, so the
// code measured is the code that runs. A stub, so figures taken with it are a floor: VS Code's own API objects cost more.
import { readFileSync } from "node:fs";
import Module from "node:module";

export function stub(name: string): unknown {
  const f = function () {
    return stub(`${name}()`);
  };
  const set = new Map<PropertyKey, unknown>();
  return new Proxy(f, {
    set: (_t, p, v) => (set.set(p, v), true),
    get(_t, p) {
      if (set.has(p)) return set.get(p);
      if (p === "then") return undefined; // not a thenable
      if (p === "get") return () => undefined;
      if (p === Symbol.toPrimitive) return () => "";
      if (p === Symbol.iterator) return function* () {};
      return stub(`${name}.${String(p)}`);
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`) as object,
  });
}

/** vscode.Disposable: runs its callback once. */
class Disposable {
  private fn: (() => unknown) | undefined;
  constructor(fn: () => unknown) {
    this.fn = fn;
  }
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose(): void {
    const fn = this.fn;
    this.fn = undefined;
    fn?.();
  }
}

/** Listener errors found by the stub's EventEmitter (VS Code logs and swallows them; the bench reports them). */
export const listenerErrors: string[] = [];

/** vscode.EventEmitter: listeners really run (and are really held), as in VS Code. */
class EventEmitter<T> {
  private listeners = new Set<(e: T) => unknown>();
  readonly event = (listener: (e: T) => unknown, thisArg?: unknown, disposables?: Disposable[]): Disposable => {
    const f = thisArg === undefined ? listener : listener.bind(thisArg);
    this.listeners.add(f);
    const d = new Disposable(() => this.listeners.delete(f));
    disposables?.push(d);
    return d;
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        listenerErrors.push((err as Error)?.stack ?? String(err));
      }
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}

/** workspace.getConfiguration answering from `settings` ("krabkrab.activeProfile" → value), all at user scope. */
function configuration(settings: Record<string, unknown>) {
  return (section = "") => {
    const full = (key: string) => (section ? `${section}.${key}` : key);
    return {
      get: <T>(key: string, dflt?: T) => (full(key) in settings ? (settings[full(key)] as T) : dflt),
      has: (key: string) => full(key) in settings,
      inspect: (key: string) => ({ key: full(key), globalValue: settings[full(key)] }),
      update: async (key: string, value: unknown) => void (settings[full(key)] = value),
    };
  };
}

// esbuild's __toESM copies the module's own keys: name the API namespaces the extension uses.
const API = ["MarkdownString", "ProgressLocation", "StatusBarAlignment", "ThemeColor", "ThemeIcon", "Uri", "commands", "env", "extensions", "l10n", "window", "LogLevel", "ConfigurationTarget", "ViewColumn"];

/**
 * Makes `require("vscode")` answer the stub; `overrides` replace whole namespaces (e.g. `env`); `settings`
 * are what workspace.getConfiguration reads (unset keys: undefined, i.e. the defaults).
 */
export function installVscodeStub(overrides: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): void {
  const workspace = stub("vscode.workspace") as Record<string, unknown>;
  workspace.getConfiguration = configuration(settings);
  const vscodeStub = { ...Object.fromEntries(API.map((k) => [k, stub(`vscode.${k}`)])), Disposable, EventEmitter, workspace, ...overrides };
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: unknown })._load = function (req: string, ...rest: unknown[]) {
    return req === "vscode" ? vscodeStub : load.call(this, req, ...rest);
  };
}

/**
 * The stub vscode API plus an ExtensionContext with what connecting touches: secret storage (device identity,
 * device tokens) and globalState as in-memory maps, the manifest from `pkgFile`.
 */
export function installForConnect(pkgFile: string, settings: Record<string, unknown> = {}): unknown {
  const env = stub("vscode.env") as Record<string, unknown>;
  env.appName = "bench";
  env.machineId = "bench-machine";
  installVscodeStub({ env }, settings);
  const secrets = new Map<string, string>();
  const state = new Map<string, unknown>();
  const ctx = stub("context") as Record<string, unknown>;
  ctx.secrets = { get: async (k: string) => secrets.get(k), store: async (k: string, v: string) => void secrets.set(k, v), delete: async (k: string) => void secrets.delete(k), onDidChange: () => new Disposable(() => {}) };
  ctx.globalState = { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] };
  ctx.extension = { packageJSON: JSON.parse(readFileSync(pkgFile, "utf8")) };
  ctx.subscriptions = [];
  return ctx;
}
