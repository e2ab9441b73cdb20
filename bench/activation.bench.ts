// 6b. Activation cost of the production bundle in a cold Node process: loading dist/extension.js (parse +
// evaluate every module) and calling activate() against a stub `vscode` API. NOT the real VS Code extension
// host's timing (not measured yet), but the same code-loading work, which dominates activation here.
// Prints "RESULT {loadMs, activateMs}". The stub answers every property with another stub; `get` (settings,
// secrets, state) answers undefined, so activation sees defaults (autoConnect off: no network work).
// A stub, so the absolute figure is a floor: VS Code's own API objects cost more.
import Module from "node:module";

function stub(name: string): unknown {
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
const vscodeStub = Object.fromEntries(API.map((k) => [k, stub(`vscode.${k}`)]));

const file = process.argv[2]!;
const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: unknown })._load = function (req: string, ...rest: unknown[]) {
  return req === "vscode" ? vscodeStub : load.call(this, req, ...rest);
};
const t0 = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require(file) as { activate: (ctx: unknown) => unknown };
const t1 = performance.now();
ext.activate(stub("context"));
const t2 = performance.now();
console.log(`RESULT ${JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1 })}`);
process.exit(0);
