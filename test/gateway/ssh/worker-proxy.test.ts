// The SSH tunnel in a worker thread (WorkerSshTunnel) against REAL peers: OpenSSH's sshd (test/fixtures/sshd.ts)
// and the real gateway that scripts/test.mjs started. The worker runs the BUILT bundle dist/ssh-tunnel.js, as
// in the extension (this test file is another bundle: it cannot be the worker script). Every prompt is
// answered here, on the main thread; errors come back as the classes an in-thread tunnel throws.
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Worker } from "node:worker_threads";
import type { OperatorClient } from "../../../src/gateway";
import { redactingLogger } from "../../../src/gateway/logger";
import { currentPlatform } from "../../../src/gateway/platform";
import { redactor, REDACTION_MASK } from "../../../src/gateway/redact";
import { HostKeyChangedError, openSshTunnel, SshTunnel, SshTunnelError, WorkerSshTunnel, type HostKeyPromptInfo, type SshPrompts, type SshTunnelOptions, type TunnelState } from "../../../src/gateway/ssh";
import { freePort, sshKeygen, sshKeygenFingerprint, startSshd, type SshdHandle } from "../../fixtures/sshd";
import { operator, realGateway, waitFor } from "../../support/real-peers";
import { httpGet, refusingPrompts } from "../../support/ssh-helpers";

/** dist/ssh-tunnel.js of this checkout (built by scripts/build.mjs before the tests run). */
function bundle(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  const file = path.join(dir, "dist", "ssh-tunnel.js");
  if (!existsSync(file)) throw new Error(`${file} is missing: run node scripts/build.mjs first (the worker runs the built SSH bundle).`);
  return file;
}

// ---- child mode: close() must leave nothing that keeps a process alive (the worker thread included) ----
if (process.env.KRABKRAB_SSH_WORKER_CHILD) {
  void (async () => {
    const cfg = JSON.parse(process.env.KRABKRAB_SSH_WORKER_CHILD!) as Pick<SshTunnelOptions, "target" | "remotePort" | "home" | "knownHostsPath" | "identityFile">;
    setTimeout(() => {
      console.log(`LEAK ${JSON.stringify(process.getActiveResourcesInfo())}`);
      process.exit(3);
    }, 5000).unref();
    const t = await WorkerSshTunnel.open({ ...cfg, agent: null, globalKnownHostsPaths: [], prompts: refusingPrompts() }, { script: bundle() });
    const first = await httpGet(t.localPort, "/readyz");
    const idle = net.connect({ host: "127.0.0.1", port: t.localPort });
    await new Promise((r) => idle.once("connect", r));
    idle.on("error", () => {});
    await t.close();
    console.log(`CLOSED ${first.split("\r\n")[0]} state=${t.state.status} thread=${t.threadId}`);
  })().catch((err) => {
    console.error(`CHILD FAILED ${(err as Error).stack}`);
    process.exit(2);
  });
} else {
  registerTests();
}



/** A GET through `port` from ANOTHER process while this thread is blocked in spawnSync: only a tunnel that runs off this thread can answer. */
function getWhileThisThreadIsBlocked(port: number, timeoutMs: number): string {
  const script = `const s=require("net").connect({host:"127.0.0.1",port:${port}});let b="";s.on("data",d=>b+=d);s.on("end",()=>{console.log(b.split("\\r\\n")[0]);process.exit(0)});s.on("error",e=>{console.log("ERR "+e.message);process.exit(1)});s.write("GET /readyz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n");`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: timeoutMs });
  return r.error ? `TIMEOUT (${(r.error as NodeJS.ErrnoException).code})` : r.stdout.trim();
}

function registerTests() {
  const work = mkdtempSync(path.join(process.env.KRABKRAB_TEST_WORKDIR || os.tmpdir(), "ssh-worker-"));
  const sshds: SshdHandle[] = [];
  const tunnels: { close(): Promise<void> }[] = [];
  const clients: OperatorClient[] = [];
  let sshd: SshdHandle;
  let userKey: string;
  let n = 0;
  const logLines: string[] = [];
  const logger = redactingLogger({
    trace: (m) => logLines.push(`T ${m}`),
    debug: (m) => logLines.push(`D ${m}`),
    info: (m) => logLines.push(`I ${m}`),
    warn: (m) => logLines.push(`W ${m}`),
    error: (m) => logLines.push(`E ${m}`),
  });

  async function newSshd(name: string, extra: Partial<Parameters<typeof startSshd>[0]> = {}): Promise<SshdHandle> {
    const s = await startSshd({ rootDir: path.join(work, name), ...extra });
    sshds.push(s);
    return s;
  }

  function home(trust: SshdHandle[] = []): { home: string; ssh: string; knownHosts: string } {
    const h = path.join(work, `home-${++n}`);
    const ssh = path.join(h, ".ssh");
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    const knownHosts = path.join(ssh, "known_hosts");
    if (trust.length) writeFileSync(knownHosts, trust.map((s) => `[127.0.0.1]:${s.port} ${s.hostPublicKey}`).join("\n") + "\n", { mode: 0o600 });
    return { home: h, ssh, knownHosts };
  }

  function options(opts: Partial<SshTunnelOptions> & { home: string }): SshTunnelOptions {
    return { target: `root@127.0.0.1:${sshd.port}`, remotePort: realGateway().port, agent: null, globalKnownHostsPaths: [], prompts: refusingPrompts(), logger, ...opts };
  }

  async function open(opts: Partial<SshTunnelOptions> & { home: string }): Promise<WorkerSshTunnel> {
    const t = await WorkerSshTunnel.open(options(opts), { script: bundle() });
    tunnels.push(t);
    return t;
  }

  async function healthThrough(url: string): Promise<OperatorClient> {
    const c = operator({ url });
    clients.push(c);
    const hello = await c.connect();
    assert.equal(hello.protocol, 4);
    assert.equal(typeof (await c.health()).ok, "boolean");
    return c;
  }

  async function rejection(p: Promise<unknown>): Promise<unknown> {
    return p.then(
      () => assert.fail("expected open() to reject"),
      (e: unknown) => e,
    );
  }

  before(async () => {
    sshd = await newSshd("sshd-main");
    userKey = sshKeygen(path.join(work, "keys", "id_ed25519"));
    sshd.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
    await Promise.all(tunnels.map((t) => t.close().catch(() => {})));
    await Promise.all(sshds.map((s) => s.stop()));
    if (process.exitCode) console.log(logLines.slice(-200).join("\n"));
    rmSync(work, { recursive: true, force: true });
  });

  test("through the worker: tunnel → hello-ok → health; ssh2's log lines arrive here; Test Remote runs in the worker", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const mark = logLines.length;
    const t = await open({ home: h.home, identityFile: userKey });
    assert.equal(t.runsIn, "worker");
    assert.ok(t.threadId > 0);
    assert.deepEqual(t.state, { status: "open", localPort: t.localPort });
    assert.equal(t.url, `ws://127.0.0.1:${t.localPort}`);
    assert.deepEqual(t.hops.map((x) => x.label), [`root@127.0.0.1:${sshd.port}`]);
    const lines = logLines.slice(mark);
    assert.ok(lines.some((l) => /^D \[ssh\] .*cipher aes128-gcm@openssh\.com/.test(l)), `the worker's debug line reached this logger:\n${lines.join("\n")}`);
    assert.ok(lines.some((l) => /^I \[ssh\] authenticated to root@127\.0\.0\.1:\d+ \(publickey\)/.test(l)));
    await healthThrough(t.url);
    const r = await t.testRemote();
    assert.equal(r.gatewayReachable, true, r.detail);
    assert.equal(r.readyzStatus, 200);
    assert.ok((await t.threadCpuMs()) >= 0, "the worker reports its own thread's CPU");
  });

  test("the tunnel keeps forwarding while this thread is blocked (the worker's listener and ssh2 run elsewhere); an in-thread tunnel cannot", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const t = await open({ home: h.home, identityFile: userKey });
    // spawnSync blocks this thread until the child exits: the answer must come from the worker.
    assert.match(getWhileThisThreadIsBlocked(t.localPort, 20_000), /^HTTP\/1\.1 200/);
    // The control: with ssh2 on this thread the same request cannot be answered until the thread is free.
    const inThread = await SshTunnel.open(options({ home: h.home, identityFile: userKey }));
    tunnels.push(inThread);
    assert.equal(inThread.runsIn, "main-thread");
    assert.match(getWhileThisThreadIsBlocked(inThread.localPort, 3000), /^TIMEOUT/);
  });

  test("host-key prompt answered on the main thread: OpenSSH's fingerprint, accepted → recorded", { timeout: 60_000 }, async () => {
    const h = home();
    const asked: HostKeyPromptInfo[] = [];
    const t = await open({ home: h.home, identityFile: userKey, prompts: refusingPrompts({ confirmHostKey: async (i) => (asked.push(i), true) }) });
    assert.deepEqual(asked, [{ host: "127.0.0.1", port: sshd.port, keyType: "ssh-ed25519", fingerprint: sshKeygenFingerprint(sshd.hostKeyPath + ".pub"), knownHostsName: `[127.0.0.1]:${sshd.port}`, otherKeyTypes: [] }]);
    assert.equal(readFileSync(h.knownHosts, "utf8"), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n`);
    await healthThrough(t.url);
  });

  test("host key rejected on the main thread: host-key-rejected, an SshTunnelError of this side's class", { timeout: 60_000 }, async () => {
    const h = home();
    const err = await rejection(open({ home: h.home, identityFile: userKey, prompts: refusingPrompts({ confirmHostKey: async () => false }) }));
    assert.ok(err instanceof SshTunnelError, String(err));
    assert.equal(err.kind, "host-key-rejected");
    assert.equal(err.retryable, false);
    assert.match(err.message, /not accepted/);
  });

  test("passphrase prompt answered on the main thread; the passphrase is redacted in both threads; a wrong one gives passphrase-wrong", { timeout: 90_000 }, async () => {
    const h = home([sshd]);
    const pass = "worker correct horse";
    const enc = sshKeygen(path.join(h.ssh, "enc_key"), { passphrase: pass });
    sshd.addAuthorizedKey(readFileSync(enc + ".pub", "utf8"));
    const asked: string[] = [];
    const mark = logLines.length;
    const t = await open({ home: h.home, identityFile: enc, prompts: refusingPrompts({ passphrase: async (f) => (asked.push(f), pass) }) });
    assert.deepEqual(asked, [enc]);
    await healthThrough(t.url);
    // This thread's redactor learnt it from the answer it sent (the worker's own redactor from the authenticator).
    assert.equal(redactor.redact(`x ${pass} y`), `x ${REDACTION_MASK} y`);
    assert.ok(!logLines.some((l) => l.includes(pass)), "the passphrase never reaches the log");
    assert.ok(logLines.slice(mark).length > 0);

    const wrong: string[] = [];
    const err = await rejection(open({ home: h.home, identityFile: enc, prompts: refusingPrompts({ passphrase: async (f) => (wrong.push(f), "a wrong passphrase") }) }));
    assert.ok(err instanceof SshTunnelError, String(err));
    assert.equal(err.kind, "passphrase-wrong");
    assert.match(err.message, /passphrase for .*enc_key is wrong/);
    assert.equal(wrong.length, 3, "asked three times, like OpenSSH");
  });

  test("keyboard-interactive through the worker: PAM's question is asked here, the answer is redacted here", { timeout: 60_000 }, async () => {
    const password = "kk-Worker-passw0rd!";
    const pam = await newSshd("sshd-kbd", { rootPassword: { password, methods: ["keyboard-interactive"] } });
    const h = home([pam]);
    const questions: string[] = [];
    const t = await open({
      target: `root@127.0.0.1:${pam.port}`,
      home: h.home,
      prompts: refusingPrompts({
        keyboardInteractive: async (_name, _instructions, qs) => {
          questions.push(...qs.map((q) => `${q.prompt}|echo=${q.echo}`));
          return qs.map(() => password);
        },
      }),
    });
    await healthThrough(t.url);
    assert.ok(questions.some((q) => /password/i.test(q) && q.endsWith("echo=false")), `questions: ${questions.join(", ")}`);
    assert.match(pam.log(), /Accepted keyboard-interactive\/pam for root/);
    assert.equal(redactor.redact(password), REDACTION_MASK);
  });

  test("CHANGED host key: HostKeyChangedError with its info rebuilt on this side; never connects, the listener is gone", { timeout: 60_000 }, async () => {
    const h = home();
    const other = sshKeygen(path.join(work, "other-hostkey", "k"));
    writeFileSync(h.knownHosts, `# mine\n[127.0.0.1]:${sshd.port} ${readFileSync(other + ".pub", "utf8").trim()}\n`, { mode: 0o600 });
    const localPort = await freePort();
    const acceptedBefore = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const err = await rejection(open({ home: h.home, identityFile: userKey, localPort }));
    assert.ok(err instanceof HostKeyChangedError, String(err));
    assert.equal(err.kind, "host-key-changed");
    assert.equal(err.retryable, false);
    assert.deepEqual(err.info, {
      host: "127.0.0.1",
      port: sshd.port,
      knownHostsName: `[127.0.0.1]:${sshd.port}`,
      keyType: "ssh-ed25519",
      expectedFingerprint: sshKeygenFingerprint(other + ".pub"),
      offeredFingerprint: sshKeygenFingerprint(sshd.hostKeyPath + ".pub"),
      knownHostsPath: h.knownHosts,
      line: 2,
    });
    assert.match(err.message, /HAS CHANGED/);
    assert.equal((sshd.log().match(/Accepted publickey/g) ?? []).length, acceptedBefore, "no authentication happened");
    await assert.rejects(httpGet(localPort, "/"), /ECONNREFUSED/, "the listener is gone with the worker");
  });

  test("sshd SIGKILLed and restarted: reconnecting state events arrive on the main side, the tunnel re-opens on the same port", { timeout: 120_000 }, async () => {
    const own = await newSshd("sshd-restart");
    own.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
    const h = home([own]);
    const t = await open({ target: `root@127.0.0.1:${own.port}`, home: h.home, identityFile: userKey });
    const port = t.localPort;
    const states: TunnelState[] = [];
    t.on("state", (s) => states.push(s));
    const c = await healthThrough(t.url);
    own.kill("SIGKILL");
    await waitFor("a reconnecting state event", () => states.find((s) => s.status === "reconnecting"), 15_000);
    assert.equal(t.state.status, "reconnecting");
    const first = states.find((s) => s.status === "reconnecting") as Extract<TunnelState, { status: "reconnecting" }>;
    assert.equal(first.attempt, 1);
    assert.ok(first.error.length > 0);
    await new Promise((r) => setTimeout(r, 700));
    await own.restart();
    await waitFor("tunnel open again", () => t.state.status === "open", 30_000);
    assert.equal(t.localPort, port);
    assert.deepEqual(states.at(-1), { status: "open", localPort: port });
    await waitFor("client reconnected", () => c.state.status === "connected", 60_000);
    assert.equal(typeof (await c.health()).ok, "boolean");
  });

  test("open() cancelled by its signal while a prompt is up: kind closed, the worker ends", { timeout: 30_000 }, async () => {
    const h = home();
    const ac = new AbortController();
    let asked = false;
    let worker: Worker | undefined;
    const p = WorkerSshTunnel.open(options({ home: h.home, identityFile: userKey, signal: ac.signal, prompts: refusingPrompts({ confirmHostKey: () => ((asked = true), new Promise<boolean>(() => {})) }) }), { script: bundle(), onWorker: (w) => (worker = w) });
    await waitFor("host key prompt", () => asked, 10_000);
    ac.abort();
    const err = await rejection(p);
    assert.ok(err instanceof SshTunnelError, String(err));
    assert.equal(err.kind, "closed");
    assert.match(err.message, /cancelled/);
    assert.equal(worker!.threadId, -1, "the worker thread has exited by the time open() rejects");
  });

  test("a worker that dies: during open() the connect rejects (worker-crashed), after it the state is closed with the reason; a script that fails to load too", { timeout: 60_000 }, async () => {
    const h = home();
    // The thread is stopped from outside the protocol (as a crash would stop it) while the host-key prompt is up.
    let worker: Worker | undefined;
    let asked = false;
    const p = WorkerSshTunnel.open(options({ home: h.home, identityFile: userKey, prompts: refusingPrompts({ confirmHostKey: () => ((asked = true), new Promise<boolean>(() => {})) }) }), { script: bundle(), onWorker: (w) => (worker = w) });
    await waitFor("host key prompt", () => asked, 10_000);
    await worker!.terminate();
    const err = await rejection(p);
    assert.ok(err instanceof SshTunnelError, String(err));
    assert.equal(err.kind, "worker-crashed");
    assert.match(err.message, /worker thread stopped: it exited with code 1/);

    // Open, then the thread dies: closed with the reason, and the port stops answering.
    const h2 = home([sshd]);
    const proxy = await WorkerSshTunnel.open(options({ home: h2.home, identityFile: userKey }), { script: bundle(), onWorker: (w) => (worker = w) });
    tunnels.push(proxy);
    const states: TunnelState[] = [];
    proxy.on("state", (s) => states.push(s));
    await worker!.terminate();
    await waitFor("closed state", () => states.find((s) => s.status === "closed"), 10_000);
    assert.equal(proxy.state.status, "closed");
    assert.match((proxy.state as { error?: string }).error ?? "", /worker thread stopped/);
    await assert.rejects(httpGet(proxy.localPort, "/"), /ECONNREFUSED/);
    await assert.rejects(proxy.testRemote(), (e: unknown) => e instanceof SshTunnelError);
    await proxy.close(); // resolves at once: nothing left

    // A script that throws when loaded (a broken or foreign file): the connect rejects with its error.
    const broken = path.join(work, "broken-worker.js");
    writeFileSync(broken, 'throw new Error("this is not the SSH bundle");\n');
    const e3 = await rejection(WorkerSshTunnel.open(options({ home: h2.home, identityFile: userKey }), { script: broken }));
    assert.ok(e3 instanceof SshTunnelError, String(e3));
    assert.equal(e3.kind, "worker-crashed");
    assert.match(e3.message, /this is not the SSH bundle/);
  });

  test("openSshTunnel: the worker when given its script; an injected Platform keeps the in-thread tunnel", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const w = await openSshTunnel(options({ home: h.home, identityFile: userKey }), { workerScript: bundle() });
    tunnels.push(w);
    assert.equal(w.runsIn, "worker");
    const platform = currentPlatform({ os: "linux", env: {}, homedir: h.home });
    const m = await openSshTunnel(options({ home: h.home, identityFile: userKey, platform }), { workerScript: bundle() });
    tunnels.push(m);
    assert.equal(m.runsIn, "main-thread");
    await healthThrough(w.url);
    await healthThrough(m.url);
  });

  test("the main-thread SSH bundle (dist/ssh-main.js, no ssh2): a worker tunnel by default, ssh2 loaded into this thread only when asked", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const mainBundle = path.join(path.dirname(bundle()), "ssh-main.js");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require(mainBundle) as typeof import("../../../src/gateway/ssh/main-thread");
    const w = await main.openSshTunnel(options({ home: h.home, identityFile: userKey }), { bundle: bundle() });
    tunnels.push(w);
    assert.equal(w.runsIn, "worker");
    const t = await main.openSshTunnel(options({ home: h.home, identityFile: userKey }), { bundle: bundle(), inThread: true });
    tunnels.push(t);
    assert.equal(t.runsIn, "main-thread", "KRABKRAB_SSH_WORKER=0's way");
    await healthThrough(w.url);
    await healthThrough(t.url);
  });

  test("close(): the listener is gone, the worker thread has exited, and a process with a closed tunnel exits by itself", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const t = await open({ home: h.home, identityFile: userKey });
    const c = await healthThrough(t.url);
    const port = t.localPort;
    const states: string[] = [];
    t.on("state", (s) => states.push(s.status));
    await t.close();
    assert.deepEqual(t.state, { status: "closed" });
    assert.deepEqual(states, ["closed"]);
    assert.equal(t.threadId, -1, "the worker thread has exited");
    await assert.rejects(httpGet(port, "/"), /ECONNREFUSED/);
    await waitFor("the client saw the forward end", () => c.state.status !== "connected", 10_000);

    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, KRABKRAB_SSH_WORKER_CHILD: JSON.stringify({ target: `root@127.0.0.1:${sshd.port}`, remotePort: realGateway().port, home: h.home, knownHostsPath: h.knownHosts, identityFile: userKey }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once("exit", (x) => r(x)));
    assert.equal(code, 0, `the child did not exit cleanly by itself:\n${out}`);
    assert.match(out, /CLOSED HTTP\/1\.1 200 .* state=closed thread=-1/);
  });
}
