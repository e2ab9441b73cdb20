// @-mentions in the composer: typing "@" opens a list of what can be mentioned — the editor selection, open
// editors and workspace files (the host asks VS Code's file search) — filtered as you type ("@chat-app",
// "@src/a.ts#L10-20" for lines 10–20). ↑/↓ move, Enter or Tab takes one, Escape closes the list (and only
// that: it does not stop a running reply). A mention puts "@path" in the text and the file's content in a
// chip (with its size) that goes with the next message as context. Loaded on the first "@" (mention-loader.ts):
// its own script, main-mentions.js, so the side panel's main bundle stays within its budget.
import { MentionResolve, MentionSearch, type MentionItem } from "../shared/contract/mentions";
import type { ContextSnippet } from "../shared/contract/views";
import type { HostBridge } from "./vscode-api";

const ICONS: Record<MentionItem["kind"], string> = { selection: "codicon-selection", editor: "codicon-file-code", file: "codicon-file" };

/** Mounts the list on the composer; `addContext` adds a chip without touching the text. */
export function mountMentions(bridge: HostBridge, addContext: (c: ContextSnippet) => void, call: <T>(p: Promise<T>) => Promise<T | undefined>): void {
  const input = document.getElementById("input") as HTMLTextAreaElement;
  const box = document.getElementById("composer")!;
  const list = document.createElement("div");
  list.id = "mention-list";
  list.className = "mention-popup";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Mention a file or the selection");
  list.hidden = true;
  box.prepend(list);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  let items: MentionItem[] = [];
  let active = 0;
  /** Where the "@" of the mention being typed is, and what follows it. */
  let token: { at: number; query: string } | null = null;
  let seq = 0;
  let timer = 0;

  function close() {
    token = null;
    items = [];
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function render(note?: string) {
    list.replaceChildren(
      ...items.map((it, i) => {
        const row = document.createElement("div");
        row.id = `mention-${i}`;
        row.className = `mention-option${i === active ? " active" : ""}`;
        row.setAttribute("role", "option");
        row.setAttribute("aria-selected", String(i === active));
        const icon = document.createElement("span");
        icon.className = `codicon ${ICONS[it.kind]}`;
        const label = document.createElement("span");
        label.className = "mention-label";
        label.textContent = it.label;
        row.append(icon, label);
        if (it.detail) row.append(Object.assign(document.createElement("span"), { className: "muted", textContent: it.detail }));
        // mousedown, not click: the textarea keeps the focus (and the caret) while the pointer picks.
        row.addEventListener("mousedown", (e) => (e.preventDefault(), void accept(i)));
        return row;
      }),
    );
    if (!items.length) list.append(Object.assign(document.createElement("div"), { className: "muted mention-note", textContent: note ?? "No matching files." }));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (items.length) {
      input.setAttribute("aria-activedescendant", `mention-${active}`);
      list.children[active]?.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  /** Reads the mention being typed: "@" at the start or after a space, up to the caret, no space inside. */
  function onEdit() {
    const caret = input.selectionStart ?? 0;
    if (caret !== input.selectionEnd) return close();
    const m = /(^|\s)@([^\s@]*)$/.exec(input.value.slice(0, caret));
    if (!m) return close();
    const query = m[2]!;
    const at = caret - query.length - 1;
    if (token && token.at === at && token.query === query) return;
    token = { at, query };
    if (list.hidden) render("Searching…");
    clearTimeout(timer);
    const mine = ++seq;
    timer = window.setTimeout(() => {
      void bridge.request(MentionSearch, { query }).then(
        (r) => {
          if (mine !== seq || !token) return; // a newer query, or closed meanwhile
          items = r.items;
          active = 0;
          render();
        },
        (err: Error) => mine === seq && token && ((items = []), render(err.message)),
      );
    }, 80);
  }

  /** Puts "@label " in place of what was typed and adds the mentioned content as context. */
  async function accept(i: number) {
    const it = items[i];
    if (!it || !token) return;
    const end = token.at + 1 + token.query.length;
    input.setRangeText(`@${it.label} `, token.at, end, "end");
    input.dispatchEvent(new Event("input")); // the composer saves its draft
    close();
    const snippet = await call(bridge.request(MentionResolve, { ref: it.ref, range: it.range }));
    // The composer's own add: the "@label" is in the text already (mention-loader.ts adds it for the host's).
    if (snippet) addContext(snippet);
  }

  input.addEventListener("input", onEdit);
  input.addEventListener("click", onEdit);
  input.addEventListener("blur", () => setTimeout(() => document.activeElement !== input && close(), 0));
  // Capture on the composer: these keys are the list's while it is open, before the composer's own handler
  // (Enter sends, ↑/↓ walk history, Escape stops a run) sees them.
  box.addEventListener(
    "keydown",
    (e) => {
      if (list.hidden || e.target !== input || e.isComposing) return;
      const take = () => (e.preventDefault(), e.stopPropagation());
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        take();
        if (!items.length) return;
        active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        render();
      } else if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && items.length) {
        take();
        void accept(active);
      } else if (e.key === "Escape") {
        take();
        close();
      }
    },
    true,
  );
  input.addEventListener("keyup", (e) => (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") && onEdit());
}
