// The main bundle's end of the chat tools (lazy-chat-tools.ts): the first click on the session button, or a
// "/" typed at the start of a message, loads the script that holds the session picker and the slash-command
// menu and mounts both. "New" stays here: it is one request, and must work before anything was loaded.
import { NewSession } from "../shared/contract/requests";
import { lazy } from "./lazy";
import type { ChatToolsDeps, MountedChatTools } from "./lazy-chat-tools";

export function hookChatTools(d: ChatToolsDeps): void {
  const $ = (id: string) => d.root.querySelector<HTMLElement>(`#${id}`)!;
  let tools: Promise<MountedChatTools | undefined> | undefined;
  const load = () => {
    tools ??= d.call(lazy("chat-tools")).then((t) => {
      if (!t) tools = undefined; // not loaded (the error is shown): the next try loads again
      return t?.mount(d);
    });
    return tools;
  };
  $("session-btn").addEventListener("click", () => void load().then((m) => m?.toggleSessions()));
  d.input.addEventListener("input", () => {
    if (d.input.value[0] === "/") void load();
  });
  $("new-session").addEventListener("click", () => {
    $("session-picker").hidden = true;
    void d.call(d.bridge.request(NewSession)).then(() => d.focusComposer());
  });
}
