// What crosses between the SSH worker and the caller's thread: errors as fields, rebuilt as the classes an
// in-thread tunnel throws (error-ui maps them by kind; Retry is withheld for host-key-changed), through a
// real structured clone (a MessageChannel), as worker_threads sends them. And the extension's switch to keep
// ssh2 in the extension host's thread.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { MessageChannel } from "node:worker_threads";
import { sshTunnelWhere } from "../../../src/extension/connection/ssh-transport";
import { HostKeyChangedError, SshTunnelError } from "../../../src/gateway/ssh/errors";
import { errorFromWire, errorToWire, type WireError } from "../../../src/gateway/ssh/worker-protocol";

function cloned(w: WireError): Promise<WireError> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port2.once("message", (m: WireError) => {
      port1.close();
      port2.close();
      resolve(m);
    });
    port1.postMessage(w);
  });
}

const same = (s: string) => s;

test("HostKeyChangedError survives the clone with its info and message", async () => {
  const info = { host: "h", port: 22, knownHostsName: "h", keyType: "ssh-ed25519", expectedFingerprint: "SHA256:a", offeredFingerprint: "SHA256:b", knownHostsPath: "/k", line: 3 };
  const orig = new HostKeyChangedError(info);
  const back = errorFromWire(await cloned(errorToWire(orig)), same);
  assert.ok(back instanceof HostKeyChangedError);
  assert.deepEqual(back.info, info);
  assert.equal(back.message, orig.message);
  assert.equal(back.kind, "host-key-changed");
  assert.equal(back.retryable, false);
});

test("SshTunnelError keeps kind, retryable, its setting (from the kind) and its causes; the message is redacted on arrival", async () => {
  const orig = new SshTunnelError("The identity file /k does not exist. hunter2-secret", "identity-missing", false, new Error("ENOENT: no such file"));
  const back = errorFromWire(await cloned(errorToWire(orig)), (s) => s.replace("hunter2-secret", "‹redacted›"));
  assert.ok(back instanceof SshTunnelError);
  assert.equal(back.kind, "identity-missing");
  assert.equal(back.retryable, false);
  assert.equal(back.setting, "krabkrab.profiles");
  assert.match(back.message, /does not exist\. ‹redacted›$/);
  assert.match(String((back.cause as Error).message), /ENOENT/);
  const retry = errorFromWire(await cloned(errorToWire(new SshTunnelError("reset", "disconnected", true))), same) as SshTunnelError;
  assert.equal(retry.retryable, true);
});

test("an error that is not an SshTunnelError stays a plain Error (no kind invented)", async () => {
  const back = errorFromWire(await cloned(errorToWire(new TypeError("bug in the worker"))), same);
  assert.ok(!(back instanceof SshTunnelError));
  assert.equal(back.name, "TypeError");
  assert.equal(back.message, "bug in the worker");
});

test("KRABKRAB_SSH_WORKER=0 keeps ssh2 in the extension host's thread; otherwise the worker runs the SSH bundle", () => {
  const before = process.env.KRABKRAB_SSH_WORKER;
  try {
    delete process.env.KRABKRAB_SSH_WORKER;
    assert.match(sshTunnelWhere().bundle, /ssh-tunnel\.js$/);
    assert.equal(sshTunnelWhere().inThread, false);
    process.env.KRABKRAB_SSH_WORKER = "0";
    assert.equal(sshTunnelWhere().inThread, true);
  } finally {
    if (before === undefined) delete process.env.KRABKRAB_SSH_WORKER;
    else process.env.KRABKRAB_SSH_WORKER = before;
  }
});
