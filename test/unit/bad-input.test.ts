// Bad input is refused with a specific error before anything runs: malformed gateway URLs, ports out of
// range, SSH targets that look like options or carry shell syntax, ProxyCommand / LocalCommand /
// `Match exec` in ~/.ssh/config (never run: we have no shell to run them with), missing identity files,
// JSON5 config syntax errors. Plus a source guard: nothing in src/ spawns through a shell.
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, createDeviceIdentity, GatewayIssueError, LocalGateway, LocalGatewayError, loadGatewayConfigFile, OperatorClient, parseProfiles, resolveTarget, sshTargetProblem, urlProblem } from "../../src/gateway";
import { resolveSshTarget } from "../../src/gateway/ssh/config-resolve";
import { SshTunnel, SshTunnelError, type SshPrompts } from "../../src/gateway/ssh";

const prompts: SshPrompts = {
  confirmHostKey: async () => false,
  passphrase: async () => undefined,
  password: async () => undefined,
};

const repo = path.resolve(__dirname, "../../..");
const work = mkdtempSync(path.join(tmpdir(), "kk-bad-input-"));

test("malformed gateway URLs: a specific config error before any socket, not a misleading security error", async () => {
  const bad: [string, RegExp][] = [
    ["not a url", /not a valid URL/],
    ["ws://", /not a valid URL/],
    ["ws://127.0.0.1:99999", /not a valid URL/],
    ["ws://127.0.0.1:-1", /not a valid URL/],
    ["ws://[::1", /not a valid URL/],
    ["http://127.0.0.1:18789", /must start with ws:\/\/ or wss:\/\//],
    ["file:///etc/passwd", /must start with ws:\/\/ or wss:\/\//],
    ["javascript:alert(1)", /must start with ws:\/\/ or wss:\/\//],
    ["ws://user:secret-pw@127.0.0.1:1", /credentials/],
  ];
  for (const [url, re] of bad) {
    const c = new OperatorClient({ url, token: "tok-bad-url", identity: createDeviceIdentity(), clientVersion: "0.0.0-test" });
    await assert.rejects(c.connect(), (e: unknown) => e instanceof GatewayIssueError && e.issue.kind === "config-invalid" && re.test(e.issue.message) && !e.issue.message.includes("secret-pw"), url);
    assert.equal(c.state.status, "disconnected", `${url}: nothing started`);
  }
  assert.match(urlProblem("ws://" + "a".repeat(5000)) ?? "", /public address/, "a long host is judged, not crashed on");
});

test("ports out of range: env, profiles and the local gateway each name the bad value", async () => {
  for (const v of ["0", "65536", "-1", "1.5", "abc", "18789x", "0x50", "1e3", "+80"]) {
    assert.throws(() => resolveTarget({ env: { KRABKRAB_GATEWAY_PORT: v } }), (e: unknown) => e instanceof Error && /KRABKRAB_GATEWAY_PORT/.test(e.message), v);
  }
  const { errors } = parseProfiles([
    { name: "a", transport: "local", port: 70000 },
    { name: "b", transport: "ssh", sshTarget: "me@h", localPort: -5 },
    { name: "c", transport: "ssh", sshTarget: "me@h", remotePort: 1.5 },
  ]);
  assert.equal(errors.length, 3, errors.join("\n"));
  for (const port of [0, -1, 1.5, 65536, 70000, Number.NaN]) {
    await assert.rejects(LocalGateway.start({ port, token: "tok-bad-port", command: "/bin/false" }), (e: unknown) => e instanceof LocalGatewayError && e.kind === "config-error" && /from 1 to 65535/.test(e.message), String(port));
  }
  await assert.rejects(SshTunnel.open({ target: "me@127.0.0.1", remotePort: 70000, home: work, agent: null, prompts }), (e: unknown) => e instanceof SshTunnelError && e.kind === "config" && /remotePort/.test(e.message));
});

test("SSH targets that look like options or hold shell syntax are refused before anything connects", async () => {
  const marker = path.join(work, "pwned-target");
  const attempts = [
    `-oProxyCommand=touch ${marker}`,
    "-oProxyCommand=sh",
    "-J evil",
    `me@host -oProxyCommand=touch ${marker}`,
    `me@host;touch ${marker}`,
    `me@host|touch ${marker}`,
    `me@host&&touch ${marker}`,
    `me@$(touch ${marker})`,
    "me@`id`",
    "me@host\ntouch x",
    "me@-oProxyCommand=x",
    "-me@host",
    "me@host:22;id",
    "me@host:99999",
    "me'@host",
    'me"@host',
    "me@ho st",
    "me@host>out",
  ];
  for (const target of attempts) {
    assert.ok(sshTargetProblem(target), `sshTargetProblem refuses ${JSON.stringify(target)}`);
    await assert.rejects(SshTunnel.open({ target, remotePort: 18789, home: work, agent: null, prompts }), (e: unknown) => e instanceof SshTunnelError && e.kind === "config", JSON.stringify(target));
    assert.throws(() => resolveTarget({ profile: { name: "p", transport: "ssh", sshTarget: target }, env: {} }), ConfigError, JSON.stringify(target));
  }
  assert.equal(existsSync(marker), false, "nothing ran");
});

test("~/.ssh/config: ProxyCommand is refused with a clear error; LocalCommand and Match exec are never run", async () => {
  const home = path.join(work, "home-proxy");
  const ssh = path.join(home, ".ssh");
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  const m = (n: string) => path.join(work, `pwned-${n}`);
  writeFileSync(
    path.join(ssh, "config"),
    [
      `Match exec "touch ${m("match-exec")}"`,
      "  User matched",
      "Host via-proxy",
      "  HostName 127.0.0.1",
      `  ProxyCommand sh -c 'touch ${m("proxy")}; nc %h %p'`,
      "Host with-local",
      "  HostName 127.0.0.1",
      "  Port 1",
      "  PermitLocalCommand yes",
      `  LocalCommand touch ${m("local")}`,
      "Host hop-proxy",
      "  HostName 127.0.0.2",
      `  ProxyCommand touch ${m("hop-proxy")}`,
      "Host jump-target",
      "  HostName 127.0.0.3",
      "  ProxyJump me@127.0.0.1:1,hop-proxy",
      "",
    ].join("\n"),
  );
  await assert.rejects(SshTunnel.open({ target: "via-proxy", remotePort: 18789, home, agent: null, prompts }), (e: unknown) => e instanceof SshTunnelError && e.kind === "config" && /sets ProxyCommand for "via-proxy", which KrabKrab does not run/.test(e.message) && /ProxyJump/.test(e.message));
  // LocalCommand is not something we implement: the host resolves and the connection is attempted (port 1
  // refuses), nothing is executed locally.
  await assert.rejects(SshTunnel.open({ target: "with-local", remotePort: 18789, home, agent: null, prompts, readyTimeoutMs: 5000 }), (e: unknown) => e instanceof SshTunnelError && e.kind === "refused");
  // A ProxyCommand on a later ProxyJump hop is not used either (that hop is reached through the first).
  const r = resolveSshTarget("jump-target", { home, localUser: "me" });
  assert.deepEqual(r.hops.map((h) => h.alias), ["127.0.0.1", "hop-proxy", "jump-target"]);
  for (const n of ["match-exec", "proxy", "local", "hop-proxy"]) assert.equal(existsSync(m(n)), false, `${n} never ran`);
});

test("missing identity files: a specific error naming the file, before any connection", async () => {
  const missing = path.join(work, "no-such-key");
  await assert.rejects(SshTunnel.open({ target: "me@127.0.0.1:1", remotePort: 18789, home: work, agent: null, prompts, identityFile: missing }), (e: unknown) => e instanceof SshTunnelError && e.kind === "identity-missing" && e.message.includes(missing));
});

test("JSON5 config files with syntax errors name the file, line and column", () => {
  const cases: [string, RegExp][] = [
    ["{ gateway: { port: 18789,, } }", /line 1, column 26/],
    ['{ gateway: { auth: { token: "unterminated } } }', /not valid JSON5/],
    ["{\n  gateway: {\n    port: 18789\n    mode: 'local'\n  }\n}", /line 4, column 5/],
    ["", /not valid JSON5/],
    ["\u0000\u0001binary", /not valid JSON5 \(line 1, column 1\)/],
    ["{ gateway: { port: 0x }", /not valid JSON5/],
  ];
  for (const [text, re] of cases) {
    const dir = mkdtempSync(path.join(work, "cfg-"));
    const file = path.join(dir, "krabkrab.json");
    writeFileSync(file, text);
    assert.throws(() => loadGatewayConfigFile({ KRABKRAB_CONFIG_PATH: file }, dir), (e: unknown) => e instanceof ConfigError && e.message.includes(file) && re.test(e.message), JSON.stringify(text));
  }
  const dir = mkdtempSync(path.join(work, "cfg-"));
  const file = path.join(dir, "krabkrab.json");
  writeFileSync(file, '{ gateway: { port: "eighty", auth: { token: "file-secret-123" } } }');
  const cfg = loadGatewayConfigFile({ KRABKRAB_CONFIG_PATH: file }, dir);
  assert.throws(() => resolveTarget({ env: {}, configFile: cfg }), (e: unknown) => e instanceof Error && /gateway\.port in .*krabkrab\.json/.test(e.message) && !e.message.includes("file-secret-123"));
});

test("a configured gateway command with shell syntax is looked up as one file name, never run through a shell", async () => {
  const marker = path.join(work, "pwned-command");
  await assert.rejects(LocalGateway.start({ port: 1, token: "tok-cmd", command: `sh -c 'touch ${marker}'`, readyTimeoutMs: 1000 }), (e: unknown) => e instanceof LocalGatewayError && (e.kind === "command-not-found" || e.kind === "port-busy"));
  await assert.rejects(LocalGateway.start({ port: 1, token: "tok-cmd", command: `krabkrab; touch ${marker}`, readyTimeoutMs: 1000 }), (e: unknown) => e instanceof LocalGatewayError);
  assert.equal(existsSync(marker), false);
});

test("source guard: src/ never spawns through a shell (argument arrays only)", () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(n)) files.push(p);
    }
  };
  walk(path.join(repo, "src"));
  assert.ok(files.length > 10, `found the sources (${files.length})`);
  const offences: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    const rel = path.relative(repo, f);
    text.split("\n").forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/shell\s*:\s*(true|["'`])/.test(code)) offences.push(`${rel}:${i + 1}: shell option: ${line.trim()}`);
      if (/\b(execSync|execFileSync|spawnSync)\s*\(/.test(code)) offences.push(`${rel}:${i + 1}: synchronous child process: ${line.trim()}`);
      // child_process.exec / a bare exec( runs a shell; `x.exec(` on a RegExp or an ssh2 client is fine.
      if (/(^|[^.\w])exec\s*\(/.test(code)) offences.push(`${rel}:${i + 1}: exec(): ${line.trim()}`);
      if (/from\s+["'](node:)?child_process["']/.test(code) && /\bexec\b(?!File)/.test(code.replace(/execFile/g, ""))) offences.push(`${rel}:${i + 1}: imports exec: ${line.trim()}`);
    });
    // The one remote command runner runs fixed strings only (no user text reaches the remote shell).
    for (const m of text.matchAll(/execFixed\(([^,:]+),\s*([^,]+),/g)) {
      if (!/^`\$\{name\} status --json`$/.test(m[2]!.trim())) offences.push(`${rel}: execFixed with a non-fixed command: ${m[2]}`);
    }
  }
  assert.deepEqual(offences, []);
  const spawns = files.flatMap((f) => {
    const text = readFileSync(f, "utf8");
    return [...text.matchAll(/\bspawn\(([^,]+),\s*([^,]+),/g)].map((m) => ({ text, s: `${path.relative(repo, f)}: spawn(${m[1]}, ${m[2]}, …)` }));
  });
  for (const { text, s } of spawns) {
    // `plan.args` is an argument array from platform/command.ts's spawnPlan (its one cmd.exe fallback quotes
    // and refuses metacharacters; platform-command.test.ts checks that).
    assert.match(s, /spawn\([\w.]+, (this\.args\(\)|\[|plan\.args)/, `spawn with an argument array: ${s}`);
    if (s.includes("plan.args")) assert.match(text, /plan = spawnPlan\(/, `plan.args must come from spawnPlan: ${s}`);
  }
});
