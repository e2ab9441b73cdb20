// known_hosts parsing/hashing/matching and ~/.ssh/config resolution: pure (no sshd, no network). The
// hashed lines and the fingerprint below were produced by OpenSSH 9.2's ssh-keygen (-H, -l).
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  hashHostName,
  hostPatternsMatch,
  keyTypeOfBlob,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from "../../../src/gateway/ssh/known-hosts";
import { resolveSshTarget, SshConfigError } from "../../../src/gateway/ssh/config-resolve";

// ssh-keygen -t ed25519 → k1.pub; `ssh-keygen -lf k1.pub` printed this fingerprint.
const K1 = "AAAAC3NzaC1lZDI1NTE5AAAAIP8XgRylcrw1fsPjHPz2Y7w8TfQkKQgGJ1tNTPj13raQ";
const K1_FP = "SHA256:zlGnljeCtHQLmO/CnwAipEI85wji7Lf4CQT4NDJeKJo";
// `ssh-keygen -H` of "[gw.example.com]:2222 …" and "example.org …".
const HASHED_GW = "|1|vacg/WhGiG8a+Dtcdb7KonVwaDQ=|/rfRSJlGYNa84XEWMkfZNeBbUJk=";
const HASHED_ORG = "|1|MkMR44U3IUB5N0mEIzlhCm5B9Fs=|ZBsM2Q9PV0NonoNqhNJQYdN3kMc=";

function sshString(b: Buffer | string): Buffer {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}
/** A syntactically valid key blob of the given type (the key material is just bytes). */
function blob(type: string, fill: number): Buffer {
  return Buffer.concat([sshString(type), sshString(Buffer.alloc(32, fill))]);
}
const k1 = Buffer.from(K1, "base64");
const k2 = blob("ssh-ed25519", 2);
const ecdsa = Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString("nistp256"), sshString(Buffer.alloc(65, 4))]);
const line = (hosts: string, b: Buffer, marker = "") => `${marker ? marker + " " : ""}${hosts} ${keyTypeOfBlob(b)} ${b.toString("base64")}`;

describe("known_hosts", () => {
  test("fingerprint is SHA256: + unpadded base64 of sha256(blob), as ssh-keygen -l prints", () => {
    assert.equal(fingerprintSha256(k1), K1_FP);
    assert.ok(!fingerprintSha256(k2).endsWith("="));
  });

  test("key type comes from the blob", () => {
    assert.equal(keyTypeOfBlob(k1), "ssh-ed25519");
    assert.equal(keyTypeOfBlob(ecdsa), "ecdsa-sha2-nistp256");
    assert.equal(keyTypeOfBlob(Buffer.from([0, 0])), null);
    assert.equal(keyTypeOfBlob(Buffer.from([0, 0, 0, 200, 1, 2])), null);
  });

  test("names: host on port 22, [host]:port otherwise, lower-cased", () => {
    assert.equal(knownHostsName("Example.ORG", 22), "example.org");
    assert.equal(knownHostsName("127.0.0.1", 2222), "[127.0.0.1]:2222");
    assert.equal(knownHostsName("::1", 2200), "[::1]:2200");
  });

  test("hashed entries written by ssh-keygen -H match, and only their own name", () => {
    assert.ok(hostPatternsMatch(HASHED_GW, "[gw.example.com]:2222"));
    assert.ok(!hostPatternsMatch(HASHED_GW, "gw.example.com"));
    assert.ok(!hostPatternsMatch(HASHED_GW, "[gw.example.com]:22"));
    assert.ok(hostPatternsMatch(HASHED_ORG, "example.org"));
    assert.ok(!hostPatternsMatch("|1|garbage", "example.org"));
    const salt = Buffer.alloc(20, 7);
    const h = hashHostName("[h.test]:2022", salt);
    assert.match(h, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+$/);
    assert.ok(hostPatternsMatch(h, "[h.test]:2022"));
    assert.ok(hostPatternsMatch(hashHostName("x"), "x"), "random salt");
  });

  test("plain patterns: several per line, wildcards, negation, case-insensitive", () => {
    assert.ok(hostPatternsMatch("alpha,beta,[gamma]:2200", "beta"));
    assert.ok(hostPatternsMatch("alpha,beta,[gamma]:2200", "[gamma]:2200"));
    assert.ok(!hostPatternsMatch("alpha,beta,[gamma]:2200", "gamma"));
    assert.ok(hostPatternsMatch("*.example.com", "gw.example.com"));
    assert.ok(!hostPatternsMatch("*.example.com", "example.com"));
    assert.ok(hostPatternsMatch("gw?.example.com", "gw1.example.com"));
    assert.ok(!hostPatternsMatch("*.example.com,!bad.example.com", "bad.example.com"));
    assert.ok(hostPatternsMatch("*.example.com,!bad.example.com", "ok.example.com"));
    assert.ok(hostPatternsMatch("GW.Example.com", "gw.example.com"));
    assert.ok(!hostPatternsMatch("a.b", "aXb"), "dots are literal");
  });

  test("parse: comments, blank lines, CRLF, markers, and bad lines reported with their numbers", () => {
    const text = [
      "# a comment",
      "",
      `${line("a,b", k1)}\r`,
      "   # indented comment",
      line("*", k2, "@revoked"),
      line("*.example.com", k2, "@cert-authority"),
      "@bogus host ssh-ed25519 " + K1,
      "onlyhost",
      "host ssh-ed25519 not*base64",
      `host ssh-rsa ${K1}`,
      `${HASHED_GW} ssh-ed25519 ${K1} a trailing comment`,
    ].join("\n");
    const { entries, problems } = parseKnownHosts(text);
    assert.deepEqual(
      entries.map((e) => [e.line, e.marker ?? "", e.hosts, e.keyType]),
      [
        [3, "", "a,b", "ssh-ed25519"],
        [5, "revoked", "*", "ssh-ed25519"],
        [6, "cert-authority", "*.example.com", "ssh-ed25519"],
        [11, "", HASHED_GW, "ssh-ed25519"],
      ],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [7, 8, 9, 10],
    );
    assert.match(problems[3]!.reason, /does not match/);
  });

  test("check: known, changed (with the line), unknown with other types, revoked, CA lines ignored", () => {
    const text = ["# header", line("[127.0.0.1]:2222,other", k1), line("example.org", ecdsa), line("*.test", k2, "@cert-authority")].join("\n");
    const src = [{ path: "/kh", text }];
    assert.deepEqual(checkHostKey(src, "[127.0.0.1]:2222", k1), { status: "known", path: "/kh", line: 2 });
    assert.deepEqual(checkHostKey(src, "other", k2), { status: "changed", path: "/kh", line: 2, expectedKeyType: "ssh-ed25519", expectedFingerprint: K1_FP });
    assert.deepEqual(checkHostKey(src, "example.org", k1), { status: "unknown", otherKeyTypes: ["ecdsa-sha2-nistp256"] });
    assert.deepEqual(checkHostKey(src, "[127.0.0.1]:2223", k1), { status: "unknown", otherKeyTypes: [] });
    assert.deepEqual(checkHostKey(src, "gw.test", k2), { status: "unknown", otherKeyTypes: [] }, "a CA line is not a host key");
    // Another line with the right key wins over a stale one of the same type (OpenSSH does the same).
    const two = [{ path: "/kh", text: [line("h", k2), line("h", k1)].join("\n") }];
    assert.equal(checkHostKey(two, "h", k1).status, "known");
    // @revoked wins even when a plain line lists the key.
    const rev = [{ path: "/kh", text: [line("h", k1), line("*", k1, "@revoked")].join("\n") }];
    assert.deepEqual(checkHostKey(rev, "h", k1), { status: "revoked", path: "/kh", line: 2 });
    // Several files: the user file first, then the system one.
    const multi = [
      { path: "/user", text: "" },
      { path: "/etc", text: `\n${line(HASHED_GW, k2)}` },
    ];
    assert.deepEqual(checkHostKey(multi, "[gw.example.com]:2222", k1), { status: "changed", path: "/etc", line: 2, expectedKeyType: "ssh-ed25519", expectedFingerprint: fingerprintSha256(k2) });
    assert.deepEqual(knownKeyTypes([{ path: "/kh", text }], "example.org"), ["ecdsa-sha2-nistp256"]);
  });

  test("append creates ~/.ssh (0700) and known_hosts (0600), keeps lines whole, returns the line number", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kh-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "home", ".ssh", "known_hosts");
    assert.equal(appendKnownHost(file, knownHostsLine("[127.0.0.1]:2222", k1)), 1);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    writeFileSync(file, readFileSync(file, "utf8") + "# no newline at the end");
    assert.equal(appendKnownHost(file, knownHostsLine("h2", k2, { hash: true })), 3);
    const text = readFileSync(file, "utf8");
    assert.equal(text.split("\n").length, 4);
    assert.deepEqual(checkHostKey([{ path: file, text }], "h2", k2), { status: "known", path: file, line: 3 });
    assert.ok(!text.includes("h2 "), "hashed name");
    assert.equal(checkHostKey([{ path: file, text }], "[127.0.0.1]:2222", k1).status, "known");
  });
});

describe("~/.ssh/config resolution", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sshcfg-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, "home");
  mkdirSync(path.join(home, ".ssh", "conf.d"), { recursive: true });
  const cfg = path.join(home, ".ssh", "config");
  writeFileSync(
    cfg,
    [
      "Include conf.d/*.conf",
      "Host gw",
      "  HostName %h.example.net",
      "  User alice",
      "  Port 2222",
      "  IdentityFile ~/.ssh/gw_key",
      "  IdentityFile %d/.ssh/other_%r",
      "  ProxyJump bastion",
      "Host bastion",
      "  HostName 10.0.0.1",
      "  User jump",
      "  IdentityFile ~/.ssh/bastion_key",
      "Host multi",
      "  ProxyJump bastion,carol@mid.example:2200",
      "Host nojump",
      "  ProxyJump none",
      "  HostKeyAlias nojump-alias",
      "  IdentityAgent none",
      "Host pc",
      "  ProxyCommand nc %h %p",
      "Host loop1",
      "  ProxyJump loop2",
      "Host loop2",
      "  ProxyJump loop1",
      "Host *",
      "  HashKnownHosts yes",
      "  UserKnownHostsFile ~/.ssh/kh_%u",
    ].join("\n"),
  );
  writeFileSync(path.join(home, ".ssh", "conf.d", "a.conf"), "Host inc\n  HostName included.example\n  Port 2200\n");
  const opts = { configPath: cfg, home, localUser: "me", env: {} };

  test("alias: HostName with %h, User, Port, IdentityFile with ~ and %-tokens, ProxyJump through an alias", () => {
    const r = resolveSshTarget("gw", opts);
    assert.equal(r.hops.length, 2);
    const [jump, target] = r.hops;
    assert.deepEqual(
      { host: jump!.host, port: jump!.port, user: jump!.user, ids: jump!.identityFiles },
      { host: "10.0.0.1", port: 22, user: "jump", ids: [path.join(home, ".ssh/bastion_key")] },
    );
    assert.deepEqual(
      { host: target!.host, port: target!.port, user: target!.user, ids: target!.identityFiles, label: target!.label },
      { host: "gw.example.net", port: 2222, user: "alice", ids: [path.join(home, ".ssh/gw_key"), path.join(home, ".ssh/other_alice")], label: "alice@gw.example.net:2222" },
    );
    assert.equal(r.hashKnownHosts, true);
    assert.deepEqual(r.userKnownHostsFiles, [path.join(home, ".ssh/kh_me")]);
  });

  test("explicit user and port in the target win over the config", () => {
    const r = resolveSshTarget("bob@gw:2022", opts);
    const t = r.hops.at(-1)!;
    assert.equal(t.user, "bob");
    assert.equal(t.port, 2022);
  });

  test("several jump hops; a hop given as user@host:port; none; HostKeyAlias; IdentityAgent none", () => {
    const r = resolveSshTarget("multi", opts);
    assert.deepEqual(
      r.hops.map((h) => h.label),
      ["jump@10.0.0.1", "carol@mid.example:2200", "me@multi"],
    );
    const n = resolveSshTarget("nojump", opts);
    assert.equal(n.hops.length, 1);
    assert.equal(n.hops[0]!.hostKeyAlias, "nojump-alias");
    assert.equal(n.identityAgent, null);
  });

  test("unknown host: defaults; Include files are read", () => {
    const r = resolveSshTarget("plain.example", opts);
    assert.deepEqual(r.hops.map((h) => [h.host, h.port, h.user]), [["plain.example", 22, "me"]]);
    const i = resolveSshTarget("inc", opts);
    assert.deepEqual([i.hops[0]!.host, i.hops[0]!.port], ["included.example", 2200]);
  });

  test("refuses ProxyCommand, jump loops, bad targets; a missing config is empty", () => {
    assert.throws(() => resolveSshTarget("pc", opts), (e: unknown) => e instanceof SshConfigError && /ProxyCommand/.test(e.message) && /ProxyJump/.test(e.message));
    assert.throws(() => resolveSshTarget("loop1", opts), (e: unknown) => e instanceof SshConfigError && /loops back/.test(e.message));
    assert.throws(() => resolveSshTarget("-oProxyCommand=x", opts), SshConfigError);
    const r = resolveSshTarget("root@127.0.0.1:2200", { ...opts, configPath: path.join(dir, "missing") });
    assert.deepEqual(r.hops.map((h) => h.label), ["root@127.0.0.1:2200"]);
    assert.equal(r.hashKnownHosts, false);
  });
});
