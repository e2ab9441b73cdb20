// Entry of the chat side panel's webview: the chat, with what only the side panel has (agent questions,
// Review changes, @-mentions, the model picker; the dashboard's chat goes without them, and its bundle does
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
import { reviewRows } from "./review-buttons";
import "./elements";
import { HostBridge } from "./vscode-api";

const bridge = new HostBridge();
const root = document.getElementById("app")!;
mountChat(root, bridge, "chat", mountQuestions, (call, composer) => {
  mentionsOnDemand(bridge, composer, call);
  // The model picker and context meter: a script of their own (main-models.ts), loaded once the chat is mounted.
  loadScript("main-models", () => (window as WindowWithModels).krabkrabModels?.({ bridge, root, call }));
  return reviewRows(bridge, call);
});
bridge.post({ type: "ready", view: "chat", sessionKey: bridge.getState<{ sessionKey: string }>().sessionKey });
