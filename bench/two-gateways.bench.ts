// 8c. Extension-host memory with two gateways connected, in one cold Node process (the child of
// bench/two-gateways.ts, run with --expose-gc): the production dist/extension.js activated against the stub
// `vscode` API, then, each measured after forced GC and a settle:
//   0 activated (core not loaded) · 1 core loaded (api.gateways), nothing connected ·
//   2 gateway "" connected directly (ws://) · 2b the SSH bundle required in this thread, no tunnel yet · 3 gateway "vps" connected alongside through the real sshd, with the
//   SSH tunnel opened as openTransport opens it (the SSH bundle required lazily, ssh2 in a worker thread running
//   that bundle) · 4 both disconnected (tunnel closed, worker gone).
// Prints "RESULT [{step, rss, heapUsed, external, arrayBuffers}]" (bytes, absolute; the parent takes deltas).
// gc() collects this thread's isolate only: the worker's heap is not forced, and it shows in RSS alone.
// Usage: node --expose-gc two-gateways.bench.js <dist/extension.js> <package.json> <json: TwoGatewaysArgs>
import path from "node:path";
import type * as SshTransport from "../src/gateway/ssh/main-thread";
import { installForConnect, listenerErrors } from "./vscode-stub";

export interface TwoGatewaysArgs {
  direct: { url: string; token: string };
  ssh: { sshdPort: number; remotePort: number; token: string; identityFile: string; home: string; knownHostsPath: string };
  settleMs: number;
}

interface Manager {
  readonly state: { status: string };
  connect(t: { label: string; url: string; token: string; dispose?: () => Promise<void> }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface Api {
  gateways: { get(key: string): Manager; live(): Manager[] };
}

const [file, pkgFile, json] = process.argv.slice(2) as [string, string, string];
const args = JSON.parse(json) as TwoGatewaysArgs;
const ctx = installForConnect(pkgFile);
const gc = (globalThis as { gc?: () => void }).gc;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const samples: { step: number; rss: number; heapUsed: number; external: number; arrayBuffers: number }[] = [];

async function measure(step: number): Promise<void> {
  for (let i = 0; i < 3; i++) gc!();
  // Sockets closing, a worker exiting, the gateway's first events: let them land, then collect again.
  await sleep(args.settleMs);
  for (let i = 0; i < 3; i++) gc!();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  samples.push({ step, rss, heapUsed, external, arrayBuffers });
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`expected ${what}`);
}

async function main() {
  if (!gc) throw new Error("run with --expose-gc");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = (require(file) as { activate: (c: unknown) => Api }).activate(ctx);
  await measure(0);
  const gateways = api.gateways; // loads dist/core.js
  await measure(1);

  const home = gateways.get("");
  await home.connect({ label: "bench direct", ...args.direct });
  expect(home.state.status === "connected", `gateway "" connected, got ${home.state.status}`);
  await measure(2);

  // As connection/ssh-transport.ts + targets.ts openTransport: this thread loads the main-thread SSH bundle
  // (ssh-main.js: targets, errors, the worker proxy); ssh2 (ssh-tunnel.js) runs in the tunnel's worker only.
  const sshBundle = path.join(path.dirname(file), "ssh-tunnel.js");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openSshTunnel } = require(path.join(path.dirname(file), "ssh-main.js")) as typeof SshTransport;
  // Step "2b" (sent as 2.5): what the SSH code costs this thread by itself, before any tunnel.
  await measure(2.5);
  const s = args.ssh;
  const refuse = { confirmHostKey: async () => false, passphrase: async () => undefined, password: async () => undefined };
  const tunnel = await openSshTunnel(
    { target: `root@127.0.0.1:${s.sshdPort}`, remotePort: s.remotePort, identityFile: s.identityFile, home: s.home, knownHostsPath: s.knownHostsPath, globalKnownHostsPaths: [], agent: null, prompts: refuse },
    { bundle: sshBundle },
  );
  expect(tunnel.runsIn === "worker", `the tunnel in a worker thread, got ${tunnel.runsIn}`);
  const vps = gateways.get("vps");
  await vps.connect({ label: `ssh root@127.0.0.1:${s.sshdPort}`, url: tunnel.url, token: s.token, dispose: () => tunnel.close() });
  expect(vps.state.status === "connected" && gateways.live().length === 2, `both gateways live, got ${gateways.live().length}`);
  await measure(3);

  await Promise.all([home.disconnect(), vps.disconnect()]);
  expect(gateways.live().length === 0, "no live gateway after disconnect");
  expect(tunnel.state.status === "closed", `the tunnel closed by the disconnect, got ${tunnel.state.status}`);
  await measure(4);
  if (listenerErrors.length) throw new Error(`an event listener threw: ${listenerErrors[0]}`);
  console.log(`RESULT ${JSON.stringify(samples)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
