// Entry of the chat side panel's webview: the chat, with what only the side panel has (agent questions,
// Review changes, Fork from here, @-mentions, the model picker; the dashboard's chat goes without them, and its bundle does
// not carry them).
import "@vscode/codicons/dist/codicon.css";
import "./chat.css";
import "./chat-extras.css";
import "./models.css";
import { mountChat } from "./chat-app";
import { mentionsOnDemand } from "./mention-loader";
import type { WindowWithModels } from "./chat-handle";
import { loadScript } from "./script-loader";
import { mountQuestions } from "./question-card";
import { forkRows } from "./message-actions";
import { reviewRows } from "./review-buttons";
import "./elements";
import { HostBridge } from "./vscode-api";

const bridge = new HostBridge();
const root = document.getElementById("app")!;
mountChat(root, bridge, "chat", mountQuestions, (call, composer) => {
  mentionsOnDemand(bridge, composer, call);
  // The model picker and context meter: a script of their own (main-models.ts), loaded once the chat is mounted.
  loadScript("main-models", () => (window as WindowWithModels).krabkrabModels?.({ bridge, root, call }));
  const review = reviewRows(bridge, call);
  const fork = forkRows(bridge, call, composer);
  return (el, item, parts) => {
    fork(el, item, parts);
    review(el, item, parts);
  };
});
bridge.post({ type: "ready", view: "chat", sessionKey: bridge.getState<{ sessionKey: string }>().sessionKey });
