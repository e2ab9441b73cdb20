// "Fork from here" on a user message of the side panel's transcript (the gateway's sessions.fork): a new
// session holding the conversation before that message opens in this view, with the message back in the
// composer to edit and send. Offered only on messages the gateway has stored (sent, with an entry id or the
// idempotency key it stored them with), only when the host says the connection offers it (`messageActions` of
// the connection notification), and disabled while the agent is working (the gateway refuses then). A real
// button in the row's header: Tab reaches it, Enter / Space runs it, its aria-label names the message.
import { ForkAtMessage } from "../shared/contract/message-actions";
import type { TranscriptItem } from "../shared/contract/transcript";
import type { Composer } from "./composer";
import type { HostBridge } from "./vscode-api";

export function forkRows(bridge: HostBridge, call: <T>(p: Promise<T>) => Promise<T | undefined>, composer: Composer) {
  let offered = false;
  let working = false;
  let sessionKey: string | null = null;
  /** A fork request is on its way: one at a time. */
  let busy = false;

  // Rows render when their item changes; what the buttons depend on besides the item is applied to every
  // button on screen when it changes (the list is virtualized: a few dozen rows at most).
  function apply(b: HTMLButtonElement) {
    b.hidden = !offered;
    b.disabled = working || busy;
    b.title = working ? "Fork from here — unavailable while the agent is working" : "Fork from here: a new session with the conversation before this message";
  }
  const applyAll = () => document.querySelectorAll<HTMLButtonElement>(".fork-btn").forEach(apply);

  bridge.on((msg) => {
    if (msg.type === "connection") offered = msg.connection.status === "connected" && (msg.messageActions?.includes("fork") ?? false);
    else if (msg.type === "chat") {
      sessionKey = msg.chat.sessionKey;
      working = msg.chat.activeRunId !== null;
    } else if (msg.type === "chatPatch" && msg.patch.sessionKey === sessionKey) working = msg.patch.activeRunId !== null;
    else return;
    applyAll();
  });

  async function fork(item: TranscriptItem) {
    if (!sessionKey || busy) return;
    busy = true;
    applyAll();
    try {
      const ref = item.entryId ? { entryId: item.entryId } : { idempotencyKey: item.idempotencyKey };
      const r = await call(bridge.request(ForkAtMessage, { sessionKey, ...ref }));
      if (r?.editorText) composer.insertAtCursor(r.editorText);
      if (r) composer.focus();
    } finally {
      busy = false;
      applyAll();
    }
  }

  return (el: HTMLElement, item: TranscriptItem, parts: Node[]) => {
    if (item.role !== "user" || item.status !== "sent" || !(item.entryId || item.idempotencyKey)) return;
    const head = parts[0] as HTMLElement | undefined;
    if (!head?.classList.contains("msg-head")) return;
    let b = head.querySelector<HTMLButtonElement>(":scope > .fork-btn");
    if (!b || b.dataset.itemId !== item.id) {
      b?.remove();
      b = document.createElement("button");
      b.type = "button";
      b.className = "icon-btn fork-btn";
      b.dataset.itemId = item.id;
      const preview = item.text.replace(/\s+/g, " ").trim().slice(0, 60);
      b.setAttribute("aria-label", `Fork from here: a new session with the conversation before “${preview}”`);
      const icon = document.createElement("span");
      icon.className = "codicon codicon-repo-forked";
      b.append(icon, " Fork from here");
      head.append(b);
    }
    // The row is rendered again as its item changes (same id): the button forks at the item as it is now.
    b.onclick = () => void fork(item);
    apply(b);
  };
}
