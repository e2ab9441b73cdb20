// The chat header's model picker, context meter and Compact button (side panel only). The picker is a button
// naming the session's model; it opens a listbox of the models (models.list), the model's thinking levels and
// the fast-mode choices, walked with the arrow keys (Home/End, Enter/Space picks, Escape closes). Picking one
// patches the session through the host, which notes the change in the transcript and sends the new state.
// Every name the gateway sends is set as text, never as markup.
import type { ModelChoiceView, SessionInfoView } from "../shared/contract/session-settings";
import { CompactSession, GetSessionInfo, ListModels, PatchSession, SessionInfoChanged } from "../shared/contract/session-settings";
import type { ParamsOf } from "../shared/contract/protocol";
import type { ChatHandle } from "./chat-handle";

/** From this share of the context window on, the meter warns and offers Compact. */
export const NEAR_LIMIT = 0.75;
const FAST: [NonNullable<ParamsOf<typeof PatchSession>["fastMode"]>, string][] = [
  ["default", "Default"],
  ["on", "On"],
  ["off", "Off"],
  ["auto", "Auto"],
];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** 11385 → "11.4k", 128000 → "128k". */
export function shortTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  const k = n / 1000;
  return `${k >= 100 ? Math.round(k) : Math.round(k * 10) / 10}k`;
}

export function mountModelPicker(chat: ChatHandle): void {
  const { bridge, root } = chat;
  const header = root.querySelector<HTMLElement>(".chat-header")!;
  const sessionBtn = root.querySelector<HTMLElement>("#session-btn")!;

  const button = el("button", "model-btn");
  button.type = "button";
  button.id = "model-btn";
  button.setAttribute("aria-haspopup", "listbox");
  button.setAttribute("aria-expanded", "false");
  const name = el("span", "model-name");
  button.append(el("span", "codicon codicon-sparkle"), name, el("span", "codicon codicon-chevron-down"));

  const meter = el("span", "ctx-meter");
  meter.id = "ctx-meter";
  meter.setAttribute("role", "meter");
  meter.setAttribute("aria-valuemin", "0");
  const fill = el("span", "ctx-fill");
  const meterText = el("span", "ctx-text");
  meter.append(Object.assign(el("span", "ctx-bar"), { ariaHidden: "true" }), meterText);
  meter.firstElementChild!.append(fill);

  const compact = el("button", "compact-btn", "Compact");
  compact.type = "button";
  compact.id = "compact-btn";
  sessionBtn.after(button, meter, compact);

  const panel = el("div", "model-picker");
  panel.id = "model-picker";
  panel.hidden = true;
  const list = el("div", "model-list");
  list.id = "model-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Model, thinking level and fast mode");
  panel.append(list);
  header.after(panel);

  let info: SessionInfoView | null = null;
  let models: ModelChoiceView[] | null = null;
  let modelsAt = 0;

  function render() {
    const i = info;
    button.hidden = !i?.canPick;
    const label = i?.modelName ?? i?.model ?? "Default model";
    if (name.textContent !== label) name.textContent = label;
    button.title = `Model: ${label}${i?.thinkingLevel ? ` · thinking ${i.thinkingLevel}` : ""}${i?.fastMode ? ` · fast ${i.fastMode}` : ""}`;
    button.setAttribute("aria-label", `${button.title}. Change the model, thinking level or fast mode`);
    const used = i?.usedTokens;
    const max = i?.contextWindow;
    const known = used !== undefined && max !== undefined && max > 0;
    meter.hidden = !known;
    const ratio = known ? Math.min(1, used / max) : 0;
    const near = known && ratio >= NEAR_LIMIT;
    if (known) {
      const pct = Math.round(ratio * 100);
      const approx = i?.fresh === false ? "≈" : "";
      meterText.textContent = `${approx}${pct}%`;
      fill.style.width = `${pct}%`;
      meter.classList.toggle("near", near);
      meter.setAttribute("aria-valuemax", String(max));
      meter.setAttribute("aria-valuenow", String(Math.min(used, max)));
      const text = `Context: ${approx}${used.toLocaleString()} of ${max.toLocaleString()} tokens (${pct}%)`;
      meter.setAttribute("aria-valuetext", text);
      meter.setAttribute("aria-label", "Context used");
      meter.title = `${text}${i?.fresh === false ? " — approximate until the next reply" : ""}`;
    }
    compact.hidden = !(near && i?.canCompact);
    compact.title = "Compact the context: the gateway summarizes older turns (sessions.compact)";
  }

  function option(label: string, detail: string, selected: boolean, params: ParamsOf<typeof PatchSession>, unavailable?: string): HTMLElement {
    const o = el("div", "model-option");
    o.setAttribute("role", "option");
    o.tabIndex = -1;
    o.dataset.key = JSON.stringify(params);
    o.setAttribute("aria-selected", String(selected));
    if (unavailable) o.setAttribute("aria-disabled", "true");
    o.append(el("span", `codicon ${selected ? "codicon-check" : "codicon-blank"}`), el("span", "model-option-label", label));
    if (detail || unavailable) o.append(el("span", "muted", [detail, unavailable].filter(Boolean).join(" · ")));
    o.addEventListener("click", () => void pick(o, params));
    return o;
  }

  function group(title: string, options: HTMLElement[]): HTMLElement {
    const g = el("div", "model-group");
    g.setAttribute("role", "group");
    const h = el("div", "model-group-label", title);
    h.id = `model-group-${title.toLowerCase().replace(/\W+/g, "-")}`;
    g.setAttribute("aria-labelledby", h.id);
    g.append(h, ...options);
    return g;
  }

  function fillList() {
    const i = info;
    const groups: HTMLElement[] = [];
    if (models) {
      groups.push(
        group(
          "Model",
          models.map((m) => option(m.name, [m.ref, m.contextWindow ? `${shortTokens(m.contextWindow)} context` : "", m.isDefault ? "default" : ""].filter(Boolean).join(" · "), m.ref === i?.model, { model: m.ref }, m.unavailable)),
        ),
      );
    } else groups.push(el("div", "muted", "Loading models…"));
    if (i?.thinkingLevels.length) groups.push(group("Thinking", i.thinkingLevels.map((l) => option(l, "", l === i.thinkingLevel, { thinkingLevel: l }))));
    groups.push(group("Fast mode", FAST.map(([v, label]) => option(label, v === "default" ? "the model's or agent's setting" : "", (i?.fastMode ?? "default") === v, { fastMode: v }))));
    list.replaceChildren(...groups);
  }

  const options = () => [...list.querySelectorAll<HTMLElement>('[role="option"]')];

  async function open() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    fillList();
    focusSelected();
    // The host keeps the list a minute too; within that, reopening shows the same list without asking.
    if (models && Date.now() - modelsAt < 60_000) return;
    const auto = focusedKey();
    const got = await chat.call(bridge.request(ListModels));
    if (panel.hidden) return;
    models = got ?? [];
    modelsAt = got ? Date.now() : 0;
    // Where the keyboard is now, unless it is still where opening put it: then on the current model.
    const moved = focusedKey() !== auto ? focusedKey() : undefined;
    fillList();
    const again = moved && options().find((o) => o.dataset.key === moved);
    if (again) again.focus();
    else focusSelected();
  }

  const focusedKey = () => (list.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.key : undefined);

  function focusSelected() {
    const all = options();
    (all.find((o) => o.getAttribute("aria-selected") === "true") ?? all[0])?.focus();
  }

  function close(refocus = true) {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }

  async function pick(o: HTMLElement, params: ParamsOf<typeof PatchSession>) {
    if (o.getAttribute("aria-disabled") === "true") return;
    o.classList.add("busy");
    const done = await chat.call(bridge.request(PatchSession, params));
    o.classList.remove("busy");
    if (done) close();
  }

  button.addEventListener("click", () => (panel.hidden ? void open() : close()));
  button.addEventListener("keydown", (e) => {
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && panel.hidden) {
      e.preventDefault();
      void open();
    }
  });
  list.addEventListener("keydown", (e) => {
    const all = options();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => all[Math.max(0, Math.min(all.length - 1, i))]?.focus();
    switch (e.key) {
      case "ArrowDown":
        go(at + 1);
        break;
      case "ArrowUp":
        go(at - 1);
        break;
      case "Home":
        go(0);
        break;
      case "End":
        go(all.length - 1);
        break;
      case "Enter":
      case " ":
        if (at >= 0) all[at]!.click();
        break;
      case "Escape":
        close();
        break;
      case "Tab":
        close(false);
        return;
      default:
        return;
    }
    e.preventDefault();
  });
  // A click elsewhere closes it, as the session picker's search does.
  document.addEventListener("mousedown", (e) => {
    if (!panel.hidden && !panel.contains(e.target as Node) && !button.contains(e.target as Node)) close(false);
  });

  compact.addEventListener("click", () => void compactNow());
  async function compactNow() {
    compact.disabled = true;
    compact.textContent = "Compacting…";
    const r = await chat.call(bridge.request(CompactSession));
    // The error bar tells why nothing happened (what call() does with a failed request).
    if (r && !r.compacted) await chat.call(Promise.reject(new Error(`Nothing was compacted${r.reason ? `: ${r.reason}` : ""}.`)));
    compact.disabled = false;
    compact.textContent = "Compact";
  }

  function show(next: SessionInfoView | null) {
    if (next?.sessionKey !== info?.sessionKey) models = null;
    info = next;
    render();
    if (!panel.hidden) {
      if (!info?.canPick) close(false);
      else fillList();
    }
  }

  bridge.extra.set("sessionInfo", (data) => {
    const r = SessionInfoChanged.message.safeParse(data);
    if (r.success) show(r.data.info);
    else bridge.post({ type: "log", level: "warn", message: `dropped an invalid sessionInfo message: ${r.error.issues[0]?.message ?? "invalid"}` });
  });
  render();
  void bridge.request(GetSessionInfo).then((r) => show(r.info), () => show(null));
}
