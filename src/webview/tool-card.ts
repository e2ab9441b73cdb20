// A tool call as a collapsible card: name and state in the header; arguments, result and error inside.
// Everything model- or tool-controlled goes in as text (textContent / a lit-rendered attribute), never HTML.
import type { ToolCard } from "../shared/contract/transcript";

const MAX_SHOWN = 20_000;

function pretty(v: unknown): string {
  if (v === undefined) return "";
  let s: string;
  if (typeof v === "string") s = v;
  else {
    try {
      s = JSON.stringify(v, null, 2) ?? "";
    } catch {
      s = "(a value that cannot be shown as JSON)"; // a cycle or a BigInt: never "[object Object]"
    }
  }
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}\n… (${s.length - MAX_SHOWN} more characters)` : s;
}

function section(label: string, text: string, cls: string): HTMLElement {
  const box = document.createElement("div");
  box.className = `tool-section ${cls}`;
  const h = document.createElement("div");
  h.className = "tool-label";
  h.textContent = label;
  const pre = document.createElement("pre");
  pre.textContent = text;
  box.append(h, pre);
  return box;
}

/** A `<vscode-collapsible>`: what the chat reads back of it is whether the user opened it. */
export type ToolCardElement = HTMLElement & { heading: string; description: string; open: boolean };

export function renderToolCard(card: ToolCard): ToolCardElement {
  const el = document.createElement("vscode-collapsible") as ToolCardElement;
  const state = card.isError ? "error" : card.phase === "result" ? "done" : "running";
  el.className = `tool-card ${state}`;
  el.dataset.toolCallId = card.toolCallId;
  el.heading = card.name;
  el.description = state === "error" ? "failed" : state === "done" ? "done" : "running…";
  // Errors open by default: the user needs to see them.
  el.open = state === "error";
  const body = document.createElement("div");
  body.className = "tool-body";
  const args = pretty(card.args);
  if (args) body.append(section("Arguments", args, "args"));
  const result = pretty(card.result);
  if (result) body.append(section(card.isError ? "Error" : "Result", result, card.isError ? "error" : "result"));
  if (!args && !result) body.textContent = "No details yet.";
  el.append(body);
  return el;
}
