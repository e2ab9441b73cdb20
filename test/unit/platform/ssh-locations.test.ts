// platform/ssh-locations.ts and its use by ssh/config-resolve: which ssh-agent, where known_hosts and
// ssh_config live, how `~` / `~\` / %d expand, for Windows, macOS and Linux, with injected platforms.
// A real Windows named-pipe agent (or Pageant) cannot run on this Linux machine, so for Windows the
// selection and the reachability check are tested, not an agent conversation; the real-agent path
// (a macOS-style IdentityAgent overriding SSH_AUTH_SOCK) runs in test/gateway/ssh/tunnel.test.ts.
import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { agentProblem, chooseAgent, expandHome, knownHostsLocations, sshConfigLocations, WINDOWS_OPENSSH_AGENT_PIPE } from "../../../src/gateway/platform";
import { resolveSshTarget } from "../../../src/gateway/ssh/config-resolve";
import { fakePlatform } from "../../support/fake-platform";

describe("chooseAgent", () => {
  test("order: the profile, then IdentityAgent (it overrides the environment, as in OpenSSH), then SSH_AUTH_SOCK", () => {
    const p = fakePlatform("linux", { env: { SSH_AUTH_SOCK: "/run/user/1000/agent.sock" } });
    assert.deepEqual(chooseAgent(p, { explicit: "/tmp/mine.sock", identityAgent: "/tmp/cfg.sock" }), { agent: "/tmp/mine.sock", source: "profile" });
    assert.deepEqual(chooseAgent(p, { identityAgent: "/tmp/cfg.sock" }), { agent: "/tmp/cfg.sock", source: "IdentityAgent" });
    assert.deepEqual(chooseAgent(p, {}), { agent: "/run/user/1000/agent.sock", source: "SSH_AUTH_SOCK" });
  });
  test("none is none: the profile's null and `IdentityAgent none` win over SSH_AUTH_SOCK", () => {
    const p = fakePlatform("linux", { env: { SSH_AUTH_SOCK: "/run/agent.sock" } });
    assert.equal(chooseAgent(p, { explicit: null }).agent, null);
    assert.equal(chooseAgent(p, { identityAgent: null }).agent, null);
    assert.match(chooseAgent(fakePlatform("linux"), {}).note!, /SSH_AUTH_SOCK is not set/);
  });
  test("macOS: launchd's SSH_AUTH_SOCK is used; a 1Password/Secretive IdentityAgent takes over from it", () => {
    const p = fakePlatform("darwin", { env: { SSH_AUTH_SOCK: "/private/tmp/com.apple.launchd.Ab12Cd/Listeners" } });
    assert.deepEqual(chooseAgent(p, {}), { agent: "/private/tmp/com.apple.launchd.Ab12Cd/Listeners", source: "SSH_AUTH_SOCK" });
    const r = resolveSshTarget("vps", {
      home: "/Users/me",
      localUser: "me",
      env: p.env,
      platform: fakePlatform("darwin", { files: { "/Users/me/.ssh/config": 'Host vps\n  HostName vps.example.com\n  IdentityAgent "~/Library/Group Containers/2BUA8C4S2C.com.1password/t/agent.sock"\n' } }),
    });
    assert.equal(r.identityAgent, "/Users/me/Library/Group Containers/2BUA8C4S2C.com.1password/t/agent.sock");
    assert.equal(chooseAgent(p, { identityAgent: r.identityAgent }).source, "IdentityAgent");
    const secretive = resolveSshTarget("vps", { home: "/Users/me", localUser: "me", env: p.env, platform: fakePlatform("darwin", { files: { "/Users/me/.ssh/config": "Host *\n  IdentityAgent %d/Library/Containers/com.maxgoedjen.Secretive.SecretAgent/Data/socket.ssh\n" } }) });
    assert.equal(secretive.identityAgent, "/Users/me/Library/Containers/com.maxgoedjen.Secretive.SecretAgent/Data/socket.ssh");
  });
  test("Windows without SSH_AUTH_SOCK: the OpenSSH agent's named pipe when it exists, else Pageant", () => {
    assert.deepEqual(chooseAgent(fakePlatform("win32", { pipes: ["openssh-ssh-agent"] }), {}), { agent: WINDOWS_OPENSSH_AGENT_PIPE, source: "windows-openssh" });
    assert.equal(WINDOWS_OPENSSH_AGENT_PIPE, "\\\\.\\pipe\\openssh-ssh-agent");
    assert.deepEqual(chooseAgent(fakePlatform("win32", { pipes: ["other-pipe"] }), {}), { agent: "pageant", source: "pageant" });
  });
  test("Windows: SSH_AUTH_SOCK (any case; Git Bash sets it) and IdentityAgent still come first", () => {
    const p = fakePlatform("win32", { pipes: ["openssh-ssh-agent"], env: { ssh_auth_sock: "C:\\Users\\me\\AppData\\Local\\Temp\\ssh-XXXX\\agent.123" } });
    assert.equal(chooseAgent(p, {}).source, "SSH_AUTH_SOCK");
    assert.equal(chooseAgent(p, { identityAgent: "\\\\.\\pipe\\my-agent" }).agent, "\\\\.\\pipe\\my-agent");
  });
});

describe("agentProblem (checked when authenticating)", () => {
  test("POSIX: a socket must exist", () => {
    const p = fakePlatform("darwin", { sockets: ["/private/tmp/l/Listeners"], files: { "/tmp/plain": "" } });
    assert.equal(agentProblem("/private/tmp/l/Listeners", p), null);
    assert.match(agentProblem("/tmp/plain", p)!, /does not exist/);
  });
  test("Windows: a named pipe must be listed (either slash style), Pageant is left to ssh2, a Cygwin socket is a file", () => {
    const p = fakePlatform("win32", { pipes: ["openssh-ssh-agent"], files: { "C:\\msys\\agent.1": "!<socket >1234 s 0-0-0-0" } });
    assert.equal(agentProblem(WINDOWS_OPENSSH_AGENT_PIPE, p), null);
    assert.equal(agentProblem("//./pipe/openssh-ssh-agent", p), null);
    assert.match(agentProblem("\\\\.\\pipe\\missing", p)!, /OpenSSH Authentication Agent/);
    assert.equal(agentProblem("pageant", p), null);
    assert.equal(agentProblem("C:\\msys\\agent.1", p), null);
    assert.match(agentProblem("C:\\msys\\agent.2", p)!, /does not exist/);
  });
});

describe("known_hosts and ssh_config locations", () => {
  test("Windows: the user's under %USERPROFILE%\\.ssh, the system's under %ProgramData%\\ssh", () => {
    const p = fakePlatform("win32", { env: { PROGRAMDATA: "D:\\ProgramData" } });
    assert.deepEqual(knownHostsLocations(p), { user: "C:\\Users\\me\\.ssh\\known_hosts", system: ["D:\\ProgramData\\ssh\\ssh_known_hosts", "D:\\ProgramData\\ssh\\ssh_known_hosts2"] });
    assert.deepEqual(sshConfigLocations(fakePlatform("win32")), { user: "C:\\Users\\me\\.ssh\\config", system: "C:\\ProgramData\\ssh\\ssh_config" });
  });
  for (const [os, home] of [["darwin", "/Users/me"], ["linux", "/home/me"]] as const) {
    test(`${os}: ~/.ssh and /etc/ssh`, () => {
      assert.deepEqual(knownHostsLocations(fakePlatform(os)), { user: `${home}/.ssh/known_hosts`, system: ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"] });
      assert.deepEqual(sshConfigLocations(fakePlatform(os)), { user: `${home}/.ssh/config`, system: "/etc/ssh/ssh_config" });
    });
  }
});

describe("~ expansion and ssh_config on Windows", () => {
  test("expandHome: ~\\ and ~/ on Windows; on POSIX a backslash is part of a file name", () => {
    const w = fakePlatform("win32");
    assert.equal(expandHome("~\\.ssh\\id_ed25519", "C:\\Users\\me", w), "C:\\Users\\me\\.ssh\\id_ed25519");
    assert.equal(expandHome("~/.ssh/id_ed25519", "C:\\Users\\me", w), "C:\\Users\\me\\.ssh\\id_ed25519");
    assert.equal(expandHome("~", "C:\\Users\\me", w), "C:\\Users\\me");
    assert.equal(expandHome("~other\\x", "C:\\Users\\me", w), "~other\\x");
    assert.equal(expandHome("~\\x", "/home/me", fakePlatform("linux")), "~\\x");
  });
  test("a Windows ~/.ssh/config: Include with a \\ glob relative to ~\\.ssh, IdentityFile with ~\\ and %d, known_hosts", () => {
    const home = "C:\\Users\\me";
    const p = fakePlatform("win32", {
      home,
      files: {
        [`${home}\\.ssh\\config`]: "Include config.d\\*.conf\r\nInclude ~\\extra\\more\r\nHost *\r\n  IdentityFile %d\\.ssh\\fallback\r\n",
        [`${home}\\.ssh\\config.d\\10-vps.conf`]: "Host vps\r\n  HostName vps.example.com\r\n  User deploy\r\n  IdentityFile ~\\.ssh\\work_ed25519\r\n  UserKnownHostsFile ~/.ssh/known_hosts_work\r\n",
        [`${home}\\.ssh\\config.d\\ignored.txt`]: "Host vps\r\n  HostName wrong.example.com\r\n",
        [`${home}\\extra\\more`]: "Host jump\r\n  HostName jump.example.com\r\n",
      },
    });
    const r = resolveSshTarget("vps", { home, localUser: "me", platform: p });
    assert.equal(r.configPath, `${home}\\.ssh\\config`);
    const hop = r.hops[0]!;
    assert.deepEqual([hop.host, hop.user], ["vps.example.com", "deploy"]);
    assert.deepEqual(hop.identityFiles, [`${home}\\.ssh\\work_ed25519`, `${home}\\.ssh\\fallback`]);
    assert.deepEqual(r.userKnownHostsFiles, [`${home}\\.ssh\\known_hosts_work`]);
    assert.equal(resolveSshTarget("jump", { home, localUser: "me", platform: p }).hops[0]!.host, "jump.example.com");
  });
});
