// Interleaved connect / disconnect / switch-profile / cancel against the real gateway, a real sshd tunnel
// and a local attach, driven through the ConnectionSlot exactly as the extension's Connector drives it
// (begin → resolve → ready → open the transport with the attempt's signal → connect). Whatever the
// interleaving, the end holds exactly what the last command asked for: one live client and one tunnel,
// or nothing — no stray client, listener, SSH connection or process. Also: a tunnel that gives up on a
// changed host key pauses the client with the reason instead of "reconnecting" forever.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, readlinkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createDeviceIdentity, GatewayIssueError, LocalGateway, MemorySecretStore, OperatorClient, type SecretStore } from "../../src/gateway";
import { cancelledError, ConnectionSlot, isCancelled, type ConnectAttempt, type SlotTarget } from "../../src/gateway/connection-slot";
import { SshTunnel, type SshPrompts } from "../../src/gateway/ssh";
import { sshKeygen, startSshd, type SshdHandle } from "../fixtures/sshd";
import { realGateway, waitFor } from "../support/real-peers";

const work = mkdtempSync(path.join(process.env.KRABKRAB_TEST_WORKDIR || os.tmpdir(), "connect-races-"));
const sshds: SshdHandle[] = [];
let sshd: SshdHandle;
let userKey: string;
let home: string;

before(async () => {
  sshd = await startSshd({ rootDir: path.join(work, "sshd") });
  sshds.push(sshd);
  userKey = sshKeygen(path.join(work, "id_user"));
  sshd.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
  home = trustingHome([sshd]);
});
after(async () => {
  for (const s of sshds) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

function trustingHome(trust: SshdHandle[]): string {
  const h = mkdtempSync(path.join(work, "home-"));
  mkdirSync(path.join(h, ".ssh"), { mode: 0o700 });
  writeFileSync(path.join(h, ".ssh", "known_hosts"), trust.map((s) => `[127.0.0.1]:${s.port} ${s.hostPublicKey}`).join("\n") + "\n", { mode: 0o600 });
  return h;
}

const refusing: SshPrompts = {
  confirmHostKey: async () => false,
  passphrase: async () => undefined,
  password: async () => undefined,
};

/** SecretStorage is async IPC in VS Code: a store that answers after a random few ms widens the windows. */
function slowSecrets(rand: () => number): SecretStore {
  const m = new MemorySecretStore();
  const later = <T>(f: () => Promise<T>) => new Promise<T>((r) => setTimeout(() => r(f()), Math.floor(rand() * 8)));
  return { get: (k) => later(() => m.get(k)), store: (k, v) => later(() => m.store(k, v)), delete: (k) => later(() => m.delete(k)) };
}

/** A small seeded PRNG: a failing interleaving can be replayed with the same seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

type Kind = "direct" | "ssh" | "local";

function harness(seed: number, sshdPort: number, homeDir: string) {
  const gw = realGateway();
  const rand = prng(seed);
  const secrets = slowSecrets(rand);
  const identity = createDeviceIdentity(); // one per installation, as the extension keeps it
  const slot = new ConnectionSlot<SlotTarget & { kind: Kind }>(async (_t, req) => {
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 5))); // the identity load
    return new OperatorClient({ url: _t.url, token: _t.token, identity, secrets, scopes: req.scopes, credentialScope: _t.credentialScope, clientVersion: "0.0.0-test", waitForGatewayMs: 5_000 });
  });
  const open = async (kind: Kind, signal: AbortSignal): Promise<SlotTarget & { kind: Kind }> => {
    if (kind === "direct") return { kind, url: gw.url, token: gw.token };
    if (kind === "local") {
      const lg = await LocalGateway.start({ port: gw.port, token: gw.token, command: "/bin/false", signal });
      return { kind, url: lg.url, token: gw.token, local: lg, dispose: () => lg.stop() };
    }
    const t = await SshTunnel.open({ target: `root@127.0.0.1:${sshdPort}`, remotePort: gw.port, identityFile: userKey, home: homeDir, agent: null, globalKnownHostsPaths: [], prompts: refusing, signal, maxReconnectAttempts: 50, reconnectMinDelayMs: 100, reconnectMaxDelayMs: 300 });
    return { kind, url: t.url, token: gw.token, credentialScope: `ssh://127.0.0.1:${sshdPort}|${gw.port}`, tunnel: t, dispose: () => t.close() };
  };
  const attempts: ConnectAttempt[] = [];
  /** What the Connector does for one connect command. */
  const connect = async (kind: Kind) => {
    const a = slot.begin({ keepCurrent: true });
    attempts.push(a);
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 6))); // resolving the profile (settings, secrets)
    if (!a.live) throw cancelledError();
    await a.ready();
    if (!a.live) throw cancelledError();
    let target: SlotTarget & { kind: Kind };
    try {
      target = await open(kind, a.signal);
    } catch (err) {
      if (!a.live) throw cancelledError();
      throw err;
    }
    return slot.connect(a, target);
  };
  return { gw, rand, slot, connect, attempts };
}

/** This process's TCP sockets (by fd): listeners and established connections with their remote port. */
function ourSockets(): { listening: number[]; remotePorts: number[] } {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const listening: number[] = [];
  const remotePorts: number[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const port = (addr: string) => parseInt(addr.split(":").at(-1)!, 16);
      if (f[3] === "0A") listening.push(port(f[1]!));
      else if (f[3] === "01") remotePorts.push(port(f[2]!));
    }
  }
  return { listening: listening.sort(), remotePorts: remotePorts.sort() };
}

/** Child processes of this test process other than the sshd fixtures. */
function strayChildren(): number[] {
  const fixture = new Set(sshds.flatMap((s) => s.processes()));
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && !fixture.has(Number(name))) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

test("50 interleaved connect / disconnect / switch-profile / scope-upgrade / cancel cycles end in exactly the state the last command asked for", { timeout: 120_000 }, async () => {
  const seed = Number(process.env.KRABKRAB_RACE_SEED ?? 0x5eed);
  const { gw, rand, slot, connect, attempts } = harness(seed, sshd.port, home);
  const baseline = ourSockets();
  const running: Promise<unknown>[] = [];
  const unexpected: string[] = [];
  const kinds: Kind[] = ["direct", "ssh", "local"];
  for (let i = 0; i < 50; i++) {
    const r = rand();
    let p: Promise<unknown>;
    if (r < 0.4) p = connect(kinds[Math.floor(rand() * 3)]!); // connect / switch profile
    else if (r < 0.5) p = slot.upgradeScopes(["operator.pairing"]).catch((e: Error) => (e instanceof GatewayIssueError && e.issue.kind === "not-connected" ? undefined : Promise.reject(e)));
    else if (r < 0.67) p = slot.disconnect();
    else p = attempts.length ? attempts[Math.floor(rand() * attempts.length)]!.cancel() : slot.disconnect(); // Cancel on any progress notification, stale or not
    running.push(p.catch((err: Error) => (isCancelled(err) ? undefined : unexpected.push(`cycle ${i}: ${err.message}`))));
    // Mostly a few ms apart (inside each other's awaits), sometimes long enough for a connect to finish.
    await new Promise((res) => setTimeout(res, rand() < 0.2 ? 150 + rand() * 300 : rand() * 15));
  }
  // The last command: switch to the SSH profile.
  const last = connect("ssh");
  await Promise.all(running);
  const client = await last;
  await slot.settled();
  assert.deepEqual(unexpected, [], "only superseded attempts fail, and they fail as cancelled");
  assert.equal(slot.current, client, "the slot holds the last command's client");
  assert.equal(client.state.status, "connected");
  assert.equal(slot.currentTarget?.kind, "ssh");
  assert.equal((await client.health()).ok !== undefined, true);
  // Let late callbacks of superseded clients run: a zombie would reconnect and show up here.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(OperatorClient.runningClients, 1, "exactly one live reference client in this process");
  const now = ourSockets();
  const tunnelPort = slot.currentTarget!.tunnel!.localPort;
  assert.deepEqual(now.listening, [...baseline.listening, tunnelPort].sort(), "one tunnel listener, no other leaked listener");
  assert.equal(now.remotePorts.filter((p) => p === sshd.port).length, 1, "one SSH connection");
  assert.equal(now.remotePorts.filter((p) => p === gw.port).length, 0, `no stray direct connection to the gateway (${JSON.stringify(now)})`);
  assert.equal(now.remotePorts.filter((p) => p === tunnelPort).length, 1, "one client socket into the tunnel");
  assert.deepEqual(strayChildren(), [], "no stray child process");

  // And the last command "Disconnect" leaves nothing at all.
  await slot.disconnect();
  await slot.settled();
  assert.equal(slot.current, null);
  await waitFor("every client stopped", () => OperatorClient.runningClients === 0, 5_000);
  const end = ourSockets();
  assert.deepEqual(end.listening, baseline.listening, "the tunnel listener is closed");
  assert.equal(end.remotePorts.filter((p) => p === sshd.port || p === gw.port || p === tunnelPort).length, 0, "no socket to sshd or the gateway is left");
});

test("a Cancel of a superseded connect leaves the newer connection alone", { timeout: 60_000 }, async () => {
  const { slot, connect, attempts } = harness(7, sshd.port, home);
  const first = connect("ssh").catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 5));
  const second = connect("direct");
  const client = await second;
  await attempts[0]!.cancel(); // the first notification's Cancel, clicked late
  assert.ok(isCancelled(await first));
  assert.equal(slot.current, client);
  assert.equal(client.state.status, "connected");
  await slot.disconnect();
  await slot.settled();
});

test("a tunnel that gives up on a changed host key pauses the client with the reason, not 'reconnecting' forever", { timeout: 90_000 }, async () => {
  const own = await startSshd({ rootDir: path.join(work, "sshd-rekeyed") });
  sshds.push(own);
  own.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
  const { slot, connect } = harness(11, own.port, trustingHome([own]));
  const runningBefore = OperatorClient.runningClients; // 0 unless an earlier test leaked (it says so itself)
  const client = await connect("ssh");
  const tunnel = slot.currentTarget!.tunnel!;
  own.kill("SIGKILL");
  await waitFor("client reconnecting", () => client.state.status === "reconnecting", 30_000);
  rmSync(own.hostKeyPath);
  rmSync(own.hostKeyPath + ".pub");
  sshKeygen(own.hostKeyPath, { comment: "replaced" });
  await own.restart();
  await waitFor("tunnel closed", () => tunnel.state.status === "closed", 30_000);
  const paused = await waitFor("client paused", () => (client.state.status === "paused" ? client.state : undefined), 10_000);
  assert.match(paused.issue.message, /HAS CHANGED/);
  assert.equal(paused.issue.retrying, false);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(client.state.status, "paused", "and it stays paused: no reconnect loop against the dead port");
  assert.equal(OperatorClient.runningClients, runningBefore, "no reference client keeps retrying");
  await slot.disconnect();
  await slot.settled();
});

test("a local gateway in a crash loop pauses the client with the reason once the gateway gives up", { timeout: 60_000 }, async () => {
  // A stand-in that answers /readyz like a gateway, refuses WebSockets, and dies soon after each start.
  const dir = mkdtempSync(path.join(work, "bin-"));
  writeFileSync(path.join(dir, "krabkrab"), `#!/usr/bin/env node
const http = require("http");
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
http.createServer((q, s) => s.end(JSON.stringify({ ready: true }))).listen(port, "127.0.0.1");
setTimeout(() => { console.error("fatal: simulated crash"); process.exit(1); }, 400);
`, { mode: 0o755 });
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const slot = new ConnectionSlot(async (t) => new OperatorClient({ url: t.url, token: t.token, identity: createDeviceIdentity(), clientVersion: "0.0.0-test" }));
  const runningBefore = OperatorClient.runningClients;
  const connecting = slot.connectTo(async (signal) => {
    const lg = await LocalGateway.start({ port, token: "tok-crash-loop-pause", env: { PATH: `${dir}:${process.env.PATH}` }, maxRestarts: 1, restartWindowMs: 60_000, signal });
    return { url: lg.url, token: "tok-crash-loop-pause", local: lg, dispose: () => lg.stop() };
  });
  connecting.catch(() => undefined); // the handshake fails against the stand-in; the state is what matters
  const local = await waitFor("the local gateway", () => slot.currentTarget?.local, 15_000);
  await waitFor("the local gateway gave up", () => local.state.status === "stopped", 30_000);
  const client = slot.current!;
  const paused = await waitFor("client paused", () => (client.state.status === "paused" ? client.state : undefined), 10_000);
  assert.match(paused.issue.message, /local gateway stopped[\s\S]*not restarting again/);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(client.state.status, "paused", "it stays paused");
  assert.equal(OperatorClient.runningClients, runningBefore, "no reference client keeps retrying the dead port");
  await slot.disconnect();
  await slot.settled();
});
