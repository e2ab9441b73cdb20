// Password and keyboard-interactive SSH auth against a REAL OpenSSH sshd (PAM), through the tunnel to the
// real gateway. The sshd fixture gives root a throwaway password in a private mount namespace (a copy of
// /etc/shadow bind-mounted over the real one), so the machine's own accounts are never touched.
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { OperatorClient } from "../../../src/gateway";
import { SshTunnel, SshTunnelError, type SshPrompts } from "../../../src/gateway/ssh";
import { startSshd, type SshdHandle } from "../../fixtures/sshd";
import { operator, realGateway } from "../../support/real-peers";

const PASSWORD = "kk-Test-passw0rd!";
const work = mkdtempSync(path.join(process.env.KRABKRAB_TEST_WORKDIR || os.tmpdir(), "ssh-password-"));
const sshds: SshdHandle[] = [];
const tunnels: SshTunnel[] = [];
const clients: OperatorClient[] = [];

after(async () => {
  for (const c of clients) await c.disconnect();
  for (const t of tunnels) await t.close();
  for (const s of sshds) await s.stop();
});

/** An empty home (no keys, no agent) that trusts the sshd's host key: only password-style auth is left. */
function home(sshd: SshdHandle): string {
  const h = path.join(work, `home-${sshd.port}`);
  mkdirSync(path.join(h, ".ssh"), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(h, ".ssh", "known_hosts"), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`, { mode: 0o600 });
  return h;
}

function prompts(over: Partial<SshPrompts>): SshPrompts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    confirmHostKey: async () => {
      throw new Error("unexpected host key prompt");
    },
    passphrase: async () => {
      throw new Error("unexpected passphrase prompt");
    },
    password: async (u) => {
      asked.push(`password ${u}`);
      return PASSWORD;
    },
    ...over,
  };
}

async function tunnelHealth(sshd: SshdHandle, p: SshPrompts): Promise<void> {
  const t = await SshTunnel.open({ target: `root@127.0.0.1:${sshd.port}`, remotePort: realGateway().port, home: home(sshd), agent: null, globalKnownHostsPaths: [], prompts: p });
  tunnels.push(t);
  const c = operator({ url: t.url });
  clients.push(c);
  await c.connect();
  assert.equal((await c.health()).ok, true);
}

test("password auth: the password prompt's answer opens the tunnel", async () => {
  const sshd = await startSshd({ rootDir: path.join(work, "pw"), rootPassword: { password: PASSWORD, methods: ["password"] } });
  sshds.push(sshd);
  const p = prompts({});
  await tunnelHealth(sshd, p);
  assert.deepEqual(p.asked, ["password root@127.0.0.1:" + sshd.port]);
  assert.match(sshd.log(), /Accepted password for root/);
});

test("keyboard-interactive auth (PAM's Password: question) goes through the keyboard-interactive prompt", async () => {
  const sshd = await startSshd({ rootDir: path.join(work, "kbd"), rootPassword: { password: PASSWORD, methods: ["keyboard-interactive"] } });
  sshds.push(sshd);
  const questions: string[] = [];
  const p = prompts({
    password: async () => {
      throw new Error("the password prompt should not be used when keyboardInteractive exists");
    },
    keyboardInteractive: async (_name, _instructions, qs) => {
      questions.push(...qs.map((q) => `${q.prompt}|echo=${q.echo}`));
      return qs.map(() => PASSWORD);
    },
  });
  await tunnelHealth(sshd, p);
  assert.ok(questions.some((q) => /password/i.test(q) && q.endsWith("echo=false")), `questions: ${questions.join(", ")}`);
  assert.match(sshd.log(), /Accepted keyboard-interactive\/pam for root/);
});

test("a wrong password is refused with an auth-failed error after three tries, and the password is never in it", async () => {
  const sshd = sshds[0]!;
  let tries = 0;
  const wrong = "definitely-not-the-password";
  await assert.rejects(
    SshTunnel.open({ target: `root@127.0.0.1:${sshd.port}`, remotePort: realGateway().port, home: home(sshd), agent: null, globalKnownHostsPaths: [], prompts: prompts({ password: async () => (tries++, wrong) }) }),
    (err: unknown) => {
      assert.ok(err instanceof SshTunnelError, String(err));
      assert.equal(err.kind, "auth-failed");
      assert.ok(!err.message.includes(wrong), "the password leaked into the error");
      return true;
    },
  );
  assert.equal(tries, 3);
});
