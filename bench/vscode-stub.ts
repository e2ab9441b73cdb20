// A stub `vscode` API for loading the production bundles in a plain cold Node process (bench/activation.bench.ts,
// bench/first-connect.bench.ts). Every property answers another stub; `get` (settings, state) answers
// undefined, so the extension sees defaults (autoConnect off). A stub, so figures taken with it are a floor:
// VS Code's own API objects cost more.
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

// esbuild's __toESM copies the module's own keys: name the API namespaces the extension uses.
const API = ["Disposable", "EventEmitter", "MarkdownString", "ProgressLocation", "StatusBarAlignment", "ThemeColor", "ThemeIcon", "Uri", "commands", "env", "extensions", "l10n", "window", "workspace", "LogLevel", "ConfigurationTarget", "ViewColumn"];

/** Makes `require("vscode")` answer the stub; `overrides` replace whole namespaces (e.g. `env`). */
export function installVscodeStub(overrides: Record<string, unknown> = {}): void {
  const vscodeStub = { ...Object.fromEntries(API.map((k) => [k, stub(`vscode.${k}`)])), ...overrides };
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: unknown })._load = function (req: string, ...rest: unknown[]) {
    return req === "vscode" ? vscodeStub : load.call(this, req, ...rest);
  };
}
