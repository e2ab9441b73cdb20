// The chat panel. Renders the transcript the host sends (whole snapshots, coalesced to animation
// frames), and a composer: Enter sends, Shift+Enter is a newline, ↑ recalls earlier messages.
import type { ChatStateView, ConnectionView, TranscriptItemView } from "../shared/contract";
import "./chat.css";
import { HostBridge } from "./vscode-api";

const app = document.getElementById("app")!;
app.innerHTML = `
  <div class="banner" id="banner" hidden></div>
  <div class="transcript" id="transcript" role="log" aria-live="polite"></div>
  <div class="error" id="error" hidden></div>
  <form class="composer" id="composer">
    <textarea id="input" rows="3" placeholder="Message the agent (Enter to send, Shift+Enter for a new line)" aria-label="Message"></textarea>
    <div class="actions">
      <button type="button" id="stop" class="secondary" hidden>Stop</button>
      <button type="submit" id="send">Send</button>
    </div>
  </form>`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const transcript = $<HTMLDivElement>("transcript");
const input = $<HTMLTextAreaElement>("input");
const banner = $<HTMLDivElement>("banner");
const errorBox = $<HTMLDivElement>("error");
const stopBtn = $<HTMLButtonElement>("stop");

let chat: ChatStateView | null = null;
let connection: ConnectionView = { status: "disconnected" };
let frame = 0;
const sentHistory: string[] = [];
let recall = -1;

const bridge = new HostBridge((msg) => {
  if (msg.type === "chat") chat = msg.chat;
  else if (msg.type === "connection") connection = msg.connection;
  else if (msg.type === "notice") showError(msg.message);
  else if (msg.type === "insertText") input.value += msg.text;
  schedule();
});

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function showError(text: string | null) {
  errorBox.hidden = !text;
  errorBox.textContent = text ?? "";
}

const rows = new Map<string, HTMLElement>();

function renderItem(el: HTMLElement, item: TranscriptItemView) {
  el.className = `msg ${item.role} ${item.status ?? ""}`;
  el.dataset.status = item.status ?? "";
  let body = el.querySelector<HTMLElement>(".body");
  if (!body) {
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = item.role === "user" ? "You" : item.role === "assistant" ? "Agent" : item.role;
    body = document.createElement("div");
    body.className = "body";
    el.append(who, body);
  }
  // Text only, never HTML: model output cannot inject markup.
  if (body.textContent !== item.text) body.textContent = item.text;
  let meta = el.querySelector<HTMLElement>(".meta");
  const note =
    item.status === "queued" ? "queued — sends when connected" : item.status === "streaming" ? (item.phase ? item.phase.replaceAll("_", " ") + "…" : "typing…") : item.status === "aborted" ? "stopped" : item.status === "interrupted" || item.status === "error" ? (item.error ?? item.status) : "";
  if (note) {
    if (!meta) {
      meta = document.createElement("div");
      meta.className = "meta";
      el.append(meta);
    }
    meta.textContent = note;
  } else meta?.remove();
}

function render() {
  frame = 0;
  banner.hidden = connection.status === "connected";
  banner.textContent =
    connection.status === "connected" ? "" : connection.issue ? `${connection.issue.message} ${connection.issue.nextStep}` : connection.status === "disconnected" ? "Not connected — run “KrabKrab: Connect Local” or “Connect Remote”." : `${connection.status}…`;
  banner.className = `banner ${connection.status}`;
  const items = chat?.items ?? [];
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  const keep = new Set(items.map((i) => i.id));
  for (const [id, el] of rows) if (!keep.has(id)) (el.remove(), rows.delete(id));
  let prev: HTMLElement | null = null;
  for (const item of items) {
    let el = rows.get(item.id);
    if (!el) {
      el = document.createElement("div");
      el.dataset.id = item.id;
      rows.set(item.id, el);
    }
    renderItem(el, item);
    const want: Element | null = prev ? prev.nextElementSibling : transcript.firstElementChild;
    if (want !== el) transcript.insertBefore(el, want);
    prev = el;
  }
  stopBtn.hidden = !chat?.activeRunId;
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
}

async function send() {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  sentHistory.unshift(text);
  recall = -1;
  showError(null);
  try {
    await bridge.request({ type: "send", text });
  } catch (err) {
    input.value = text; // nothing lost
    showError((err as Error).message);
  }
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  void send();
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    void send();
  } else if (e.key === "ArrowUp" && input.selectionStart === 0 && sentHistory.length) {
    recall = Math.min(recall + 1, sentHistory.length - 1);
    input.value = sentHistory[recall]!;
    e.preventDefault();
  } else if (e.key === "ArrowDown" && recall >= 0) {
    recall -= 1;
    input.value = recall >= 0 ? sentHistory[recall]! : "";
    e.preventDefault();
  }
});
stopBtn.addEventListener("click", () => void bridge.request({ type: "abort" }).catch((e) => showError((e as Error).message)));

bridge.post({ type: "ready" });
render();
