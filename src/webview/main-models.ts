// Entry of the chat side panel's second script: the model picker, context meter and Compact button. The chat
// entry (main-chat.ts) loads it after mounting the chat and hands over its bridge (ChatHandle).
import type { WindowWithChat } from "./chat-handle";
import { mountModelPicker } from "./model-picker";

const chat = (window as WindowWithChat).krabkrabChat;
if (chat) mountModelPicker(chat);
