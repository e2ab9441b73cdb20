// Entry of the chat side panel's webview.
import "@vscode/codicons/dist/codicon.css";
import "./chat.css";
import { mountChat } from "./chat-app";
import { mountQuestions } from "./question-card";
import "./elements";
import { HostBridge } from "./vscode-api";

const bridge = new HostBridge();
mountChat(document.getElementById("app")!, bridge, "chat", mountQuestions);
bridge.post({ type: "ready", view: "chat", sessionKey: bridge.getState<{ sessionKey: string }>().sessionKey });
