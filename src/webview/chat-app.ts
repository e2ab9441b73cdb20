// The chat UI, mounted by the chat side panel and by the dashboard. It renders what the host sends (whole
// snapshots or patches of changed items; a streaming reply's text is replaced, never appended) once per
// animation frame, in a virtualized list. Everything the model or a tool produced is rendered as sanitized
// markdown or as text; links and code actions go to the host.
import type { HostNotification } from "../shared/contract/notifications";
import { Abort, Connect, CopyText, InsertCode, LoadOlder, OpenCode, OpenLink } from "../shared/contract/requests";
import type { ChatStateView, TranscriptItem } from "../shared/contract/transcript";
import type { AttachmentPolicy, ConnectionView } from "../shared/contract/views";
import { mountComposer, type Composer } from "./composer";
import type { mountQuestions } from "./question-card";
import { setMarkdown } from "./markdown";
import { hasBlocks, renderMarkdownBlocks } from "./markdown-stream";
import { hookChatTools } from "./chat-tools-hook";
import { shortSessionKey } from "./session-key";
import { renderToolCard, type ToolCardElement } from "./tool-card";
import { VirtualList } from "./virtual-list";
import type { HostBridge } from "./vscode-api";

const TEMPLATE = `
<div class="chat-header">
  <button type="button" class="session-btn" id="session-btn" title="Switch session" aria-haspopup="listbox">
    <span class="codicon codicon-comment-discussion"></span><span class="session-title" id="session-title">main</span><span class="codicon codicon-chevron-down"></span>
  </button>
  <span class="spacer"></span>
  <span class="conn-dot" id="conn-dot" title="disconnected"></span>
  <vscode-button secondary id="new-session" title="New session"><span class="codicon codicon-add"></span> New</vscode-button>
</div>
<div class="session-picker" id="session-picker" hidden>
  <input id="session-search" class="session-search" placeholder="Search sessions" aria-label="Search sessions" autocomplete="off" spellcheck="false">
  <div class="session-list" id="session-list" role="listbox" aria-label="Sessions"></div>
</div>
<div class="banner" id="banner" hidden><span class="banner-text" id="banner-text"></span><vscode-button id="connect-btn">Connect Local</vscode-button></div>
<div class="transcript" id="transcript" role="log" aria-live="polite" tabindex="0">
  <div class="older" id="older" hidden><vscode-button secondary id="older-btn">Load older messages</vscode-button></div>
  <div class="vl-content" id="vl-content"></div>
  <div class="empty" id="empty" hidden>No messages yet. Ask the agent something below.</div>
  <div id="questions" hidden></div>
</div>
<div class="error-bar" id="error-bar" role="alert" hidden><span class="codicon codicon-error"></span><span class="error-text" id="error-text"></span><button type="button" class="icon-btn" id="error-dismiss" title="Dismiss"><span class="codicon codicon-close"></span></button></div>
<div class="composer" id="composer">
  <div class="chips" id="chips"></div>
  <textarea id="input" rows="3" placeholder="Message the agent — Enter to send, Shift+Enter for a new line, ↑ for earlier messages, / for commands" aria-label="Message"></textarea>
  <div class="composer-actions">
    <vscode-button secondary id="attach" title="Attach images (or paste them)"><span class="codicon codicon-file-media"></span></vscode-button>
    <vscode-button secondary id="ctx-selection" title="Add the editor selection as context"><span class="codicon codicon-selection"></span></vscode-button>
    <vscode-button secondary id="ctx-file" title="Add the active file as context"><span class="codicon codicon-file-code"></span></vscode-button>
    <span class="spacer"></span>
    <vscode-button secondary id="stop" hidden><span class="codicon codicon-debug-stop"></span> Stop</vscode-button>
    <vscode-button id="send"><span class="codicon codicon-send"></span> Send</vscode-button>
  </div>
  <input type="file" id="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple hidden>
</div>`;

const WHO: Record<TranscriptItem["role"], string> = { user: "You", assistant: "Agent", tool: "Tool", system: "System" };

/**
 * Features the side panel adds (main-chat.ts: @-mentions on the composer, Review changes in the rows) and the
 * dashboard's chat goes without, so its bundle does not carry them. Called once the composer is mounted with
 * `call` (runs a request, shows its error); returns what adds to a transcript row's parts before they are placed.
 */
export type ChatExtras = (
  call: <T>(p: Promise<T>) => Promise<T | undefined>,
  composer: Composer,
) => (el: HTMLElement, item: TranscriptItem, parts: Node[]) => void;

/**
 * `questions`: the agent-question cards, passed in by the side panel only — the dashboard's host never sends
 * questions (they reach a dashboard user as notifications), so its bundle does not carry the card code.
 * `extras`: likewise the side panel's review buttons and @-mentions (ChatExtras).
 */
export function mountChat(root: HTMLElement, bridge: HostBridge, view: "chat" | "dashboard", questions?: typeof mountQuestions, extras?: ChatExtras): void {
  root.classList.add("chat");
  root.innerHTML = TEMPLATE; // static markup only; no data is interpolated
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const transcript = $("transcript");

  const saved = bridge.getState<{ sessionKey: string }>();
  const ui = { sessionKey: saved.sessionKey ?? "main" };

  let items: TranscriptItem[] = [];
  let chatMeta: Omit<ChatStateView, "items"> | null = null;
  let connection: ConnectionView = { status: "disconnected" };
  let policy: AttachmentPolicy | undefined;
  // Position of each item by id, so a streaming delta (200/s) finds its row without a pass over the transcript.
  let index = new Map<string, number>();
  let frame = 0;

  const list = new VirtualList<TranscriptItem>({ scroller: transcript, content: $("vl-content"), key: (i) => i.id, render: renderRow });

  // ---- messages from the host ----
  bridge.on((msg: HostNotification) => {
    switch (msg.type) {
      case "connection":
        connection = msg.connection;
        policy = msg.policy;
        break;
      case "chat": {
        const c = msg.chat;
        if (chatMeta && c.sessionKey !== chatMeta.sessionKey) list.scrollToBottom();
        chatMeta = { sessionKey: c.sessionKey, hasMore: c.hasMore, activeRunId: c.activeRunId };
        // No per-item work here: the list compares items with what a row shows only for rows it is about to
        // show (VirtualList's signature), so a 10,000-message state costs the visible window, not 10,000 diffs.
        items = c.items;
        index = new Map();
        rememberSession(c.sessionKey);
        break;
      }
      case "chatPatch": {
        const p = msg.patch;
        if (!chatMeta || p.sessionKey !== chatMeta.sessionKey) return; // a patch for a session we are not showing
        chatMeta = { sessionKey: p.sessionKey, hasMore: p.hasMore, activeRunId: p.activeRunId };
        if (index.size !== items.length) index = new Map(items.map((it, i) => [it.id, i]));
        items = items.slice();
        for (const it of p.upsert) {
          const at = index.get(it.id);
          if (at === undefined) {
            index.set(it.id, items.length);
            items.push(it);
          }
          else items[at] = it;
        }
        break;
      }
      case "notice":
        showError(msg.message);
        break;
      case "insertText":
        composer.insertAtCursor(msg.text);
        break;
      case "addContext":
        composer.addContext(msg.context);
        break;
      case "questions":
        showQuestions(msg.questions); // the host sends only this view's session
        break;
      case "focusComposer":
        composer.focus();
        break;
      default:
        return;
    }
    schedule();
  });

  function rememberSession(key: string) {
    if (ui.sessionKey !== key) {
      ui.sessionKey = key;
      bridge.patchState({ sessionKey: key });
    }
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  // ---- rendering ----
  function render() {
    frame = 0;
    const c = connection;
    $("conn-dot").className = `conn-dot ${c.status}`;
    $("conn-dot").title = [c.gateway, c.status, c.target].filter(Boolean).join(" — ");
    const banner = $("banner");
    banner.hidden = c.status === "connected";
    banner.className = `banner ${c.status}`;
    setText($("banner-text"), c.status === "connected" ? "" : c.issue ? `${c.issue.message} ${c.issue.nextStep}` : c.status === "disconnected" ? "Not connected. Messages you send now are queued and go out when you connect." : `${c.status[0]!.toUpperCase()}${c.status.slice(1)}…`);
    $("connect-btn").hidden = c.status === "connected" || c.status === "connecting" || c.status === "reconnecting";
    setText($("session-title"), shortSessionKey(chatMeta?.sessionKey ?? ui.sessionKey));
    $("older").hidden = !chatMeta?.hasMore;
    $("empty").hidden = items.length > 0 || !chatMeta;
    $("stop").hidden = !chatMeta?.activeRunId;
    list.setItems(items);
    report();
  }

  // Assigning textContent replaces the text node even when the text is the same, which invalidates layout:
  // render() runs every frame of a stream, so unchanged header texts are left alone.
  function setText(el: HTMLElement, text: string) {
    if (el.textContent !== text) el.textContent = text;
  }

  // A streaming row is rendered again every frame: its parts that did not change (the header with its progress
  // ring, the reply's finished markdown blocks, unchanged tool cards) keep their elements, so the frame costs
  // the changed tail only, and open/closed state of cards and "Thinking" survives.
  function renderRow(el: HTMLElement, item: TranscriptItem) {
    el.className = `msg ${item.role} ${item.status ?? ""}`;
    el.dataset.status = item.status ?? "";
    if (item.runId) el.dataset.runId = item.runId;
    const old = (cls: string) => el.querySelector<HTMLElement>(`:scope > .${cls}`);
    const headKey = `${item.role}\u0000${item.status ?? ""}`;
    let head = old("msg-head");
    if (!head || head.dataset.key !== headKey) {
      head = document.createElement("div");
      head.className = "msg-head";
      head.dataset.key = headKey;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = WHO[item.role];
      head.append(who);
      const badge = statusBadge(item);
      if (badge) head.append(badge);
    }
    const parts: Node[] = [head];
    if (item.thinking) {
      let d = old("thinking") as HTMLDetailsElement | null;
      if (!d) {
        d = document.createElement("details");
        d.className = "thinking";
        const s = document.createElement("summary");
        s.textContent = "Thinking";
        d.append(s, document.createElement("pre"));
      }
      const pre = d.querySelector("pre")!;
      if (pre.textContent !== item.thinking) pre.textContent = item.thinking;
      parts.push(d);
    }
    if (item.text) {
      const plain = item.role === "user";
      let body = old("body");
      if (!body || body.classList.contains("plain") !== plain) {
        body = document.createElement("div");
        body.className = plain ? "body plain" : "body";
      }
      if (plain) {
        if (body.textContent !== item.text) body.textContent = item.text;
      } else if (item.status === "streaming" || hasBlocks(body)) renderMarkdownBlocks(body, item.text, item.status === "streaming");
      // A reply that arrives finished is rendered whole, once (history rows): no block bookkeeping to pay for.
      else setMarkdown(body, item.text);
      parts.push(body);
    }
    if (item.images) {
      const im = document.createElement("div");
      im.className = "images";
      im.textContent = `${item.images} image${item.images === 1 ? "" : "s"} attached`;
      parts.push(im);
    }
    const cards = new Map([...el.querySelectorAll<ToolCardElement>(":scope > .tool-card")].map((c) => [c.dataset.toolCallId, c]));
    for (const t of item.tools ?? []) {
      const sig = JSON.stringify(t);
      const was = cards.get(t.toolCallId);
      if (was && was.dataset.sig === sig) {
        parts.push(was);
        continue;
      }
      const card = renderToolCard(t);
      card.dataset.sig = sig;
      // Keep a card the user opened open when its content changes.
      if (was?.open) card.open = true;
      parts.push(card);
    }
    if (item.status === "streaming" && !item.text) {
      const typing = old("typing") ?? document.createElement("div");
      typing.className = "typing";
      typing.setAttribute("aria-label", "The agent is typing");
      if (!typing.childElementCount) for (let i = 0; i < 3; i++) typing.append(document.createElement("span"));
      parts.push(typing);
    }
    const note = noteFor(item);
    if (note) {
      const meta = old("meta") ?? document.createElement("div");
      meta.className = "meta";
      if (meta.textContent !== note) meta.textContent = note;
      parts.push(meta);
    }
    ext?.(el, item, parts);
    setChildren(el, parts);
  }

  /** Makes `parts` the children of `el`, moving only what is out of place: a kept node is never detached
   * (re-inserting the reply's body would throw away its layout and style, the cost this avoids). */
  function setChildren(el: HTMLElement, parts: Node[]) {
    const want = new Set(parts);
    for (const c of [...el.childNodes]) if (!want.has(c)) el.removeChild(c);
    let at: ChildNode | null = el.firstChild;
    for (const p of parts) {
      if (at === p) at = at.nextSibling;
      else el.insertBefore(p, at);
    }
  }

  function statusBadge(item: TranscriptItem): HTMLElement | null {
    const label: Partial<Record<NonNullable<TranscriptItem["status"]>, string>> = { queued: "queued", sending: "sending…", streaming: "streaming", aborted: "stopped", error: "error", interrupted: "interrupted" };
    const text = item.status ? label[item.status] : undefined;
    if (!text) return null;
    const b = document.createElement("span");
    b.className = `badge ${item.status}`;
    if (item.status === "streaming") {
      const ring = document.createElement("vscode-progress-ring");
      ring.className = "ring";
      b.append(ring);
    }
    b.append(text);
    return b;
  }

  function noteFor(item: TranscriptItem): string {
    switch (item.status) {
      case "queued":
        return "Queued — sends once when the connection is back (same idempotency key, never twice).";
      case "streaming":
        return item.phase ? `${item.phase.replaceAll("_", " ")}…` : "";
      case "aborted":
        return "Stopped.";
      case "error":
      case "interrupted":
        return item.error ?? (item.status === "error" ? "The run failed. Try again, or see the KrabKrab log." : "Interrupted.");
      default:
        return "";
    }
  }

  let lastReport = 0;
  let reportTimer = 0;
  function report() {
    const send = () => {
      lastReport = Date.now();
      reportTimer = 0;
      const last = [...items].reverse().find((i) => i.role === "assistant");
      bridge.post({ type: "rendered", view: view === "chat" ? "chat" : "dashboard-chat", items: items.length, domRows: list.domRows, lastText: last?.text.slice(0, 2000), status: last?.status });
    };
    if (reportTimer) return;
    const wait = Math.max(0, 200 - (Date.now() - lastReport));
    reportTimer = window.setTimeout(send, wait);
  }

  // ---- errors ----
  function showError(text: string | null) {
    $("error-bar").hidden = !text;
    $("error-text").textContent = text ?? "";
  }
  $("error-dismiss").addEventListener("click", () => showError(null));

  async function call<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      showError((err as Error).message);
      return undefined;
    }
  }

  // ---- transcript actions: links and code blocks go through the host ----
  transcript.addEventListener("click", (e) => {
    const target = e.target as Element;
    const a = target.closest("a");
    if (a) {
      e.preventDefault();
      const href = a.getAttribute("href");
      if (href && a.hasAttribute("data-external")) void call(bridge.request(OpenLink, { href }));
      return;
    }
    const btn = target.closest<HTMLElement>(".code-action");
    if (btn) {
      const block = btn.closest<HTMLElement>(".codeblock");
      const code = block?.querySelector("code")?.textContent ?? "";
      const language = block?.dataset.lang;
      const action = btn.dataset.action;
      if (action === "copy") void call(bridge.request(CopyText, { text: code })).then((r) => r !== undefined && flash(btn, "Copied"));
      else if (action === "insert") void call(bridge.request(InsertCode, { code }));
      else if (action === "open") void call(bridge.request(OpenCode, { code, language }));
    }
  });
  // Middle-click and drag would bypass the click handler: links are not draggable either.
  transcript.addEventListener("auxclick", (e) => (e.target as Element).closest("a") && e.preventDefault());
  transcript.addEventListener("dragstart", (e) => (e.target as Element).closest?.("a") && e.preventDefault());

  function flash(el: HTMLElement, text: string) {
    el.setAttribute("data-flash", text);
    setTimeout(() => el.removeAttribute("data-flash"), 1200);
  }

  $("older-btn").addEventListener("click", () => void call(bridge.request(LoadOlder)));
  $("connect-btn").addEventListener("click", () => void call(bridge.request(Connect)));
  $("stop").addEventListener("click", () => void call(bridge.request(Abort)));

  const showQuestions = questions?.($("questions"), bridge, call) ?? (() => undefined);
  hookChatTools({ root, bridge, call, currentKey: () => chatMeta?.sessionKey, focusComposer: () => composer.focus(), input: $<HTMLTextAreaElement>("input") });
  const composer = mountComposer({
    root,
    bridge,
    call,
    showError,
    policy: () => policy,
    activeRunId: () => chatMeta?.activeRunId ?? null,
    onSend: () => list.scrollToBottom(),
  });
  // Rows are first drawn by render() below, after this.
  const ext = extras?.(call, composer);

  render();
}
