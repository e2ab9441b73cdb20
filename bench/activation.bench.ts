// 6b. Activation cost of the production bundle in a cold Node process: loading dist/extension.js (parse +
// evaluate every module) and calling activate() against a stub `vscode` API. NOT the real VS Code extension
// host's timing (not measured yet), but the same code-loading work, which dominates activation here.
// Prints "RESULT {loadMs, activateMs}". The stub answers every property with another stub; `get` (settings,
// secrets, state) answers undefined, so activation sees defaults (autoConnect off: no network work).
// A stub, so the absolute figure is a floor: VS Code's own API objects cost more.
import { installVscodeStub, stub } from "./vscode-stub";

const file = process.argv[2]!;
installVscodeStub();
const t0 = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require(file) as { activate: (ctx: unknown) => unknown };
const t1 = performance.now();
ext.activate(stub("context"));
const t2 = performance.now();
console.log(`RESULT ${JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1 })}`);
process.exit(0);
