// 6c. First connect after activation, in one cold Node process (the child of bench/first-connect.ts): load the
// production dist/extension.js and activate() it against a stub `vscode` API, then read the API's
// `connections` (with the split bundles this requires dist/core.js — the code the first connect needs —
// with the single bundle it is already there), then connect the real ConnectionManager → OperatorClient to the
// bench's gateway until hello-ok. So moving work out of activation cannot hide it: the total is what the user
// waits for from start-up to a first connection. Prints "RESULT {activateMs, coreLoadMs, connectMs, totalMs}".
// Usage: node first-connect.bench.js <dist/extension.js> <package.json> <ws url> <token>
import { installForConnect, listenerErrors } from "./vscode-stub";

const [file, pkgFile, url, token] = process.argv.slice(2) as [string, string, string, string];
const ctx = installForConnect(pkgFile);

interface Api {
  connections: { connect(t: { label: string; url: string; token: string }): Promise<unknown>; disconnect(): Promise<void> };
}

async function main() {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(file) as { activate: (c: unknown) => Api };
  const api = ext.activate(ctx);
  const t1 = performance.now();
  const connections = api.connections;
  const t2 = performance.now();
  await connections.connect({ label: "bench", url, token });
  const t3 = performance.now();
  console.log(`RESULT ${JSON.stringify({ activateMs: t1 - t0, coreLoadMs: t2 - t1, connectMs: t3 - t2, totalMs: t3 - t0 })}`);
  await connections.disconnect();
  if (listenerErrors.length) throw new Error(`an event listener threw: ${listenerErrors[0]}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
