// The pure parts of session management (src/gateway/session-management.ts): how commands.list entries become
// the composer's slash commands, and which session actions a gateway's advertised methods and this
// connection's scopes allow; the commands.list cache against the in-process fake gateway (a reconnect on demand). The real-gateway behaviour is test/gateway/session-management.test.ts.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { cachedSlashCommands, createDeviceIdentity, isMainSessionKey, OperatorClient, sessionActionsOffered, slashCommands, type CommandEntry } from "../../src/gateway";
import { FakeGateway } from "../support/fake-gateway";
import { waitFor } from "../support/wait";

test("slash commands: text aliases in the gateway's order, native-only commands left out, duplicates once, argument hints", () => {
  const entries: CommandEntry[] = [
    { name: "help", textAliases: ["/help"], description: "Show help.", scope: "both", acceptsArgs: false },
    { name: "model", textAliases: ["/model", "/m", "not-a-slash"], description: "Pick a model.", scope: "text", acceptsArgs: true, args: [{ name: "model", required: true }] },
    { name: "native_only", textAliases: ["/native"], description: "Only as a native command.", scope: "native" },
    { name: "tools", description: "List tools.", scope: "both", acceptsArgs: true, args: [{ name: "mode", choices: [{ value: "compact" }, { value: "verbose" }] }] },
    { name: "loop", textAliases: ["/loop"], scope: "both", acceptsArgs: true },
    { name: "help2", textAliases: ["/HELP"], description: "A second /help.", scope: "both" },
    { name: "two words", scope: "both" },
  ];
  assert.deepEqual(slashCommands(entries), [
    { name: "/help", aliases: [], description: "Show help." },
    { name: "/model", aliases: ["/m"], description: "Pick a model.", args: "<model>" },
    { name: "/tools", aliases: [], description: "List tools.", args: "[compact|verbose]" },
    { name: "/loop", aliases: [], description: "", args: "…" },
  ]);
});

test("session actions follow hello-ok.features.methods and need operator.write; without operator.admin, delete needs sessions.patch (archive first)", () => {
  // As OperatorClient.hasScopes: admin holds every scope.
  const client = (methods: string[], admin = false, write = true) => ({ hello: { methods }, hasScopes: (s: string) => admin || (write && s === "operator.write") }) as unknown as OperatorClient;
  assert.deepEqual(sessionActionsOffered(client(["sessions.patch", "sessions.create", "sessions.delete"])), ["rename", "fork", "delete"]);
  assert.deepEqual(sessionActionsOffered(client(["sessions.create", "sessions.delete"])), ["fork"], "no archive without sessions.patch");
  assert.deepEqual(sessionActionsOffered(client(["sessions.create", "sessions.delete"], true)), ["fork", "delete"], "admin deletes in one call");
  assert.deepEqual(sessionActionsOffered(client(["sessions.list"])), []);
  assert.deepEqual(sessionActionsOffered(client(["sessions.patch", "sessions.create", "sessions.delete"], false, false)), [], "a read-only connection gets none");
  assert.deepEqual(sessionActionsOffered({ hello: null, hasScopes: () => false } as unknown as OperatorClient), []);
});

test("main session keys", () => {
  for (const k of ["main", "agent:main:main", "agent:work:main"]) assert.equal(isMainSessionKey(k), true, k);
  for (const k of ["vscode-main", "agent:main:main:x", "agent:main:vscode-1", "mainly"]) assert.equal(isMainSessionKey(k), false, k);
});

test("slash commands are cached per connection and agent: asked once per hello-ok and agent, again after a reconnect; a failure is not kept", async () => {
  const asked: string[] = [];
  let fail = false;
  const fake = await FakeGateway.start({
    methods: {
      "commands.list": (p) => {
        asked.push(String(p.agentId ?? "-"));
        if (fail) throw new Error("boom");
        return { commands: [{ name: "help", textAliases: ["/help"], description: `Help (${asked.length})`, scope: "both" }] };
      },
    },
  });
  const client = new OperatorClient({ url: fake.url, token: "t", identity: createDeviceIdentity(), clientVersion: "0.0.0-test", clientOverrides: { tickWatchMinIntervalMs: 20 } });
  try {
    await client.connect();
    const first = await cachedSlashCommands(client, "agent:main:main");
    assert.deepEqual(await cachedSlashCommands(client, "agent:main:vscode-1"), first, "same agent: the cached answer");
    assert.deepEqual(await cachedSlashCommands(client, "main"), first.map((c) => ({ ...c, description: "Help (2)" })), "a key without an agent is the default agent's, asked once");
    await cachedSlashCommands(client, "vscode-2");
    await cachedSlashCommands(client, "agent:work:main");
    assert.deepEqual(asked, ["main", "-", "work"]);
    // A new hello-ok (the link dropped, the client reconnected): asked again.
    const hello = client.hello;
    fake.dropAll();
    await waitFor("reconnected", () => client.state.status === "connected" && client.hello !== hello, 10_000);
    fail = true;
    await assert.rejects(cachedSlashCommands(client, "agent:main:main"), /boom/);
    fail = false;
    const again = await cachedSlashCommands(client, "agent:main:main");
    assert.equal(again[0]?.description, "Help (5)", "the failure was not remembered");
    assert.deepEqual(asked, ["main", "-", "work", "main", "main"]);
  } finally {
    await client.disconnect();
    await fake.close();
  }
});
