// Entry of the lazily loaded chat-tools script (dist/webview/lazy-chat-tools.js, see lazy.ts): the session
// picker with rename / fork / delete, and the composer's slash-command menu. The main bundle's
// chat-tools-hook.ts loads it on first need and calls mount().
import type { HostBridge } from "./vscode-api";
import { mountSessionPicker } from "./session-picker";
import { mountSlashMenu } from "./slash-menu";

export interface ChatToolsDeps {
  root: HTMLElement;
  bridge: HostBridge;
  /** Runs a request; shows its error and resolves undefined when it fails. */
  call: <T>(p: Promise<T>) => Promise<T | undefined>;
  currentKey: () => string | undefined;
  focusComposer: () => void;
  input: HTMLTextAreaElement;
}

export interface MountedChatTools {
  toggleSessions(): void;
}

export interface ChatTools {
  mount(d: ChatToolsDeps): MountedChatTools;
}

const tools: ChatTools = {
  mount(d) {
    const picker = mountSessionPicker(d);
    mountSlashMenu(d);
    return { toggleSessions: () => picker.toggle() };
  },
};
(window.krabkrabLazy ??= {})["chat-tools"] = tools;
