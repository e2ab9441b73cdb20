// The SSH tunnel against REAL peers: OpenSSH's sshd (test/fixtures/sshd.ts, one per case that needs its
// own), a real ssh-agent, and the real gateway that scripts/test.mjs started for the run. Every case goes
// tunnel → OperatorClient(hello-ok) → health(). A missing sshd fails these tests; nothing is skipped.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { OperatorClient } from "../../../src/gateway";
import { redactingLogger } from "../../../src/gateway/logger";
import { currentPlatform } from "../../../src/gateway/platform";
import { HostKeyChangedError, SshTunnel, SshTunnelError, type HostKeyPromptInfo, type SshPrompts, type SshTunnelOptions } from "../../../src/gateway/ssh";
import { hostKeyPrompt, REFUSE_HOST_KEY } from "../../../src/extension/common/approval-text";
import { sshKeygen, sshKeygenFingerprint, startSshAgent, startSshd, type AgentHandle, type SshdHandle } from "../../fixtures/sshd";
import { operator, realGateway, waitFor } from "../../support/real-peers";
import { httpGet, refusingPrompts } from "../../support/ssh-helpers";

// ---- child mode: proves that close() leaves nothing that keeps a process alive ----
if (process.env.KRABKRAB_SSH_TUNNEL_CHILD) {
  void (async () => {
    const cfg = JSON.parse(process.env.KRABKRAB_SSH_TUNNEL_CHILD!) as Pick<SshTunnelOptions, "target" | "remotePort" | "home" | "knownHostsPath" | "identityFile"> & { path: string };
    // An unref'd timer does not keep the process alive: it fires only if something else does.
    setTimeout(() => {
      console.log(`LEAK ${JSON.stringify(process.getActiveResourcesInfo())}`);
      process.exit(3);
    }, 5000).unref();
    const t = await SshTunnel.open({ ...cfg, agent: null, globalKnownHostsPaths: [], prompts: refusingPrompts() });
    // One finished request and one connection left open while closing.
    const first = await httpGet(t.localPort, cfg.path);
    const idle = net.connect({ host: "127.0.0.1", port: t.localPort });
    await new Promise((r) => idle.once("connect", r));
    idle.on("error", () => {});
    await t.close();
    console.log(`CLOSED ${first.split("\r\n")[0]} state=${t.state.status}`);
  })().catch((err) => {
    console.error(`CHILD FAILED ${(err as Error).stack}`);
    process.exit(2);
  });
} else {
  registerTests();
}



function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function registerTests() {
  const work = mkdtempSync(path.join(process.env.KRABKRAB_TEST_WORKDIR || os.tmpdir(), "ssh-tunnel-"));
  const sshds: SshdHandle[] = [];
  const agents: AgentHandle[] = [];
  const tunnels: SshTunnel[] = [];
  const clients: OperatorClient[] = [];
  let sshd: SshdHandle;
  let userKey: string; // authorized, unencrypted ed25519
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

  /** A fresh fake home: empty ~/.ssh, no config, optionally a known_hosts that trusts `trust`. */
  function home(trust: SshdHandle[] = []): { home: string; ssh: string; knownHosts: string } {
    const h = path.join(work, `home-${++n}`);
    const ssh = path.join(h, ".ssh");
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    const knownHosts = path.join(ssh, "known_hosts");
    if (trust.length) writeFileSync(knownHosts, trust.map((s) => `[127.0.0.1]:${s.port} ${s.hostPublicKey}`).join("\n") + "\n", { mode: 0o600 });
    return { home: h, ssh, knownHosts };
  }

  async function open(opts: Partial<SshTunnelOptions> & { home: string }): Promise<SshTunnel> {
    const gw = realGateway();
    const t = await SshTunnel.open({
      target: `root@127.0.0.1:${sshd.port}`,
      remotePort: gw.port,
      agent: null,
      globalKnownHostsPaths: [],
      prompts: refusingPrompts(),
      logger,
      ...opts,
    });
    tunnels.push(t);
    return t;
  }

  async function healthThrough(t: SshTunnel): Promise<OperatorClient> {
    const c = operator({ url: t.url });
    clients.push(c);
    const hello = await c.connect();
    assert.equal(hello.protocol, 4);
    const h = await c.health();
    assert.equal(typeof h.ok, "boolean");
    return c;
  }

  async function expectError(p: Promise<unknown>, kind: string, re: RegExp): Promise<SshTunnelError> {
    const err = await p.then(
      () => assert.fail(`expected an SshTunnelError of kind ${kind}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SshTunnelError, `not an SshTunnelError: ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, re);
    return err;
  }

  before(async () => {
    sshd = await newSshd("sshd-main");
    userKey = sshKeygen(path.join(work, "keys", "id_ed25519"));
    sshd.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
    await Promise.all(tunnels.map((t) => t.close().catch(() => {})));
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(sshds.map((s) => s.stop()));
    if (process.exitCode) console.log(logLines.slice(-200).join("\n"));
    rmSync(work, { recursive: true, force: true });
  });

  test("key auth (unencrypted ed25519): tunnel → hello-ok → health, aes128-gcm, no prompts", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const t = await open({ home: h.home, identityFile: userKey });
    assert.deepEqual(t.state, { status: "open", localPort: t.localPort });
    assert.equal(t.url, `ws://127.0.0.1:${t.localPort}`);
    assert.ok(t.localPort > 0);
    assert.ok(logLines.some((l) => /cipher aes128-gcm@openssh\.com/.test(l)), "aes128-gcm negotiated");
    await healthThrough(t);
    assert.match(sshd.log(), /Accepted publickey for root from 127\.0\.0\.1/);
  });

  test("a key from ~/.ssh (default id_ed25519) is found without naming it", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    writeFileSync(path.join(h.ssh, "id_ed25519"), readFileSync(userKey), { mode: 0o600 });
    const t = await open({ home: h.home });
    await healthThrough(t);
  });

  test("encrypted key: the passphrase comes through the prompt; a wrong one gives a specific error", { timeout: 90_000 }, async () => {
    const h = home([sshd]);
    const enc = sshKeygen(path.join(h.ssh, "enc_key"), { passphrase: "correct horse" });
    sshd.addAuthorizedKey(readFileSync(enc + ".pub", "utf8"));
    const asked: string[] = [];
    const t = await open({ home: h.home, identityFile: enc, prompts: refusingPrompts({ passphrase: async (f) => (asked.push(f), "correct horse") }) });
    assert.deepEqual(asked, [enc]);
    await healthThrough(t);
    assert.ok(!logLines.some((l) => l.includes("correct horse")), "the passphrase never reaches the log");

    const wrong: string[] = [];
    const err = await expectError(
      open({ home: h.home, identityFile: enc, prompts: refusingPrompts({ passphrase: async (f) => (wrong.push(f), "wrong passphrase") }) }),
      "passphrase-wrong",
      /passphrase for .*enc_key is wrong/,
    );
    assert.equal(wrong.length, 3, "asked three times, like OpenSSH");
    assert.ok(!err.message.includes("wrong passphrase"));
  });

  test("agent auth with a real ssh-agent, no key files offered", { timeout: 60_000 }, async () => {
    const agent = await startSshAgent(path.join(work, "agent"));
    agents.push(agent);
    const agentKey = sshKeygen(path.join(work, "agent-keys", "id_agent"));
    agent.add(agentKey);
    rmSync(agentKey); // only the agent holds it now
    sshd.addAuthorizedKey(readFileSync(agentKey + ".pub", "utf8"));
    const h = home([sshd]); // an empty ~/.ssh: nothing to offer but the agent
    const t = await open({ home: h.home, agent: agent.socket });
    await healthThrough(t);
    assert.ok(logLines.some((l) => /authenticated to root@127\.0\.0\.1:\d+ \(agent\)/.test(l)));
    // The agent is found through SSH_AUTH_SOCK too.
    const t2 = await open({ home: h.home, agent: undefined, env: { SSH_AUTH_SOCK: agent.socket } });
    await healthThrough(t2);
  });

  test("macOS-style IdentityAgent (quoted, ~, spaces: 1Password's path) overrides a stale SSH_AUTH_SOCK; real agent", { timeout: 60_000 }, async () => {
    // The darwin platform decides; the files and the agent are real. (A Windows named-pipe agent cannot run
    // here: its selection is unit-tested in platform-ssh-locations.test.ts.)
    const agent = await startSshAgent(path.join(work, "agent-1p"));
    agents.push(agent);
    const agentKey = sshKeygen(path.join(work, "agent-1p-keys", "id_agent"));
    agent.add(agentKey);
    rmSync(agentKey);
    sshd.addAuthorizedKey(readFileSync(agentKey + ".pub", "utf8"));
    // A short home, as /Users/<name> is: a Unix socket path must fit in 104–108 bytes, and the run's work
    // dir is deep. The socket's path is the real 1Password one below that home.
    const short = mkdtempSync("/tmp/kk-1p-");
    after(() => rmSync(short, { recursive: true, force: true }));
    const h = { home: short, ssh: path.join(short, ".ssh") };
    mkdirSync(h.ssh, { mode: 0o700 });
    writeFileSync(path.join(h.ssh, "known_hosts"), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`, { mode: 0o600 });
    const groupDir = path.join(h.home, "Library", "Group Containers", "2BUA8C4S2C.com.1password", "t");
    mkdirSync(groupDir, { recursive: true });
    symlinkSync(agent.socket, path.join(groupDir, "agent.sock"));
    writeFileSync(path.join(h.ssh, "config"), 'Host 127.0.0.1\n  IdentityAgent "~/Library/Group Containers/2BUA8C4S2C.com.1password/t/agent.sock"\n');
    const env = { SSH_AUTH_SOCK: path.join(work, "launchd-agent-that-is-gone") };
    const mark = logLines.length;
    const t = await open({ home: h.home, agent: undefined, env, platform: currentPlatform({ os: "darwin", env, homedir: h.home }) });
    await healthThrough(t);
    // ~/.ssh is empty and the prompts refuse: only the agent named by IdentityAgent can have let us in.
    assert.ok(logLines.slice(mark).some((l) => /authenticated to root@127\.0\.0\.1:\d+ \(agent\)/.test(l)));
  });

  test("unknown host key: prompt shows OpenSSH's SHA256 fingerprint, accepted → recorded; next time no prompt", { timeout: 60_000 }, async () => {
    const h = home();
    const expected = sshKeygenFingerprint(sshd.hostKeyPath + ".pub");
    const asked: HostKeyPromptInfo[] = [];
    const t = await open({ home: h.home, identityFile: userKey, prompts: refusingPrompts({ confirmHostKey: async (i) => (asked.push(i), true) }) });
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0], { host: "127.0.0.1", port: sshd.port, keyType: "ssh-ed25519", fingerprint: expected, knownHostsName: `[127.0.0.1]:${sshd.port}`, otherKeyTypes: [] });
    const recorded = readFileSync(h.knownHosts, "utf8");
    assert.equal(recorded, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n`);
    await healthThrough(t);
    await t.close();
    const again = await open({ home: h.home, identityFile: userKey }); // refusing prompts: any prompt fails
    await healthThrough(again);
  });

  test("unknown host key rejected by the user: specific error, nothing recorded", { timeout: 60_000 }, async () => {
    const h = home();
    await expectError(open({ home: h.home, identityFile: userKey, prompts: refusingPrompts({ confirmHostKey: async () => false }) }), "host-key-rejected", /not accepted/);
    assert.throws(() => readFileSync(h.knownHosts), /ENOENT/);
  });

  test("host known under ANOTHER key type (a MITM offering a type we have no record of): the prompt gets otherKeyTypes and warns, refusal first", { timeout: 60_000 }, async () => {
    // known_hosts records this host with an ECDSA key; the real sshd offers only its ed25519 key. OpenSSH
    // warns loudly here; the extension's prompt must too (its text is built by hostKeyPrompt).
    const h = home();
    const ecdsa = sshKeygen(path.join(work, "ecdsa-hostkey", "k"), { type: "ecdsa" });
    writeFileSync(h.knownHosts, `[127.0.0.1]:${sshd.port} ${readFileSync(ecdsa + ".pub", "utf8").trim()}\n`, { mode: 0o600 });
    const asked: HostKeyPromptInfo[] = [];
    await expectError(open({ home: h.home, identityFile: userKey, prompts: refusingPrompts({ confirmHostKey: async (i) => (asked.push(i), false) }) }), "host-key-rejected", /not accepted/);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.keyType, "ssh-ed25519");
    assert.deepEqual(asked[0]!.otherKeyTypes, ["ecdsa-sha2-nistp256"]);
    const q = hostKeyPrompt(asked[0]!);
    assert.match(q.message, /^WARNING: .*known with a different key type.*man-in-the-middle/);
    assert.match(q.detail, /ecdsa-sha2-nistp256 key for \[127\.0\.0\.1\]:\d+, but the server now offers only a ssh-ed25519 key/);
    assert.ok(q.detail.includes(asked[0]!.fingerprint));
    assert.equal(q.buttons[0], REFUSE_HOST_KEY, "refusing is the default (first) button");
    assert.notEqual(q.trust, REFUSE_HOST_KEY);
    // Nothing was added next to the ECDSA line.
    assert.equal(readFileSync(h.knownHosts, "utf8").trim().split("\n").length, 1);
  });

  test("CHANGED host key: HostKeyChangedError with both fingerprints and the line; never connects", { timeout: 60_000 }, async () => {
    const h = home();
    const other = sshKeygen(path.join(work, "other-hostkey", "k"));
    const otherPub = readFileSync(other + ".pub", "utf8").trim();
    writeFileSync(h.knownHosts, `# mine\n[127.0.0.1]:${sshd.port} ${otherPub}\n`, { mode: 0o600 });
    const localPort = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const acceptedBefore = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const err = await open({ home: h.home, identityFile: userKey, localPort }).then(
      () => assert.fail("connected despite a changed host key"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof HostKeyChangedError, String(err));
    assert.equal(err.kind, "host-key-changed");
    assert.equal(err.info.line, 2);
    assert.equal(err.info.knownHostsPath, h.knownHosts);
    assert.equal(err.info.expectedFingerprint, sshKeygenFingerprint(other + ".pub"));
    assert.equal(err.info.offeredFingerprint, sshKeygenFingerprint(sshd.hostKeyPath + ".pub"));
    assert.match(err.message, new RegExp(`\\[127\\.0\\.0\\.1\\]:${sshd.port}`));
    assert.match(err.message, /HAS CHANGED/);
    assert.ok(err.message.includes(err.info.expectedFingerprint) && err.message.includes(err.info.offeredFingerprint));
    assert.match(err.message, /line 2/);
    assert.equal((sshd.log().match(/Accepted publickey/g) ?? []).length, acceptedBefore, "no authentication happened");
    await assert.rejects(httpGet(localPort, "/"), /ECONNREFUSED/, "the listener is gone");
  });

  test("~/.ssh/config alias with ProxyJump through a second sshd", { timeout: 90_000 }, async () => {
    const jump = await newSshd("sshd-jump", { logLevel: "DEBUG1" });
    const h = home([jump]);
    const jumpKey = sshKeygen(path.join(h.ssh, "jump_key"));
    jump.addAuthorizedKey(readFileSync(jumpKey + ".pub", "utf8"));
    writeFileSync(path.join(h.ssh, "id_ed25519"), readFileSync(userKey), { mode: 0o600 });
    writeFileSync(
      path.join(h.ssh, "config"),
      [
        "Host kk-jump",
        "  HostName 127.0.0.1",
        `  Port ${jump.port}`,
        "  User root",
        "  IdentityFile ~/.ssh/jump_key",
        "Host kk-target",
        "  HostName 127.0.0.1",
        `  Port ${sshd.port}`,
        "  User root",
        "  ProxyJump kk-jump",
        "",
      ].join("\n"),
    );
    const asked: HostKeyPromptInfo[] = [];
    const t = await open({ target: "kk-target", home: h.home, prompts: refusingPrompts({ confirmHostKey: async (i) => (asked.push(i), true) }) });
    assert.deepEqual(
      t.hops.map((x) => x.label),
      [`root@127.0.0.1:${jump.port}`, `root@127.0.0.1:${sshd.port}`],
    );
    assert.deepEqual(asked.map((a) => [a.knownHostsName, a.fingerprint]), [[`[127.0.0.1]:${sshd.port}`, sshKeygenFingerprint(sshd.hostKeyPath + ".pub")]], "only the target was new");
    await healthThrough(t);
    assert.match(jump.log(), /Accepted publickey for root/, "the jump host authenticated us");
    assert.match(jump.log(), new RegExp(`server_request_direct_tcpip: originator [^,]*, target 127\\.0\\.0\\.1 port ${sshd.port}\\b`), "the jump host forwarded to the target sshd");
  });

  test("sshd SIGKILLed and restarted on the same port: the tunnel re-establishes, the client reconnects by itself", { timeout: 120_000 }, async () => {
    const own = await newSshd("sshd-restart");
    own.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
    const h = home([own]);
    const t = await open({ target: `root@127.0.0.1:${own.port}`, home: h.home, identityFile: userKey });
    const port = t.localPort;
    const states: string[] = [];
    t.on("state", (s) => states.push(s.status === "reconnecting" ? `reconnecting#${s.attempt}` : s.status));
    const c = await healthThrough(t);
    let reconnected = 0;
    c.on("reconnected", () => reconnected++);

    own.kill("SIGKILL");
    await waitFor("tunnel reconnecting", () => t.state.status === "reconnecting", 15_000);
    await waitFor("client notices", () => c.state.status !== "connected", 15_000);
    await new Promise((r) => setTimeout(r, 700)); // a failed attempt or two against the dead port
    await own.restart();
    await waitFor("tunnel open again", () => t.state.status === "open", 30_000);
    assert.equal(t.localPort, port, "same local port");
    await waitFor("client reconnected", () => c.state.status === "connected", 60_000);
    const health = await c.health();
    assert.equal(typeof health.ok, "boolean");
    assert.ok(reconnected >= 1);
    assert.ok(states.includes("reconnecting#1"), states.join(","));
    assert.equal(states.at(-1), "open");
  });

  test("re-establishment that meets a changed host key closes the tunnel with that error, never connects", { timeout: 60_000 }, async () => {
    const own = await newSshd("sshd-rekeyed");
    own.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
    const h = home([own]);
    const t = await open({ target: `root@127.0.0.1:${own.port}`, home: h.home, identityFile: userKey });
    own.kill("SIGKILL");
    await waitFor("tunnel reconnecting", () => t.state.status === "reconnecting", 15_000);
    rmSync(own.hostKeyPath);
    rmSync(own.hostKeyPath + ".pub");
    sshKeygen(own.hostKeyPath, { comment: "replaced" });
    const logBefore = own.log().length;
    await own.restart();
    const closed = await waitFor("tunnel closed", () => (t.state.status === "closed" ? t.state : undefined), 30_000);
    assert.match(closed.error ?? "", /HAS CHANGED/);
    assert.doesNotMatch(own.log().slice(logBefore), /Accepted publickey/, "no authentication against the new key");
    await assert.rejects(httpGet(t.localPort, "/"), /ECONNREFUSED/);
  });

  test("open() can be cancelled while a prompt is up", { timeout: 30_000 }, async () => {
    const h = home();
    const ac = new AbortController();
    let asked = false;
    const p = open({ home: h.home, identityFile: userKey, signal: ac.signal, prompts: refusingPrompts({ confirmHostKey: () => ((asked = true), new Promise<boolean>(() => {})) }) });
    await waitFor("host key prompt", () => asked, 10_000);
    ac.abort();
    await expectError(p, "closed", /cancelled/);
  });

  test("Nagle regression: median health RPC through the tunnel is not ≥10× the direct one", { timeout: 120_000 }, async () => {
    const h = home([sshd]);
    const t = await open({ home: h.home, identityFile: userKey });
    const direct = operator();
    clients.push(direct);
    await direct.connect();
    const tunneled = await healthThrough(t);
    const once = async (c: OperatorClient) => {
      const t0 = process.hrtime.bigint();
      await c.health();
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    for (let i = 0; i < 5; i++) await Promise.all([direct.health(), tunneled.health()]); // warm up
    // Interleaved, so that load from elsewhere on the machine hits both series alike.
    const ds: number[] = [];
    const ss: number[] = [];
    for (let i = 0; i < 30; i++) {
      ds.push(await once(direct));
      ss.push(await once(tunneled));
    }
    const d = median(ds);
    const s = median(ss);
    console.log(`health median: direct ${d.toFixed(2)} ms, through the ssh2 tunnel ${s.toFixed(2)} ms (${(s / d).toFixed(2)}×)`);
    assert.ok(s < 10 * d, `tunnel ${s.toFixed(2)} ms vs direct ${d.toFixed(2)} ms: the ~40 ms Nagle/delayed-ACK stall is back (setNoDelay on the SSH socket?)`);
  });

  test("testRemote: fixed commands find the CLI on the remote PATH and /readyz answers through a forward", { timeout: 60_000 }, async () => {
    const bin = path.join(work, "remote-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "openclaw"), `#!/bin/sh\necho "starting…" >&2\nprintf '{"cli":"openclaw","args":"%s"}\\n' "$*"\n`);
    chmodSync(path.join(bin, "openclaw"), 0o755);
    const remote = await newSshd("sshd-remote", { sessionEnv: { PATH: `${bin}:/usr/bin:/bin` } });
    remote.addAuthorizedKey(readFileSync(userKey + ".pub", "utf8"));
    const h = home([remote, sshd]);
    const t = await open({ target: `root@127.0.0.1:${remote.port}`, home: h.home, identityFile: userKey });
    const r = await t.testRemote();
    assert.equal(r.cli, "openclaw", r.detail);
    assert.deepEqual(r.statusJson, { cli: "openclaw", args: "status --json" });
    assert.equal(r.gatewayReachable, true, r.detail);
    assert.equal(r.readyzStatus, 200);
    assert.match(r.detail, /krabkrab is not on the remote PATH/);

    // No CLI on the default PATH of the main sshd; a remote port where nothing listens.
    const free = await new Promise<number>((res) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => res(p));
      });
    });
    const t2 = await open({ home: h.home, identityFile: userKey, remotePort: free });
    const r2 = await t2.testRemote();
    assert.equal(r2.cli, null);
    assert.equal(r2.gatewayReachable, false);
    assert.match(r2.detail, /cannot connect/);
  });

  test("errors are specific: missing identity file, refused, DNS, timeout, auth failed", { timeout: 90_000 }, async () => {
    const h = home([sshd]);
    const missing = path.join(h.ssh, "nope_key");
    await expectError(open({ home: h.home, identityFile: missing }), "identity-missing", new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not exist`));

    const closedPort = await new Promise<number>((res) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => res(p));
      });
    });
    await expectError(open({ home: h.home, target: `root@127.0.0.1:${closedPort}` }), "refused", /refused the connection/);
    await expectError(open({ home: h.home, target: "root@no-such-host.invalid" }), "dns", /Cannot resolve the host name no-such-host\.invalid/);

    // Accepts TCP, never speaks SSH.
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => (held.push(s), s.on("error", () => {})));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      await expectError(open({ home: h.home, target: `root@127.0.0.1:${(silent.address() as net.AddressInfo).port}`, readyTimeoutMs: 1000 }), "timeout", /Timed out after 1 s/);
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }

    sshKeygen(path.join(h.ssh, "id_ed25519")); // a key the server does not know
    const err = await expectError(open({ home: h.home, prompts: refusingPrompts({ password: async () => undefined }) }), "auth-failed", /Authentication to root@127\.0\.0\.1:\d+ failed/);
    assert.match(err.message, /Tried: key ~\/\.ssh\/id_ed25519/);
    assert.match(err.message, /The server accepts: publickey/);
  });

  test("close(): the listener is gone, forwarded sockets end, and the process has nothing left to wait for", { timeout: 60_000 }, async () => {
    const h = home([sshd]);
    const t = await open({ home: h.home, identityFile: userKey });
    const c = await healthThrough(t);
    const port = t.localPort;
    await t.close();
    assert.deepEqual(t.state, { status: "closed" });
    await assert.rejects(httpGet(port, "/"), /ECONNREFUSED/);
    await waitFor("the client saw the forward end", () => c.state.status !== "connected", 10_000);
    await c.disconnect();

    // The same in a child process that must exit by itself once the tunnel is closed.
    const gw = realGateway();
    const child = spawn(process.execPath, [__filename], {
      env: {
        ...process.env,
        KRABKRAB_SSH_TUNNEL_CHILD: JSON.stringify({ target: `root@127.0.0.1:${sshd.port}`, remotePort: gw.port, home: h.home, knownHostsPath: h.knownHosts, identityFile: userKey, path: "/readyz" }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    assert.equal(code, 0, `the child did not exit cleanly by itself:\n${out}`);
    assert.match(out, /CLOSED HTTP\/1\.1 200 .* state=closed/);
  });
}
