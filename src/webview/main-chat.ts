// Entry of the chat side panel's webview: the chat, with what only the side panel has (agent questions,
// Review changes, @-mentions; the dashboard's chat goes without them, and its bundle does not carry them).
import "@vscode/codicons/dist/codicon.css";
import "./chat.css";
import "./chat-extras.css";
import { mountChat } from "./chat-app";
import { mentionsOnDemand } from "./mention-loader";
import { mountQuestions } from "./question-card";
import { reviewRows } from "./review-buttons";
import "./elements";
import { HostBridge } from "./vscode-api";

const bridge = new HostBridge();
mountChat(document.getElementById("app")!, bridge, "chat", mountQuestions, (call, composer) => (mentionsOnDemand(bridge, composer, call), reviewRows(bridge, call)));
bridge.post({ type: "ready", view: "chat", sessionKey: bridge.getState<{ sessionKey: string }>().sessionKey });
