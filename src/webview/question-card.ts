// Agent questions (ask_user) in the chat: one card per request of this session, after the transcript's last
// message, so a run that waits for the operator shows what it waits for. Native buttons, checkboxes and a text
// field: every action is reachable with Tab/Enter/Space, each has an aria-label. Rendering never touches the
// transcript list, so streaming goes on while a card is open. Text from the gateway is set as textContent.
import { AnswerQuestion, SkipQuestion } from "../shared/contract/requests";
import type { QuestionView } from "../shared/contract/views";
import type { HostBridge } from "./vscode-api";

type Call = <T>(p: Promise<T>) => Promise<T | undefined>;

export function mountQuestions(host: HTMLElement, bridge: HostBridge, call: Call): (questions: QuestionView[]) => void {
  host.classList.add("questions");
  host.setAttribute("role", "region");
  host.setAttribute("aria-label", "Agent questions");
  /** Drafts survive re-renders (a resolved event for another card re-renders them all). */
  const drafts = new Map<string, { picked: Map<string, Set<string>>; typed: Map<string, string> }>();

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function button(cls: string, text: string, aria: string, onClick: () => void): HTMLButtonElement {
    const b = el("button", cls, text);
    b.type = "button";
    b.setAttribute("aria-label", aria);
    b.addEventListener("click", onClick);
    return b;
  }

  function card(q: QuestionView): HTMLElement {
    const box = el("div", `question-card ${q.status}`);
    box.dataset.questionId = q.id;
    const draft = drafts.get(q.id) ?? { picked: new Map<string, Set<string>>(), typed: new Map<string, string>() };
    drafts.set(q.id, draft);
    const pending = q.status === "pending";
    // One single-choice question: picking an option is the answer. Otherwise choices are collected and sent.
    const direct = q.items.length === 1 && !q.items[0]!.multiSelect;
    const send = (answers: Record<string, string[]>) => void call(bridge.request(AnswerQuestion, { id: q.id, answers }));
    box.append(el("div", "question-title", pending ? "The agent asks" : q.status === "answered" ? "Answered" : q.status === "cancelled" ? "Skipped" : "No longer pending"));
    for (const item of q.items) {
      const section = el("div", "question-item");
      if (item.header) section.append(el("div", "question-header", item.header));
      const text = el("div", "question-text", item.question);
      text.id = `q-${q.id}-${item.questionId}`;
      section.append(text);
      const answered = q.answers?.[item.questionId];
      if (!pending) {
        if (answered) section.append(el("div", "question-answer", answered.join(", ")));
        box.append(section);
        continue;
      }
      const picked = draft.picked.get(item.questionId) ?? new Set<string>();
      draft.picked.set(item.questionId, picked);
      const opts = el("div", "question-options");
      opts.setAttribute("role", "group");
      opts.setAttribute("aria-labelledby", text.id);
      for (const o of item.options) {
        const b = button("question-option", o.label, `${direct ? "Answer" : "Choose"}: ${o.label}${o.description ? ` — ${o.description}` : ""}`, () => {
          if (direct) return send({ [item.questionId]: [o.label] });
          if (!picked.delete(o.label)) {
            if (!item.multiSelect) picked.clear();
            picked.add(o.label);
          }
          for (const other of opts.children) other.setAttribute("aria-pressed", String(picked.has(other.textContent ?? "")));
        });
        if (o.description) b.title = o.description;
        if (!direct) b.setAttribute("aria-pressed", String(picked.has(o.label)));
        opts.append(b);
      }
      section.append(opts);
      if (item.freeText) {
        const row = el("div", "question-free");
        const input = el("input", "question-input");
        input.type = item.secret ? "password" : "text";
        input.placeholder = item.options.length ? "Or type your own answer" : "Your answer";
        input.setAttribute("aria-label", `Your answer to: ${item.question}`);
        input.value = draft.typed.get(item.questionId) ?? "";
        input.addEventListener("input", () => draft.typed.set(item.questionId, input.value));
        row.append(input);
        if (direct) {
          const submit = () => input.value.trim() && send({ [item.questionId]: [input.value] });
          input.addEventListener("keydown", (e) => e.key === "Enter" && (e.preventDefault(), submit()));
          row.append(button("question-send", "Send", "Send this answer", submit));
        }
        section.append(row);
      }
      box.append(section);
    }
    if (pending) {
      const actions = el("div", "question-actions");
      if (!direct) {
        actions.append(
          button("question-send", "Send answers", "Send the answers", () => {
            const answers: Record<string, string[]> = {};
            for (const item of q.items) {
              const values = [...(draft.picked.get(item.questionId) ?? [])];
              const typed = draft.typed.get(item.questionId)?.trim();
              if (typed) values.push(typed);
              if (values.length) answers[item.questionId] = values;
            }
            send(answers);
          }),
        );
      }
      actions.append(button("question-skip", "Skip", "Skip this question (the agent continues without an answer)", () => void call(bridge.request(SkipQuestion, { id: q.id }))));
      box.append(actions);
    }
    return box;
  }

  return (questions) => {
    const focused = document.activeElement;
    const refocus = focused && host.contains(focused) ? { id: focused.closest<HTMLElement>(".question-card")?.dataset.questionId, label: focused.getAttribute("aria-label") } : null;
    for (const id of [...drafts.keys()]) if (!questions.some((q) => q.id === id && q.status === "pending")) drafts.delete(id);
    host.replaceChildren(...questions.map(card));
    host.hidden = questions.length === 0;
    // Keep the keyboard where it was across a re-render.
    if (refocus?.id) {
      const c = [...host.querySelectorAll<HTMLElement>(".question-card")].find((e) => e.dataset.questionId === refocus.id);
      const target = [...(c?.querySelectorAll<HTMLElement>("button, input") ?? [])].find((e) => e.getAttribute("aria-label") === refocus.label) ?? c?.querySelector<HTMLElement>("button, input");
      target?.focus();
    }
  };
}
