// The chat UI, mounted by the chat side panel and by the dashboard. It renders what the host sends (whole
// snapshots or patches of changed items; a streaming reply's text is replaced, never appended) once per
// animation frame, in a virtualized list. Everything the model or a tool produced is rendered as sanitized
// markdown or as text; links and code actions go to the host.
import type { AttachmentPolicy, AttachmentView, ChatStateView, ConnectionView, ContextSnippet, HostMessage, SessionRowView, TranscriptItemView } from "../shared/contract";
import { attachmentProblem, formatBytes, readAsAttachment } from "./attachments";
import { setMarkdown } from "./markdown";
import { renderToolCard } from "./tool-card";
import { VirtualList } from "./virtual-list";
import type { HostBridge } from "./vscode-api";

interface ChatUiState {
  sessionKey: string;
  draft: string;
  sent: string[];
}

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
  <vscode-textfield id="session-search" placeholder="Search sessions"></vscode-textfield>
  <div class="session-list" id="session-list" role="listbox" aria-label="Sessions"></div>
</div>
<div class="banner" id="banner" hidden><span class="banner-text" id="banner-text"></span><vscode-button id="connect-btn">Connect Local</vscode-button></div>
<div class="transcript" id="transcript" role="log" aria-live="polite" tabindex="0">
  <div class="older" id="older" hidden><vscode-button secondary id="older-btn">Load older messages</vscode-button></div>
  <div class="vl-content" id="vl-content"></div>
  <div class="empty" id="empty" hidden>No messages yet. Ask the agent something below.</div>
</div>
<div class="error-bar" id="error-bar" role="alert" hidden><span class="codicon codicon-error"></span><span class="error-text" id="error-text"></span><button type="button" class="icon-btn" id="error-dismiss" title="Dismiss"><span class="codicon codicon-close"></span></button></div>
<div class="composer" id="composer">
  <div class="chips" id="chips"></div>
  <textarea id="input" rows="3" placeholder="Message the agent — Enter to send, Shift+Enter for a new line, ↑ for earlier messages" aria-label="Message"></textarea>
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

const WHO: Record<TranscriptItemView["role"], string> = { user: "You", assistant: "Agent", tool: "Tool", system: "System" };

export function shortSessionKey(key: string): string {
  return key.replace(/^agent:[^:]+:/, "");
}

export function mountChat(root: HTMLElement, bridge: HostBridge, view: "chat" | "dashboard"): void {
  root.classList.add("chat");
  root.innerHTML = TEMPLATE; // static markup only; no data is interpolated
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => root.querySelector<T>(`#${id}`)!;
  const transcript = $("transcript");
  const input = $<HTMLTextAreaElement>("input");
  const fileInput = $<HTMLInputElement>("file");

  const saved = bridge.getState<ChatUiState>();
  const ui: ChatUiState = { sessionKey: saved.sessionKey ?? "main", draft: saved.draft ?? "", sent: Array.isArray(saved.sent) ? saved.sent.slice(0, 50) : [] };
  input.value = ui.draft;

  let items: TranscriptItemView[] = [];
  let chatMeta: Omit<ChatStateView, "items"> | null = null;
  let connection: ConnectionView = { status: "disconnected" };
  let policy: AttachmentPolicy | undefined;
  const lastJson = new Map<string, string>();
  let changed = new Set<string>();
  let frame = 0;
  let recall = -1;
  const attachments: AttachmentView[] = [];
  const contexts: ContextSnippet[] = [];
  const previews = new Map<AttachmentView, string>();

  const list = new VirtualList<TranscriptItemView>({ scroller: transcript, content: $("vl-content"), key: (i) => i.id, render: renderRow });

  // ---- messages from the host ----
  bridge.on((msg: HostMessage) => {
    switch (msg.type) {
      case "connection":
        connection = msg.connection;
        policy = msg.policy;
        break;
      case "chat": {
        const c = msg.chat;
        if (chatMeta && c.sessionKey !== chatMeta.sessionKey) {
          lastJson.clear();
          list.scrollToBottom();
        }
        chatMeta = { sessionKey: c.sessionKey, hasMore: c.hasMore, activeRunId: c.activeRunId };
        const seen = new Set<string>();
        for (const it of c.items) {
          seen.add(it.id);
          const j = JSON.stringify(it);
          if (lastJson.get(it.id) !== j) (lastJson.set(it.id, j), changed.add(it.id));
        }
        for (const id of lastJson.keys()) if (!seen.has(id)) lastJson.delete(id);
        items = c.items;
        rememberSession(c.sessionKey);
        break;
      }
      case "chatPatch": {
        const p = msg.patch;
        if (!chatMeta || p.sessionKey !== chatMeta.sessionKey) return; // a patch for a session we are not showing
        chatMeta = { sessionKey: p.sessionKey, hasMore: p.hasMore, activeRunId: p.activeRunId };
        const index = new Map(items.map((it, i) => [it.id, i]));
        items = items.slice();
        for (const it of p.upsert) {
          const at = index.get(it.id);
          if (at === undefined) items.push(it);
          else items[at] = it;
          lastJson.set(it.id, JSON.stringify(it));
          changed.add(it.id);
        }
        break;
      }
      case "notice":
        showError(msg.message);
        break;
      case "insertText":
        insertAtCursor(msg.text);
        break;
      case "addContext":
        addContext(msg.context);
        break;
      case "focusComposer":
        input.focus();
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
    $("conn-dot").title = c.status + (c.target ? ` — ${c.target}` : "");
    const banner = $("banner");
    banner.hidden = c.status === "connected";
    banner.className = `banner ${c.status}`;
    $("banner-text").textContent =
      c.status === "connected" ? "" : c.issue ? `${c.issue.message} ${c.issue.nextStep}` : c.status === "disconnected" ? "Not connected. Messages you send now are queued and go out when you connect." : `${c.status[0]!.toUpperCase()}${c.status.slice(1)}…`;
    $("connect-btn").hidden = c.status === "connected" || c.status === "connecting" || c.status === "reconnecting";
    $("session-title").textContent = shortSessionKey(chatMeta?.sessionKey ?? ui.sessionKey);
    $("older").hidden = !chatMeta?.hasMore;
    $("empty").hidden = items.length > 0 || !chatMeta;
    $("stop").hidden = !chatMeta?.activeRunId;
    const ch = changed;
    changed = new Set();
    list.setItems(items, ch);
    report();
  }

  function renderRow(el: HTMLElement, item: TranscriptItemView) {
    // Keep the open/closed state of tool cards across re-renders of a streaming row.
    const openCards = new Set([...el.querySelectorAll<HTMLElement & { open: boolean }>(".tool-card")].filter((c) => c.open).map((c) => c.dataset.toolCallId));
    el.className = `msg ${item.role} ${item.status ?? ""}`;
    el.dataset.status = item.status ?? "";
    if (item.runId) el.dataset.runId = item.runId;
    const head = document.createElement("div");
    head.className = "msg-head";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = WHO[item.role];
    head.append(who);
    const badge = statusBadge(item);
    if (badge) head.append(badge);
    const parts: Node[] = [head];
    if (item.thinking) {
      const d = document.createElement("details");
      d.className = "thinking";
      const s = document.createElement("summary");
      s.textContent = "Thinking";
      const pre = document.createElement("pre");
      pre.textContent = item.thinking;
      d.append(s, pre);
      parts.push(d);
    }
    if (item.text) {
      const body = document.createElement("div");
      body.className = "body";
      if (item.role === "user") {
        body.classList.add("plain");
        body.textContent = item.text;
      } else setMarkdown(body, item.text);
      parts.push(body);
    }
    if (item.images) {
      const im = document.createElement("div");
      im.className = "images";
      im.textContent = `${item.images} image${item.images === 1 ? "" : "s"} attached`;
      parts.push(im);
    }
    for (const t of item.tools ?? []) {
      const card = renderToolCard(t);
      if (openCards.has(t.toolCallId)) (card as HTMLElement & { open: boolean }).open = true;
      parts.push(card);
    }
    if (item.status === "streaming" && !item.text) {
      const typing = document.createElement("div");
      typing.className = "typing";
      typing.setAttribute("aria-label", "The agent is typing");
      for (let i = 0; i < 3; i++) typing.append(document.createElement("span"));
      parts.push(typing);
    }
    const note = noteFor(item);
    if (note) {
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = note;
      parts.push(meta);
    }
    el.replaceChildren(...parts);
  }

  function statusBadge(item: TranscriptItemView): HTMLElement | null {
    const label: Partial<Record<NonNullable<TranscriptItemView["status"]>, string>> = { queued: "queued", sending: "sending…", streaming: "streaming", aborted: "stopped", error: "error", interrupted: "interrupted" };
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

  function noteFor(item: TranscriptItemView): string {
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
      if (href && a.hasAttribute("data-external")) void call(bridge.request({ type: "openLink", href }));
      return;
    }
    const btn = target.closest<HTMLElement>(".code-action");
    if (btn) {
      const block = btn.closest<HTMLElement>(".codeblock");
      const code = block?.querySelector("code")?.textContent ?? "";
      const language = block?.dataset.lang;
      const action = btn.dataset.action;
      if (action === "copy") void call(bridge.request({ type: "copyText", text: code })).then((r) => r !== undefined && flash(btn, "Copied"));
      else if (action === "insert") void call(bridge.request({ type: "insertCode", code }));
      else if (action === "open") void call(bridge.request({ type: "openCode", code, language }));
    }
  });
  // Middle-click and drag would bypass the click handler: links are not draggable either.
  transcript.addEventListener("auxclick", (e) => (e.target as Element).closest("a") && e.preventDefault());
  transcript.addEventListener("dragstart", (e) => (e.target as Element).closest?.("a") && e.preventDefault());

  function flash(el: HTMLElement, text: string) {
    el.setAttribute("data-flash", text);
    setTimeout(() => el.removeAttribute("data-flash"), 1200);
  }

  $("older-btn").addEventListener("click", () => void call(bridge.request({ type: "loadOlder" })));
  $("connect-btn").addEventListener("click", () => void call(bridge.request({ type: "connect" })));
  $("stop").addEventListener("click", () => void call(bridge.request({ type: "abort" })));

  // ---- sessions ----
  const picker = $("session-picker");
  const search = $<HTMLInputElement>("session-search");
  let searchTimer = 0;
  async function loadSessions() {
    const listEl = $("session-list");
    listEl.replaceChildren(Object.assign(document.createElement("div"), { className: "muted", textContent: "Loading…" }));
    const rows = await call(bridge.request<SessionRowView[]>({ type: "listSessions", search: search.value?.trim() || undefined }));
    if (!rows) {
      listEl.replaceChildren();
      return;
    }
    listEl.replaceChildren(
      ...rows.map((r) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = `session-row${r.key === chatMeta?.sessionKey ? " current" : ""}`;
        b.setAttribute("role", "option");
        b.dataset.key = r.key;
        const t = document.createElement("span");
        t.className = "title";
        t.textContent = r.title;
        const d = document.createElement("span");
        d.className = "muted";
        d.textContent = [shortSessionKey(r.key), r.updatedAt ? new Date(r.updatedAt).toLocaleString() : ""].filter(Boolean).join(" · ");
        b.append(t, d);
        b.addEventListener("click", () => void switchTo(r.key));
        return b;
      }),
    );
    if (rows.length === 0) listEl.append(Object.assign(document.createElement("div"), { className: "muted", textContent: "No sessions match." }));
  }
  async function switchTo(key: string) {
    picker.hidden = true;
    await call(bridge.request({ type: "switchSession", sessionKey: key }));
  }
  $("session-btn").addEventListener("click", () => {
    picker.hidden = !picker.hidden;
    if (!picker.hidden) {
      void loadSessions();
      search.focus();
    }
  });
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void loadSessions(), 250);
  });
  search.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Escape") picker.hidden = true;
  });
  $("new-session").addEventListener("click", () => {
    picker.hidden = true;
    void call(bridge.request({ type: "newSession" })).then(() => input.focus());
  });

  // ---- composer ----
  function renderChips() {
    const chips = $("chips");
    chips.replaceChildren(
      ...contexts.map((c, i) => chip("codicon-file-code", c.label, `${c.text.length} characters`, () => contexts.splice(i, 1))),
      ...attachments.map((a, i) => {
        let url = previews.get(a);
        if (!url) {
          url = URL.createObjectURL(new Blob([Uint8Array.from(atob(a.content), (ch) => ch.charCodeAt(0))], { type: a.mimeType }));
          previews.set(a, url);
        }
        const el = chip("codicon-file-media", a.fileName, formatBytes(a.sizeBytes), () => {
          URL.revokeObjectURL(previews.get(a)!);
          previews.delete(a);
          attachments.splice(i, 1);
        });
        const img = document.createElement("img");
        img.src = url;
        img.alt = "";
        el.prepend(img);
        return el;
      }),
    );
  }
  function chip(icon: string, label: string, title: string, remove: () => void): HTMLElement {
    const el = document.createElement("span");
    el.className = "chip";
    el.title = title;
    const i = document.createElement("span");
    i.className = `codicon ${icon}`;
    const t = document.createElement("span");
    t.textContent = label;
    const x = document.createElement("button");
    x.type = "button";
    x.className = "icon-btn";
    x.title = "Remove";
    x.append(Object.assign(document.createElement("span"), { className: "codicon codicon-close" }));
    x.addEventListener("click", () => (remove(), renderChips()));
    el.append(i, t, x);
    return el;
  }
  function addContext(c: ContextSnippet) {
    if (contexts.length >= 10) return showError("At most 10 context snippets per message.");
    contexts.push(c);
    renderChips();
    input.focus();
  }
  async function addFiles(files: Iterable<File>) {
    for (const f of files) {
      const problem = attachmentProblem(f, policy, attachments);
      if (problem) {
        showError(problem);
        continue;
      }
      try {
        attachments.push(await readAsAttachment(f));
      } catch (err) {
        showError((err as Error).message);
      }
    }
    renderChips();
  }
  $("attach").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    void addFiles(fileInput.files ?? []);
    fileInput.value = "";
  });
  input.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.items ?? [])].filter((i) => i.kind === "file").map((i) => i.getAsFile()).filter((f): f is File => !!f);
    if (files.length) {
      e.preventDefault();
      void addFiles(files);
    }
  });
  $("ctx-selection").addEventListener("click", () => void call(bridge.request<ContextSnippet>({ type: "addEditorContext", what: "selection" })).then((c) => c && addContext(c)));
  $("ctx-file").addEventListener("click", () => void call(bridge.request<ContextSnippet>({ type: "addEditorContext", what: "file" })).then((c) => c && addContext(c)));

  function insertAtCursor(text: string) {
    const s = input.selectionStart ?? input.value.length;
    input.setRangeText(text, s, input.selectionEnd ?? s, "end");
    input.focus();
    saveDraft();
  }
  let draftTimer = 0;
  function saveDraft() {
    clearTimeout(draftTimer);
    draftTimer = window.setTimeout(() => bridge.patchState({ draft: input.value }), 300);
  }
  input.addEventListener("input", () => {
    recall = -1;
    saveDraft();
  });

  async function send() {
    const text = input.value.trim();
    if (!text && attachments.length === 0) return;
    const sentAttachments = attachments.splice(0);
    const sentContexts = contexts.splice(0);
    input.value = "";
    if (text) {
      ui.sent = [text, ...ui.sent.filter((t) => t !== text)].slice(0, 50);
      bridge.patchState({ sent: ui.sent, draft: "" });
    }
    recall = -1;
    showError(null);
    renderChips();
    list.scrollToBottom();
    try {
      await bridge.request({ type: "send", text, attachments: sentAttachments.length ? sentAttachments : undefined, context: sentContexts.length ? sentContexts : undefined });
      for (const a of sentAttachments) URL.revokeObjectURL(previews.get(a) ?? ""), previews.delete(a);
    } catch (err) {
      // Nothing is lost: the text, images and context come back to the composer.
      if (!input.value) input.value = text;
      attachments.push(...sentAttachments);
      contexts.push(...sentContexts);
      renderChips();
      showError((err as Error).message);
    }
  }
  $("send").addEventListener("click", () => void send());
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    } else if (e.key === "ArrowUp" && input.selectionStart === 0 && input.selectionEnd === 0 && ui.sent.length && (recall >= 0 || !input.value)) {
      recall = Math.min(recall + 1, ui.sent.length - 1);
      input.value = ui.sent[recall]!;
      input.setSelectionRange(0, 0);
      e.preventDefault();
    } else if (e.key === "ArrowDown" && recall >= 0 && !input.value.slice(input.selectionEnd).includes("\n")) {
      recall -= 1;
      input.value = recall >= 0 ? ui.sent[recall]! : "";
      e.preventDefault();
    } else if (e.key === "Escape" && chatMeta?.activeRunId) {
      void call(bridge.request({ type: "abort" }));
    }
  });

  render();
}
