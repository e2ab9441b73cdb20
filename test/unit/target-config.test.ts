// Where the target comes from: profile > env > config file > defaults, with fixture config files in
// both JSON5 locations, and specific errors for bad input.
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadGatewayConfigFile, parseProfiles, parseSshTarget, plaintextAllowedHost, resolveTarget, sshTargetProblem, urlProblem } from "../../src/gateway/target-config";

function home(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "kk-home-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const KRAB = `// KrabKrab's own config (JSON5: comments, trailing commas)
{ gateway: { mode: "local", port: 19001, auth: { mode: "token", token: "krab-file-token", }, }, }`;
const CLAW_REMOTE = `{ "gateway": { "mode": "remote", "remote": { "url": "wss://gw.example.ts.net", "token": "claw-remote-token", "tlsFingerprint": "sha256:${"ab".repeat(32)}" } } }`;

test("the config file: ~/.krabkrab first, then ~/.openclaw; env paths win over both", () => {
  const both = home({ ".krabkrab/krabkrab.json": KRAB, ".openclaw/openclaw.json": CLAW_REMOTE });
  assert.equal(loadGatewayConfigFile({}, both)?.config.gateway?.port, 19001);
  const clawOnly = home({ ".openclaw/openclaw.json": CLAW_REMOTE });
  assert.equal(loadGatewayConfigFile({}, clawOnly)?.config.gateway?.mode, "remote");
  const explicit = path.join(clawOnly, ".openclaw/openclaw.json");
  assert.equal(loadGatewayConfigFile({ KRABKRAB_CONFIG_PATH: explicit }, both)?.path, explicit);
  assert.equal(loadGatewayConfigFile({}, home({})), null);
  assert.throws(() => loadGatewayConfigFile({ OPENCLAW_CONFIG_PATH: "/nonexistent/x.json" }, both), /does not exist/);
});

test("a config file with a JSON5 syntax error gives a specific error with the position", () => {
  const bad = home({ ".krabkrab/krabkrab.json": "{ gateway: { port: 1,, } }" });
  assert.throws(() => loadGatewayConfigFile({}, bad), (e: unknown) => e instanceof ConfigError && /not valid JSON5 \(line 1, column \d+\)/.test(e.message));
  const wrongType = home({ ".krabkrab/krabkrab.json": '{ gateway: { remote: "nope" } }' });
  assert.throws(() => loadGatewayConfigFile({}, wrongType), /unexpected value at gateway\.remote/);
});

test("precedence: profile > env > config file > defaults", () => {
  const cfg = loadGatewayConfigFile({}, home({ ".krabkrab/krabkrab.json": KRAB }));
  // defaults
  assert.deepEqual(resolveTarget({ env: {} }), { transport: "local", port: 18789, token: undefined, password: undefined, source: "default" });
  // config file
  const fromFile = resolveTarget({ env: {}, configFile: cfg });
  assert.equal(fromFile.transport === "local" && fromFile.port, 19001);
  assert.equal(fromFile.token, "krab-file-token");
  assert.equal(fromFile.source, "config-file");
  // env beats the file (OpenClaw's names accepted; KrabKrab's win over them)
  const fromEnv = resolveTarget({ env: { OPENCLAW_GATEWAY_TOKEN: "claw-env", OPENCLAW_GATEWAY_PORT: "19002" }, configFile: cfg });
  assert.equal(fromEnv.transport === "local" && fromEnv.port, 19002);
  assert.equal(fromEnv.token, "claw-env");
  assert.equal(resolveTarget({ env: { KRABKRAB_GATEWAY_TOKEN: "krab-env", OPENCLAW_GATEWAY_TOKEN: "claw-env" }, configFile: cfg }).token, "krab-env");
  // a profile beats env and file; its own secret beats the env token
  const prof = resolveTarget({ profile: { name: "vps", transport: "ssh", sshTarget: "me@vps.example:2222" }, profileSecrets: { token: "profile-secret" }, env: { KRABKRAB_GATEWAY_TOKEN: "krab-env" }, configFile: cfg });
  assert.equal(prof.transport, "ssh");
  assert.equal(prof.token, "profile-secret");
  assert.equal(prof.source, "profile");
});

test("the env token/password are the local gateway's: never sent to an ssh, direct or config-file remote target", () => {
  const env = { KRABKRAB_GATEWAY_TOKEN: "krab-env", OPENCLAW_GATEWAY_PASSWORD: "claw-env-pw" };
  const ssh = resolveTarget({ profile: { name: "vps", transport: "ssh", sshTarget: "vps" }, env });
  assert.equal(ssh.token, undefined);
  assert.equal(ssh.password, undefined);
  const direct = resolveTarget({ profile: { name: "tail", transport: "direct", url: "wss://gw.example.ts.net" }, env });
  assert.equal(direct.token, undefined);
  assert.equal(direct.password, undefined);
  const fileRemote = resolveTarget({ env, configFile: { path: "/x", config: { gateway: { mode: "remote", remote: { url: "wss://gw.example.ts.net" } } } } });
  assert.equal(fileRemote.transport, "direct");
  assert.equal(fileRemote.token, undefined);
  const fileSsh = resolveTarget({ env, configFile: { path: "/x", config: { gateway: { mode: "remote", remote: { sshTarget: "me@box", token: "file-remote" } } } } });
  assert.equal(fileSsh.token, "file-remote", "the config file's own remote token still applies");
  // … while local targets keep using them.
  assert.equal(resolveTarget({ profile: { name: "here", transport: "local" }, env }).token, "krab-env");
  assert.equal(resolveTarget({ env }).token, "krab-env");
  assert.equal(resolveTarget({ env, remoteName: "ssh-remote" }).password, "claw-env-pw");
});

test("gateway.mode remote in the CLI config: direct URL with fingerprint, or an SSH target", () => {
  const direct = resolveTarget({ env: {}, configFile: loadGatewayConfigFile({}, home({ ".openclaw/openclaw.json": CLAW_REMOTE })) });
  assert.equal(direct.transport, "direct");
  assert.equal(direct.transport === "direct" && direct.url, "wss://gw.example.ts.net");
  assert.equal(direct.token, "claw-remote-token");
  const ssh = resolveTarget({ env: {}, configFile: loadGatewayConfigFile({}, home({ ".krabkrab/krabkrab.json": '{gateway:{mode:"remote",port:18800,remote:{sshTarget:"me@box",sshIdentity:"~/.ssh/id_ed25519",token:"t0k3n-remote"}}}' })) });
  assert.deepEqual(ssh, { transport: "ssh", sshTarget: "me@box", identityFile: "~/.ssh/id_ed25519", remotePort: 18800, localPort: 0, token: "t0k3n-remote", password: undefined, source: "config-file" });
  assert.throws(() => resolveTarget({ env: {}, configFile: { path: "/x", config: { gateway: { mode: "remote", remote: {} } } } }), /neither gateway\.remote\.url nor gateway\.remote\.sshTarget/);
});

test("in a Remote-SSH workspace the default is loopback on the remote host, no tunnel", () => {
  const t = resolveTarget({ env: { KRABKRAB_GATEWAY_TOKEN: "tk-remote-host" }, remoteName: "ssh-remote", configFile: { path: "/x", config: { gateway: { mode: "remote", remote: { url: "wss://elsewhere" } } } } });
  assert.equal(t.transport, "local");
  assert.equal(t.source, "remote-workspace");
});

test("SSH targets: good forms parse; options, shell characters and ProxyCommand tricks are refused", () => {
  assert.deepEqual(parseSshTarget("me@vps.example.com:2222"), { user: "me", host: "vps.example.com", port: 2222 });
  assert.deepEqual(parseSshTarget("myalias"), { user: undefined, host: "myalias", port: undefined });
  assert.deepEqual(parseSshTarget("root@[::1]:22"), { user: "root", host: "::1", port: 22 });
  for (const bad of ["-oProxyCommand=touch /tmp/pwned", "me@host;rm -rf /", "me@host $(id)", "me@`id`", "host|nc", "me@host:99999", "me@host:0", "@host", "me@-host", "me@host -oProxyCommand=x", "", "a b"]) {
    assert.ok(sshTargetProblem(bad), `refused: ${bad}`);
  }
});

test("direct URLs: scheme, fingerprint and the plain-ws token rule are decided before any socket", () => {
  assert.equal(urlProblem("wss://gw.example.com", `sha256:${"AB:".repeat(31)}AB`), null);
  assert.match(urlProblem("http://gw", undefined) ?? "", /ws:\/\/ or wss:\/\//);
  assert.match(urlProblem("not a url", undefined) ?? "", /not a valid URL/);
  assert.match(urlProblem("ws://127.0.0.1:18789", "sha256:" + "ab".repeat(32)) ?? "", /only makes sense with a wss/);
  assert.match(urlProblem("wss://x", "nothex") ?? "", /SHA-256/);
  assert.match(urlProblem("wss://user:pw@x") ?? "", /credentials/);
  for (const ok of ["ws://127.0.0.1:1", "ws://localhost:1", "ws://[::1]:1", "ws://100.101.102.103:18789", "ws://gw.tail1234.ts.net", "ws://192.168.1.5:18789", "ws://10.0.0.2", "ws://172.20.1.1"]) assert.equal(urlProblem(ok), null, ok);
  assert.match(urlProblem("ws://203.0.113.7:18789") ?? "", /public address 203\.0\.113\.7.*allowInsecurePublicWs/);
  assert.equal(urlProblem("ws://203.0.113.7:18789", undefined, { allowInsecurePublic: true }), null);
  assert.equal(urlProblem("ws://203.0.113.7:18789", undefined, { hasSecret: false }), null);
  assert.equal(plaintextAllowedHost("100.128.0.1"), null, "just outside 100.64.0.0/10");
});

test("profiles setting: each bad profile is reported specifically, good ones kept", () => {
  const { profiles, errors } = parseProfiles([
    { name: "ok", transport: "ssh", sshTarget: "me@vps" },
    { name: "bad-port", transport: "ssh", sshTarget: "me@vps", remotePort: 70000 },
    { name: "inject", transport: "ssh", sshTarget: "-oProxyCommand=evil" },
    { name: "nourl", transport: "direct" },
    { transport: "local" },
    "garbage",
  ]);
  assert.deepEqual(profiles.map((p) => p.name), ["ok"]);
  assert.equal(errors.length, 5);
  assert.match(errors.join("\n"), /remotePort/);
  assert.match(errors.join("\n"), /starts with "-"/);
  assert.match(errors.join("\n"), /needs url/);
  assert.deepEqual(parseProfiles("x").errors, ["krabkrab.profiles must be a list of profiles."]);
});

test("ports out of range in the environment are specific errors", () => {
  assert.throws(() => resolveTarget({ env: { KRABKRAB_GATEWAY_PORT: "70000" } }), /KRABKRAB_GATEWAY_PORT must be a port number/);
  assert.throws(() => resolveTarget({ env: { OPENCLAW_GATEWAY_PORT: "abc" } }), /OPENCLAW_GATEWAY_PORT/);
});
