// Entry of the chat side panel's webview.
import "@vscode/codicons/dist/codicon.css";
import "./chat.css";
import "./models.css";
import { mountChat } from "./chat-app";
import type { WindowWithChat } from "./chat-handle";
import { mountQuestions } from "./question-card";
import "./elements";
import { HostBridge } from "./vscode-api";

const bridge = new HostBridge();
const root = document.getElementById("app")!;
const chat = mountChat(root, bridge, "chat", mountQuestions);
bridge.post({ type: "ready", view: "chat", sessionKey: bridge.getState<{ sessionKey: string }>().sessionKey });

// The model picker and context meter are a script of their own (main-models.ts), loaded next to this one with
// the same nonce: its code and schemas stay out of this bundle's size budget.
const self = document.currentScript as HTMLScriptElement | null;
if (self?.src) {
  (window as WindowWithChat).krabkrabChat = { bridge, root, showError: (text) => chat.showError(text) };
  const s = document.createElement("script");
  s.nonce = self.nonce;
  s.src = self.src.replace(/main-chat\.js(?=$|\?)/, "main-models.js");
  document.head.append(s);
}
