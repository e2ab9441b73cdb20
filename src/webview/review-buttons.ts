// "Review changes" in the transcript: under each finished, successful file-tool card (the gateway's edit,
// write, apply_patch), and under a reply whose calls changed files more than once, one for the whole reply.
// The host builds the change set and opens VS Code's diff editor (src/extension/review/). Buttons are kept
// across renders (a streaming row is rendered every frame).
import type { ToolCard, TranscriptItem } from "../shared/contract/transcript";
import { ReviewChanges } from "../shared/contract/review";
import type { HostBridge } from "./vscode-api";

const FILE_TOOL = /^(edit|write|apply_patch)$/;

/** A finished call of a file tool that changed something (`details.changed: false` did not). */
export function changedFiles(t: ToolCard): boolean {
  const details = (t.result as { details?: { changed?: unknown } } | undefined)?.details;
  return FILE_TOOL.test(t.name) && t.phase === "result" && !t.isError && details?.changed !== false;
}

export function reviewRows(bridge: HostBridge, call: <T>(p: Promise<T>) => Promise<T | undefined>) {
  const button = (el: HTMLElement, key: string, label: string, aria: string, params: { toolCallId?: string; runId?: string }): HTMLElement => {
    let bar = el.querySelector<HTMLElement>(`:scope > .review-bar[data-key="${CSS.escape(key)}"]`);
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "review-bar";
      bar.dataset.key = key;
      const b = document.createElement("vscode-button");
      b.setAttribute("secondary", "");
      b.className = "review-btn";
      b.setAttribute("aria-label", aria);
      b.title = aria;
      const icon = document.createElement("span");
      icon.className = "codicon codicon-diff";
      b.append(icon, ` ${label}`);
      b.addEventListener("click", () => void call(bridge.request(ReviewChanges, params)));
      bar.append(b);
    }
    return bar;
  };
  return (el: HTMLElement, item: TranscriptItem, parts: Node[]) => {
    const changed = (item.tools ?? []).filter(changedFiles);
    if (!changed.length) return;
    for (const t of changed) {
      const card = parts.findIndex((p) => p instanceof HTMLElement && p.dataset.toolCallId === t.toolCallId);
      if (card >= 0) parts.splice(card + 1, 0, button(el, `t:${t.toolCallId}`, "Review changes", `Review the changes of ${t.name} in the diff editor`, { toolCallId: t.toolCallId }));
    }
    if (changed.length > 1 && item.runId) {
      const last = parts.findLastIndex((p) => p instanceof HTMLElement && p.classList.contains("review-bar"));
      parts.splice(last + 1, 0, button(el, `r:${item.runId}`, `Review all ${changed.length} changes`, "Review every file this reply changed", { runId: item.runId }));
    }
  };
}
