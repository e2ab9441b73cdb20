// "Fork from here" on the side panel's user messages, in real Chromium with the built bundle: a button in the
// header of each user message the gateway has stored — only while the host says the connection offers it
// (`messageActions` of the connection notification), disabled while the agent is working — reachable from the
// keyboard, with an aria-label naming the message; it asks the host to fork at that message (by entry id, or by
// idempotency key for a message sent from here) and puts the message the gateway hands back into the composer.
import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import type { TranscriptItem } from "../../src/shared/contract";
import { openWebview, type Harness } from "../support/webview-harness";

describe("Fork from here (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openWebview("chat");
  });
  after(async () => {
    await h?.close();
  });

  const items: TranscriptItem[] = [
    { id: "h:e1:0", role: "user", text: "Write a haiku about crabs", status: "sent", entryId: "e1" },
    { id: "h:e2:1", role: "assistant", text: "Sideways in the surf…", status: "final", runId: "r1" },
    { id: "send:k2", role: "user", text: "Now one about lobsters", status: "sent", idempotencyKey: "k2" },
    { id: "send:k3", role: "user", text: "Still queued", status: "queued", idempotencyKey: "k3" },
  ];
  const chat = (activeRunId: string | null = null) => h.post({ type: "chat", chat: { sessionKey: "agent:main:main", items, hasMore: false, activeRunId } });
  const buttons = () =>
    h.page.evaluate(() =>
      [...document.querySelectorAll<HTMLButtonElement>(".msg .fork-btn")].map((b) => ({ item: b.dataset.itemId, hidden: b.hidden, disabled: b.disabled, label: b.getAttribute("aria-label") })),
    );

  test("not offered by the connection: no button shows", async () => {
    await h.post({ type: "connection", connection: { status: "connected" } });
    await chat();
    await h.waitForRendered((r) => r.items === items.length);
    const shown = (await buttons()).filter((b) => !b.hidden);
    assert.deepEqual(shown, []);
  });

  test("offered: stored user messages get the button (not the queued one, not replies); disabled while the agent is working", async () => {
    await h.post({ type: "connection", connection: { status: "connected" }, messageActions: ["fork"] });
    await h.page.waitForFunction(() => [...document.querySelectorAll<HTMLButtonElement>(".fork-btn")].filter((b) => !b.hidden).length === 2);
    const all = await buttons();
    assert.deepEqual(all.map((b) => [b.item, b.hidden, b.disabled]), [["h:e1:0", false, false], ["send:k2", false, false]]);
    assert.equal(all[0]!.label, "Fork from here: a new session with the conversation before “Write a haiku about crabs”");
    await chat("r9");
    await h.page.waitForFunction(() => [...document.querySelectorAll<HTMLButtonElement>(".fork-btn")].every((b) => b.disabled));
    assert.match((await h.page.getAttribute('.fork-btn[data-item-id="h:e1:0"]', "title")) ?? "", /unavailable while the agent is working/);
    await chat(null);
    await h.page.waitForFunction(() => [...document.querySelectorAll<HTMLButtonElement>(".fork-btn")].every((b) => !b.disabled));
  });

  test("from the keyboard: Enter forks at the entry id; the message comes back in the composer", async () => {
    h.onRequest((r) => (r.type === "forkAtMessage" ? { sessionKey: "agent:main:dashboard-fork-1", editorText: "Write a haiku about crabs" } : undefined));
    const n = h.received.length;
    await h.page.focus('.fork-btn[data-item-id="h:e1:0"]');
    await h.page.keyboard.press("Enter");
    const req = await h.waitFor("forkAtMessage", () => h.received.slice(n).find((m) => m.type === "forkAtMessage"));
    assert.deepEqual(req, { type: "forkAtMessage", requestId: (req as { requestId: number }).requestId, sessionKey: "agent:main:main", entryId: "e1" });
    await h.page.waitForFunction(() => document.querySelector<HTMLTextAreaElement>("#input")?.value === "Write a haiku about crabs");
    assert.equal(await h.page.evaluate(() => document.activeElement?.id), "input", "the composer has the focus");
    await h.page.fill("#input", "");
  });

  test("a message sent from here (no entry id yet) is named by its idempotency key; the host's error shows in the error bar", async () => {
    h.onRequest((r) => {
      if (r.type === "forkAtMessage") throw new Error("Fork is unavailable while the agent is working.");
      return undefined;
    });
    const n = h.received.length;
    await h.page.click('.fork-btn[data-item-id="send:k2"]');
    const req = await h.waitFor("forkAtMessage", () => h.received.slice(n).find((m) => m.type === "forkAtMessage"));
    assert.equal((req as { idempotencyKey?: string }).idempotencyKey, "k2");
    assert.equal((req as { entryId?: string }).entryId, undefined);
    await h.page.waitForSelector("#error-bar:not([hidden])");
    assert.match((await h.page.textContent("#error-text")) ?? "", /unavailable while the agent is working/);
    assert.equal(await h.page.inputValue("#input"), "", "nothing was put in the composer");
  });
});
