// The part of @-mentions that is always there (the rest, the list, is main-mentions.js, loaded on the first
// "@": the chat bundle has a size budget). Context the host sends (Send Selection to Chat, the editor's
// context menu) becomes a mention: its "@label" goes into the text at the caret, its content into a chip.
import type { ContextSnippet } from "../shared/contract/views";
import type { Composer } from "./composer";
import { loadScript } from "./script-loader";
import type { HostBridge } from "./vscode-api";

/** What main-mentions.js defines: mention-popup.ts's mountMentions. */
export type MountMentions = (bridge: HostBridge, addContext: (c: ContextSnippet) => void, call: <T>(p: Promise<T>) => Promise<T | undefined>) => void;

export function mentionsOnDemand(bridge: HostBridge, composer: Composer, call: <T>(p: Promise<T>) => Promise<T | undefined>): void {
  const input = document.getElementById("input") as HTMLTextAreaElement;
  const add = composer.addContext.bind(composer);
  composer.addContext = (c) => {
    const before = input.value.slice(0, input.selectionStart ?? 0);
    composer.insertAtCursor(`${before && !/\s$/.test(before) ? " " : ""}@${c.label} `);
    add(c);
  };
  const load = () => {
    if (!/(^|\s)@\S*$/.test(input.value.slice(0, input.selectionStart ?? 0))) return;
    input.removeEventListener("input", load);
    loadScript("main-mentions", () => {
      (window as unknown as { krabkrabMentions: MountMentions }).krabkrabMentions(bridge, add, call);
      input.dispatchEvent(new Event("input")); // the "@" that was just typed opens the list
    });
  };
  input.addEventListener("input", load);
}
