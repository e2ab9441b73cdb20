// The composer's slash-command menu (part of the lazy chat-tools script): typing "/" at the start of a message
// offers the gateway's commands (commands.list through the host — none are built in), filtered by prefix as
// you type, with their descriptions. ↑/↓ choose, Enter or Tab inserts the command, Escape closes. Inserting
// only writes the command into the message: what it does is the gateway's, when the text is sent as typed.
// The textarea keeps the focus; the listbox follows it through aria-activedescendant.
import { ListCommands, type SlashCommandView } from "../shared/contract/chat-tool-requests";
import type { ChatToolsDeps } from "./lazy-chat-tools";

export function mountSlashMenu(d: ChatToolsDeps): void {
  const input = d.input;
  const composer = input.closest<HTMLElement>(".composer") ?? input.parentElement!;
  const menu = document.createElement("div");
  menu.id = "slash-menu";
  menu.className = "slash-menu";
  menu.hidden = true;
  menu.setAttribute("role", "listbox");
  menu.setAttribute("aria-label", "Slash commands");
  composer.prepend(menu);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "slash-menu");

  let commands: SlashCommandView[] | null = null;
  let loading: Promise<void> | null = null;
  let matches: SlashCommandView[] = [];
  let active = 0;
  /** The command word the user closed the menu on (Escape, or a command just inserted): it stays closed for it. */
  let dismissed: string | null = null;

  /** The command word being typed ("/he" → "he"), or null when the caret is not in a leading /word. */
  function typed(): string | null {
    if (input.selectionStart !== input.selectionEnd) return null;
    return /^\/(\S*)$/.exec(input.value.slice(0, input.selectionStart ?? 0))?.[1] ?? null;
  }

  function loadCommands(): Promise<void> {
    loading ??= d.bridge.request(ListCommands).then(
      (r) => void (commands = r.commands),
      () => void (commands = []), // not connected or no commands.list: no menu, no error bar while typing
    );
    return loading;
  }

  async function update() {
    const word = typed();
    if (word === null) {
      // Out of the command word: the next "/" asks the host again (the host caches per connection), so a
      // new connection, a plugin's new command or another agent's commands show without a webview reload.
      commands = null;
      loading = null;
      return close();
    }
    if (word === dismissed) return close();
    if (!commands) {
      await loadCommands();
      if (typed() !== word) return; // typing went on meanwhile: that input event updates
    }
    const w = word.toLowerCase();
    const next = (commands ?? []).filter((c) => [c.name, ...c.aliases].some((a) => a.slice(1).toLowerCase().startsWith(w)));
    const keep = matches[active];
    matches = next;
    active = Math.max(0, keep ? next.indexOf(keep) : 0);
    if (!matches.length) return close();
    render();
  }

  function render() {
    menu.replaceChildren(
      ...matches.map((c, i) => {
        const o = document.createElement("div");
        o.id = `slash-opt-${i}`;
        o.className = "slash-option";
        o.setAttribute("role", "option");
        o.setAttribute("aria-selected", String(i === active));
        if (c.aliases.length) o.title = `Also ${c.aliases.join(", ")}`;
        const name = document.createElement("span");
        name.className = "slash-name";
        name.textContent = c.name;
        o.append(name);
        if (c.args) o.append(Object.assign(document.createElement("span"), { className: "slash-args", textContent: c.args }));
        o.append(Object.assign(document.createElement("span"), { className: "slash-desc", textContent: c.description }));
        // mousedown would move the focus out of the composer before the click inserts.
        o.addEventListener("mousedown", (e) => e.preventDefault());
        o.addEventListener("click", () => insert(c));
        return o;
      }),
    );
    menu.hidden = false;
    input.setAttribute("aria-activedescendant", `slash-opt-${active}`);
    menu.querySelector(`#slash-opt-${active}`)?.scrollIntoView({ block: "nearest" });
  }

  function move(by: number) {
    active = (active + by + matches.length) % matches.length;
    for (const o of menu.children) o.setAttribute("aria-selected", String(o.id === `slash-opt-${active}`));
    input.setAttribute("aria-activedescendant", `slash-opt-${active}`);
    menu.querySelector(`#slash-opt-${active}`)?.scrollIntoView({ block: "nearest" });
  }

  function close() {
    if (menu.hidden) return;
    menu.hidden = true;
    menu.replaceChildren();
    input.removeAttribute("aria-activedescendant");
  }

  /** Replaces the leading /word with the command (and a space when it takes arguments); the rest stays. */
  function insert(c: SlashCommandView) {
    const word = /^\/\S*/.exec(input.value)?.[0] ?? "";
    const rest = input.value.slice(word.length);
    const text = c.name + (c.args && !/^\s/.test(rest) ? " " : "");
    input.setRangeText(text, 0, word.length, "end");
    dismissed = typed();
    close();
    input.focus();
    input.dispatchEvent(new Event("input", { bubbles: true })); // the composer keeps its draft
  }

  input.addEventListener("input", () => {
    if (typed() !== dismissed) dismissed = null;
    void update();
  });
  input.addEventListener("click", () => void update());
  input.addEventListener("keyup", (e) => {
    if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") void update();
  });
  input.addEventListener("blur", close);
  // Capture, on the composer: these keys belong to the menu while it is open, before the composer's own
  // handlers (Enter sends, ↑ recalls, Escape stops the run) see them.
  composer.addEventListener(
    "keydown",
    (e) => {
      if (e.target !== input || menu.hidden || e.isComposing) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") move(e.key === "ArrowDown" ? 1 : -1);
      else if ((e.key === "Enter" && !e.shiftKey) || (e.key === "Tab" && !e.shiftKey)) insert(matches[active]!);
      else if (e.key === "Escape") {
        dismissed = typed();
        close();
      } else return;
      e.preventDefault();
      e.stopPropagation();
    },
    true,
  );
  void update(); // the "/" that loaded this script was typed already
}
