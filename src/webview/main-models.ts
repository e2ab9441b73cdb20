// The chat side panel's model picker, context meter and Compact button (model-picker.ts) as a script of its
// own, which the side panel loads once its chat is mounted (main-chat.ts): it defines the function the chat
// bundle then calls with its bridge.
import type { WindowWithModels } from "./chat-handle";
import { mountModelPicker } from "./model-picker";

(window as WindowWithModels).krabkrabModels = mountModelPicker;
