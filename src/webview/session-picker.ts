// The session picker under the chat header (part of the lazy chat-tools script): lists the gateway's sessions
// (sessions.list through the host), searches them as you type, switches the chat to one, and offers each
// row's actions — Rename, Fork, Delete — as far as the host says the gateway allows them.
// Keyboard: the search field owns the keys (a combobox over the listbox): ↑/↓ choose a row, Enter opens it,
// F2 renames it, Shift+F10 (or the context-menu key) opens its actions; Escape closes.
// Delete only asks the host, which confirms in a modal VS Code dialog.
import { DeleteSession, ForkSession, RenameSession } from "../shared/contract/chat-tool-requests";
import { ListSessions, SwitchSession } from "../shared/contract/requests";
import type { SessionRowView } from "../shared/contract/views";
import type { ChatToolsDeps } from "./lazy-chat-tools";
import { shortSessionKey } from "./session-key";

type Action = NonNullable<SessionRowView["actions"]>[number];
const ACTION_LABEL: Record<Action, string> = { rename: "Rename…", fork: "Fork", delete: "Delete…" };
const ACTION_KEY: Partial<Record<Action, string>> = { rename: "F2" };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function mountSessionPicker(d: ChatToolsDeps): { toggle(): void } {
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => d.root.querySelector<T>(`#${id}`)!;
  const picker = $("session-picker");
  const search = $<HTMLInputElement>("session-search");
  const listEl = $("session-list");
  const button = $("session-btn");
  search.setAttribute("role", "combobox");
  search.setAttribute("aria-controls", "session-list");
  search.setAttribute("aria-autocomplete", "list");
  search.setAttribute("aria-expanded", "false");
  const hint = el("div", "muted session-keys", "↑↓ choose · Enter open · F2 rename · Shift+F10 actions");
  hint.id = "session-keys";
  search.after(hint);
  search.setAttribute("aria-describedby", hint.id);
  let rows: SessionRowView[] = [];
  let active = -1;
  let searchTimer = 0;
  let menu: HTMLElement | null = null;

  function rowEl(i: number): HTMLElement | null {
    return listEl.querySelector<HTMLElement>(`#session-opt-${i}`);
  }

  function setActive(i: number) {
    rowEl(active)?.setAttribute("aria-selected", "false");
    active = rows.length ? (i + rows.length) % rows.length : -1;
    const r = rowEl(active);
    if (r) {
      r.setAttribute("aria-selected", "true");
      search.setAttribute("aria-activedescendant", r.id);
      r.scrollIntoView({ block: "nearest" });
    } else search.removeAttribute("aria-activedescendant");
  }

  async function load() {
    closeMenu(false);
    listEl.replaceChildren(el("div", "muted", "Loading…"));
    const got = await d.call(d.bridge.request(ListSessions, { search: search.value.trim() || undefined }));
    rows = got ?? [];
    active = -1;
    search.removeAttribute("aria-activedescendant");
    listEl.replaceChildren(...rows.map(renderRow));
    if (got && rows.length === 0) listEl.append(el("div", "muted", "No sessions match."));
    search.setAttribute("aria-expanded", String(rows.length > 0));
  }

  function renderRow(r: SessionRowView, i: number): HTMLElement {
    const row = el("div", `session-row${r.key === d.currentKey() ? " current" : ""}`);
    row.id = `session-opt-${i}`;
    row.setAttribute("role", "option");
    row.setAttribute("aria-selected", "false");
    row.dataset.key = r.key;
    const text = el("span", "session-text");
    const detail = [shortSessionKey(r.key), r.updatedAt ? new Date(r.updatedAt).toLocaleString() : ""].filter(Boolean).join(" · ");
    text.append(el("span", "title", r.title), el("span", "muted", detail));
    row.append(text);
    if (r.actions?.length) {
      // For the mouse; from the keyboard the same menu is Shift+F10 in the search field.
      const more = el("button", "icon-btn session-more");
      more.type = "button";
      more.tabIndex = -1;
      more.title = "Actions (Shift+F10)";
      more.setAttribute("aria-label", `Actions for ${r.title}`);
      more.append(el("span", "codicon codicon-kebab-vertical"));
      more.addEventListener("click", (e) => {
        e.stopPropagation();
        setActive(i);
        openMenu(i);
      });
      row.append(more);
    }
    row.addEventListener("click", () => void switchTo(r.key));
    row.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      setActive(i);
      openMenu(i);
    });
    return row;
  }

  function close() {
    closeMenu(false);
    picker.hidden = true;
    search.setAttribute("aria-expanded", "false");
  }

  async function switchTo(key: string) {
    close();
    await d.call(d.bridge.request(SwitchSession, { sessionKey: key }));
  }

  // ---- a row's actions ----
  function openMenu(i: number) {
    const r = rows[i];
    if (!r?.actions?.length) return;
    closeMenu(false);
    const m = el("div", "session-menu");
    m.setAttribute("role", "menu");
    m.setAttribute("aria-label", `Actions for ${r.title}`);
    for (const a of r.actions) {
      const item = el("button", `session-menu-item ${a}`);
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.dataset.action = a;
      item.append(el("span", "", ACTION_LABEL[a]));
      if (ACTION_KEY[a]) item.append(el("span", "muted", ACTION_KEY[a]));
      item.addEventListener("click", () => {
        closeMenu(false);
        void act(a, i);
      });
      m.append(item);
    }
    m.addEventListener("keydown", (e) => {
      const items = [...m.querySelectorAll<HTMLElement>("[role=menuitem]")];
      const at = items.indexOf(document.activeElement as HTMLElement);
      if (e.key === "ArrowDown" || e.key === "ArrowUp") items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
      else if (e.key === "Home" || e.key === "End") items[e.key === "Home" ? 0 : items.length - 1]?.focus();
      else if (e.key === "Escape" || e.key === "Tab") closeMenu(true);
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    m.addEventListener("focusout", (e) => {
      if (!m.contains(e.relatedTarget as Node | null)) closeMenu(false);
    });
    rowEl(i)?.after(m);
    menu = m;
    m.querySelector<HTMLElement>("[role=menuitem]")?.focus();
  }

  function closeMenu(refocus: boolean) {
    const m = menu;
    menu = null;
    m?.remove();
    if (refocus) search.focus();
  }

  async function act(a: Action, i: number) {
    const r = rows[i];
    if (!r?.actions?.includes(a)) return;
    if (a === "rename") return startRename(i);
    if (a === "fork") {
      const forked = await d.call(d.bridge.request(ForkSession, { sessionKey: r.key }));
      if (forked) {
        close();
        d.focusComposer();
      }
      return;
    }
    const res = await d.call(d.bridge.request(DeleteSession, { sessionKey: r.key }));
    if (res?.deleted) await load();
    search.focus();
  }

  /** The row's title becomes a text field: Enter saves, Escape (or leaving it) keeps the old name. */
  function startRename(i: number) {
    const r = rows[i];
    const row = rowEl(i);
    const title = row?.querySelector<HTMLElement>(".title");
    if (!r || !row || !title) return;
    const before = r.label ?? r.title;
    const field = el("input", "session-rename");
    field.value = before;
    field.setAttribute("aria-label", `New name for ${r.title} (empty: the gateway's generated title)`);
    let done = false;
    const finish = async (save: boolean) => {
      if (done) return;
      done = true;
      const label = field.value.trim();
      // Saving an unchanged name changes nothing (a generated title stays generated).
      if (save && label !== before.trim()) {
        if ((await d.call(d.bridge.request(RenameSession, { sessionKey: r.key, label }))) === undefined) return field.replaceWith(title);
        await load();
      } else field.replaceWith(title);
      search.focus();
    };
    field.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key !== "Enter" && e.key !== "Escape") return;
      e.preventDefault();
      void finish(e.key === "Enter");
    });
    field.addEventListener("click", (e) => e.stopPropagation());
    field.addEventListener("blur", () => void finish(false));
    title.replaceWith(field);
    field.focus();
    field.select();
  }

  // ---- the search field owns the keyboard ----
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void load(), 250);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") setActive(active < 0 && e.key === "ArrowUp" ? -1 : active + (e.key === "ArrowDown" ? 1 : -1));
    else if (e.key === "Enter" && rows[active]) void switchTo(rows[active]!.key);
    else if (e.key === "F2" && rows[active]?.actions?.includes("rename")) startRename(active);
    else if ((e.key === "F10" && e.shiftKey) || e.key === "ContextMenu") openMenu(active);
    else if (e.key === "Escape") {
      close();
      button.focus();
    } else return;
    e.preventDefault();
  });

  return {
    toggle() {
      if (!picker.hidden) return close();
      picker.hidden = false;
      void load();
      search.focus();
    },
  };
}
