// Runs last (scripts/test.mjs, RUN_LAST): kills the shared real gateway and starts it again, proving the
// client reconnects by itself and the chat transcript re-syncs from history without duplicates.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { ChatSession } from "../../../src/gateway";
import { operator, realGateway, waitFor } from "../../support/real-peers";

test("the gateway is killed and restarted: the client reconnects by itself and calls work again", { timeout: 240_000 }, async (t) => {
  const gw = realGateway();
  const c = operator();
  await c.connect();
  const key = `vsc-restart-${randomUUID().slice(0, 8)}`;
  const chat = new ChatSession(c, key);
  t.after(async () => {
    chat.dispose();
    await c.disconnect();
  });
  await chat.open();
  chat.send("before the crash [[echo:survives]]");
  await waitFor("first reply", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.status === "final"), 90_000);
  const states: string[] = [];
  c.on("state", (s) => states.push(s.status));
  let reconnected = 0;
  c.on("reconnected", () => reconnected++);

  gw.signal("SIGKILL");
  await waitFor("the client to notice", () => c.state.status === "reconnecting", 30_000);
  // Typed while the gateway is down: queued, then delivered once after the reconnect.
  const offline = chat.send("typed while down [[echo:delivered]]");
  assert.equal(chat.snapshot().items.find((i) => i.id === offline.id)?.status, "queued");
  await gw.restart();
  await waitFor("reconnected by itself", () => c.state.status === "connected" && reconnected > 0, 120_000);
  assert.equal((await c.health()).ok !== undefined, true);
  await waitFor("the queued message's reply", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.text === "delivered" && i.status === "final"), 90_000);
  const history = await c.chatHistory({ sessionKey: key, limit: 50 });
  assert.equal(history.messages.filter((m) => m.role === "user").length, 2, "each message exactly once");
  const snap = chat.snapshot();
  assert.equal(snap.items.filter((i) => i.role === "user").length, 2, "no duplicate bubbles after re-sync");
  assert.ok(states.includes("reconnecting"));
});
