// The session picker in the chat header: lists the gateway's sessions (sessions.list through the host), searches
// them as you type, switches the chat to one, or starts a new session.
import { ListSessions, NewSession, SwitchSession } from "../shared/contract/requests";
import type { HostBridge } from "./vscode-api";

export function shortSessionKey(key: string): string {
  return key.replace(/^agent:[^:]+:/, "");
}

export interface SessionPickerDeps {
  root: HTMLElement;
  bridge: HostBridge;
  /** Runs a request; shows its error and resolves undefined when it fails. */
  call: <T>(p: Promise<T>) => Promise<T | undefined>;
  currentKey: () => string | undefined;
  focusComposer: () => void;
}

export function mountSessionPicker(d: SessionPickerDeps): void {
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => d.root.querySelector<T>(`#${id}`)!;
  const picker = $("session-picker");
  const search = $<HTMLInputElement>("session-search");
  let searchTimer = 0;
  async function loadSessions() {
    const listEl = $("session-list");
    listEl.replaceChildren(Object.assign(document.createElement("div"), { className: "muted", textContent: "Loading…" }));
    const rows = await d.call(d.bridge.request(ListSessions, { search: search.value?.trim() || undefined }));
    if (!rows) {
      listEl.replaceChildren();
      return;
    }
    listEl.replaceChildren(
      ...rows.map((r) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = `session-row${r.key === d.currentKey() ? " current" : ""}`;
        b.setAttribute("role", "option");
        b.dataset.key = r.key;
        const t = document.createElement("span");
        t.className = "title";
        t.textContent = r.title;
        const detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = [shortSessionKey(r.key), r.updatedAt ? new Date(r.updatedAt).toLocaleString() : ""].filter(Boolean).join(" · ");
        b.append(t, detail);
        b.addEventListener("click", () => void switchTo(r.key));
        return b;
      }),
    );
    if (rows.length === 0) listEl.append(Object.assign(document.createElement("div"), { className: "muted", textContent: "No sessions match." }));
  }
  async function switchTo(key: string) {
    picker.hidden = true;
    await d.call(d.bridge.request(SwitchSession, { sessionKey: key }));
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
    if ((e).key === "Escape") picker.hidden = true;
  });
  $("new-session").addEventListener("click", () => {
    picker.hidden = true;
    void d.call(d.bridge.request(NewSession)).then(() => d.focusComposer());
  });
}
