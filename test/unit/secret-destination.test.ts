// Secrets are bound to where they go: destination keys (URL normalization, ssh resolution, the machine a
// local port is on), lookups that never hand a secret to another destination, legacy profile-name keys
// that are only used after asking, and a stored device token counting as a secret for plain ws://.
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import {
  createDeviceIdentity,
  destinationSecretKey,
  directDestination,
  hasStoredDeviceToken,
  literalSshResolver,
  localDestination,
  MemorySecretStore,
  resolveTarget,
  SecretBindings,
  SecretKeys,
  specDestination,
  sshDestination,
  thisMachine,
} from "../../src/gateway";
import { resolveSshTarget } from "../../src/gateway/ssh/config-resolve";

const laptop = { remoteName: undefined, host: "laptop#aaaa" };
const hostA = { remoteName: "ssh-remote", host: "host-a#bbbb" };

test("direct destinations: scheme and host lowercased, default port explicit, no path/query/slash; ws and wss distinct", () => {
  assert.equal(directDestination("WSS://Gw.Example.COM/"), "wss://gw.example.com:443");
  assert.equal(directDestination("wss://gw.example.com:443/path?q=1#x"), "wss://gw.example.com:443");
  assert.equal(directDestination("ws://gw.example.com"), "ws://gw.example.com:80");
  assert.equal(directDestination("ws://[::1]:18789"), "ws://[::1]:18789");
  assert.notEqual(directDestination("ws://gw.example.com:443"), directDestination("wss://gw.example.com:443"));
  assert.notEqual(destinationSecretKey("token", directDestination("wss://a.example")), destinationSecretKey("token", directDestination("wss://b.example")));
});

test("ssh destinations follow ~/.ssh/config: an alias whose HostName changed is a new destination", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "kk-sshdest-"));
  const cfg = path.join(dir, "config");
  const resolve = (t: string) => {
    const r = resolveSshTarget(t, { configPath: cfg, home: dir, localUser: "me" });
    const last = r.hops[r.hops.length - 1]!;
    return { user: last.user, host: last.host, port: last.port };
  };
  const spec = { transport: "ssh" as const, sshTarget: "vps", remotePort: 18789, localPort: 0, source: "profile" as const };
  writeFileSync(cfg, "Host vps\n  HostName old.example.com\n  User root\n");
  const before = specDestination(spec, laptop, resolve);
  assert.equal(before, "ssh://root@old.example.com:22|18789");
  writeFileSync(cfg, "Host vps\n  HostName new.example.com\n  User root\n");
  assert.equal(specDestination(spec, laptop, resolve), "ssh://root@new.example.com:22|18789");
  // the remote port is part of it: another gateway on the same host is another destination
  assert.notEqual(specDestination({ ...spec, remotePort: 18790 }, laptop, resolve), specDestination(spec, laptop, resolve));
  assert.equal(sshDestination(literalSshResolver("me")("host.example:2222"), 18789), "ssh://me@host.example:2222|18789");
});

test("local destinations name the machine: a Remote-SSH window's 127.0.0.1 is not the laptop's", () => {
  assert.notEqual(localDestination(laptop, 18789), localDestination(hostA, 18789));
  assert.notEqual(localDestination(hostA, 18789), localDestination({ ...hostA, host: "host-b#cccc" }, 18789));
  assert.equal(localDestination(hostA, 18789), "local:ssh-remote:host-a#bbbb:127.0.0.1:18789");
  const here = thisMachine("ssh-remote");
  assert.equal(here.remoteName, "ssh-remote");
  assert.ok(here.host.length > 0);
});

test("a lookup never returns a secret stored for another destination; a changed destination is reported", async () => {
  const store = new MemorySecretStore();
  const b = new SecretBindings(store);
  const oldDest = directDestination("wss://old.example");
  const newDest = directDestination("wss://new.example");
  await b.save("token", "home", oldDest, "tok-old-host");
  assert.deepEqual(await b.lookup("token", "home", oldDest), { status: "found", value: "tok-old-host" });
  assert.deepEqual(await b.lookup("token", "home", newDest), { status: "destination-changed", from: oldDest });
  // another profile pointing at the new destination gets nothing either
  assert.deepEqual(await b.lookup("token", "other", newDest), { status: "none" });
  // the default target on another port is another gateway: nothing stored, nothing to ask
  await b.save("token", "", localDestination(hostA, 18789), "tok-default");
  assert.deepEqual(await b.lookup("token", "", localDestination(hostA, 18790)), { status: "none" });
  await b.forget("token", "", localDestination(hostA, 18789));
  // the label (not secret) says where it is stored and for which profile
  assert.equal(await b.boundDestination("token", "home"), oldDest);
  assert.ok(![...store.data.keys()].some((k) => k.includes("home") && store.data.get(k) === "tok-old-host"), "the secret is not keyed by profile name");
  // moving (after the user agreed) rebinds it
  assert.equal(await b.move("token", "home", oldDest, newDest), "tok-old-host");
  assert.deepEqual(await b.lookup("token", "home", newDest), { status: "found", value: "tok-old-host" });
  assert.equal(await store.get(destinationSecretKey("token", oldDest)), undefined);
  await b.forget("token", "home", newDest);
  assert.deepEqual(await b.lookup("token", "home", newDest), { status: "none" });
  assert.equal(store.data.size, 0);
});

test("a secret an older version keyed by profile name only is reported as legacy, never used as found", async () => {
  const store = new MemorySecretStore();
  await store.store(SecretKeys.profileToken("home"), "tok-legacy");
  await store.store(SecretKeys.localGatewayToken, "tok-legacy-local");
  const b = new SecretBindings(store);
  const dest = directDestination("wss://somewhere.example");
  assert.deepEqual(await b.lookup("token", "home", dest), { status: "legacy" });
  assert.deepEqual(await b.lookup("token", "", localDestination(hostA, 18789)), { status: "legacy" });
  assert.equal(await b.adoptLegacy("token", "home", dest), "tok-legacy");
  assert.equal(await store.get(SecretKeys.profileToken("home")), undefined);
  assert.deepEqual(await b.lookup("token", "home", dest), { status: "found", value: "tok-legacy" });
  await b.dropLegacy("token", "");
  assert.deepEqual(await b.lookup("token", "", localDestination(hostA, 18789)), { status: "none" });
});

test("plain ws:// to a public host is refused when only a device token is stored for it", async () => {
  const store = new MemorySecretStore();
  const id = createDeviceIdentity();
  await store.store(SecretKeys.deviceIdentity, JSON.stringify({ v: 1, publicKeyPem: id.publicKeyPem, privateKeyPem: id.privateKeyPem }));
  const url = "ws://203.0.113.7:18789";
  const dest = directDestination(url);
  assert.equal(await hasStoredDeviceToken(store, dest), false);
  const profile = { name: "pub", transport: "direct" as const, url };
  assert.doesNotThrow(() => resolveTarget({ profile, env: {}, deviceTokenStored: false }), "nothing to leak: allowed");
  await store.store(SecretKeys.deviceToken(dest, id.deviceId, "operator"), JSON.stringify({ token: "dev-tok", scopes: [] }));
  assert.equal(await hasStoredDeviceToken(store, dest), true);
  assert.equal(await hasStoredDeviceToken(store, directDestination("ws://203.0.113.8:18789")), false, "another host's device token does not count");
  assert.throws(() => resolveTarget({ profile, env: {}, deviceTokenStored: true }), /refusing to send a token over plain ws:\/\/ to the public address 203\.0\.113\.7/);
  assert.doesNotThrow(() => resolveTarget({ profile, env: {}, deviceTokenStored: true, allowInsecurePublicWs: true }));
});
