// Liveness against a fake gateway that ticks like the real one, at a short interval:
//  - a frozen peer (socket open, nothing read or sent) is dropped within 2× the tick interval, at once
//    (no 30 s wait for a close handshake it will never answer), and the client reconnects;
//  - a long gap on OUR side (event loop blocked, as when the machine sleeps) with the gateway still there:
//    no reconnect at all — the ticks that arrived meanwhile are read before the watchdog judges;
//  - a long gap during which the gateway went away: a clean reconnect with backoff, no storm of retries.
// The gateway runs in a child process so that blocking this process's event loop does not stop it.
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { ChatSession, createDeviceIdentity, OperatorClient, type ConnectionState } from "../../../src/gateway";
import { FakeGateway } from "../../support/fake-gateway";
import { waitFor } from "../../support/wait";

const TICK_MS = 200;

if (process.env.KRABKRAB_LIVENESS_CHILD) {
  const port = Number(process.env.KRABKRAB_LIVENESS_CHILD);
  void FakeGateway.start({
    port,
    tickIntervalMs: TICK_MS,
    sendTicks: true,
    methods: { health: () => ({ ok: true }), "chat.history": () => ({ sessionKey: "agent:main:main", messages: [] }) },
  }).then((fake) => {
    console.log(`READY ${fake.url}`);
    // Counts connections so the parent can tell a reconnect from a kept link.
    setInterval(() => console.log(`CONNS ${fake.connections.length}`), 50).unref();
  });
} else {
  registerTests();
}

function registerTests() {
  const children: ChildProcess[] = [];
  const clients: OperatorClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.disconnect()));
    for (const c of children) c.kill("SIGKILL");
  });

  function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }

  async function childGateway(port: number): Promise<{ child: ChildProcess; url: string; conns: () => number }> {
    const child = spawn(process.execPath, [__filename], { env: { ...process.env, KRABKRAB_LIVENESS_CHILD: String(port) }, stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    let conns = 0;
    let url = "";
    child.stdout!.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) {
        if (line.startsWith("READY ")) url = line.slice(6);
        if (line.startsWith("CONNS ")) conns = Number(line.slice(6));
      }
    });
    await waitFor("the child gateway", () => url, 10_000);
    return { child, url, conns: () => conns };
  }

  /** Blocks this thread (timers and I/O included), as a suspended machine would. */
  function blockEventLoop(ms: number) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }

  function client(url: string) {
    const c = new OperatorClient({ url, token: "liveness-token", identity: createDeviceIdentity(), clientVersion: "0.0.0-test" });
    clients.push(c);
    const states: (ConnectionState & { at: number })[] = [];
    c.on("state", (s) => states.push({ ...s, at: Date.now() }));
    return { c, states };
  }

  test("a frozen gateway (socket open, silent) is dropped within 2× the tick interval, then the client reconnects", { timeout: 30_000 }, async () => {
    const fake = await FakeGateway.start({ tickIntervalMs: TICK_MS, sendTicks: true, methods: { health: () => ({ ok: true }) } });
    try {
      const { c, states } = client(fake.url);
      await c.connect();
      await new Promise((r) => setTimeout(r, 5 * TICK_MS)); // ticks flow: no false alarm
      assert.equal(fake.connections.length, 1);
      // Freeze: the server stops reading and writing that socket, like a SIGSTOPped process.
      const frozen = fake.last;
      const sock = (frozen.ws as unknown as { _socket: import("node:net").Socket })._socket;
      sock.pause();
      frozen.sendRaw = () => {};
      frozen.event = () => {};
      const frozeAt = Date.now();
      await waitFor("the drop", () => states.find((s) => s.at >= frozeAt && s.status === "reconnecting"), 10_000);
      const dropped = states.find((s) => s.at >= frozeAt && s.status === "reconnecting")!;
      const took = dropped.at - frozeAt;
      assert.ok(took <= 2 * TICK_MS + 200, `detected after ${took} ms (limit 2 × ${TICK_MS} ms + timer slack)`);
      assert.match(dropped.status === "reconnecting" ? (dropped.issue?.message ?? "") : "", /stopped answering/);
      await waitFor("reconnected", () => c.state.status === "connected" && fake.connections.length === 2, 10_000);
      assert.equal((await c.health()).ok, true);
    } finally {
      await fake.close();
    }
  });

  test("the machine 'sleeps' (event loop blocked 2.5 s, 6× the watch limit) while the gateway stays up: no reconnect", { timeout: 30_000 }, async () => {
    const gw = await childGateway(await freePort());
    const { c, states } = client(gw.url);
    await c.connect();
    const chat = new ChatSession(c, "main");
    let resyncs = 0;
    chat.on("change", () => resyncs++);
    await new Promise((r) => setTimeout(r, 3 * TICK_MS));
    const before = states.length;
    blockEventLoop(2500);
    await new Promise((r) => setTimeout(r, 5 * TICK_MS)); // the watchdog runs several times after waking
    assert.deepEqual(states.slice(before).map((s) => s.status), [], "no state change: the link was fine all along");
    assert.equal(gw.conns(), 1, "still the first connection");
    assert.equal(resyncs, 0);
    chat.dispose();
  });

  test("the gateway goes away during a long 'sleep': one clean reconnect with backoff, no storm", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const first = await childGateway(port);
    const { c, states } = client(first.url);
    await c.connect();
    let reconnected = 0;
    c.on("reconnected", () => reconnected++);
    first.child.kill("SIGKILL"); // gone while we "sleep"
    await waitFor("the child gone", () => first.child.exitCode !== null || first.child.signalCode !== null, 5000);
    // Meanwhile something on the port accepts and resets every connection: each one is an attempt we count.
    // (The client also polls GET /readyz, with its own backoff: counted apart.)
    const attemptsAt: number[] = [];
    const probesAt: number[] = [];
    const resetter = createServer((s) => {
      s.once("data", (d) => {
        (/^GET \/readyz/.test(d.toString()) ? probesAt : attemptsAt).push(Date.now());
        s.resetAndDestroy();
      });
      s.on("error", () => {});
    });
    await new Promise<void>((r) => resetter.listen(port, "127.0.0.1", () => r()));
    blockEventLoop(3000);
    const wokeAt = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    await new Promise<void>((r) => resetter.close(() => r()));
    const attempts = attemptsAt.filter((t) => t >= wokeAt).length;
    // Backoff 1 s, 2 s, 4 s…: two or three in 4 s; a storm would be dozens.
    assert.ok(attempts >= 1 && attempts <= 4, `${attempts} connection attempts in the 4 s after waking`);
    const probes = probesAt.filter((t) => t >= wokeAt).length;
    assert.ok(probes <= 6, `${probes} readiness probes in the 4 s after waking`);
    const issues = states.filter((s) => s.at >= wokeAt && s.status === "reconnecting");
    assert.ok(issues.length <= 2 * attempts, `state updates stay proportional to attempts (${issues.length})`);
    const second = await childGateway(port);
    await waitFor("reconnected to the new gateway", () => c.state.status === "connected" && reconnected === 1, 20_000);
    await new Promise((r) => setTimeout(r, 5 * TICK_MS));
    assert.equal(second.conns(), 1, "exactly one connection to the new gateway");
    assert.equal(reconnected, 1);
    assert.equal((await c.health()).ok, true);
  });
}
