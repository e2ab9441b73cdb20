// Loads the model picker and context meter (main-models.js, a script of its own: the chat bundle has a size
// budget) once the chat is mounted, from the same folder and with the same nonce as this bundle's script.
import type { ChatHandle, WindowWithModels } from "./chat-handle";

// This bundle's own <script>, read while it runs.
const me = document.currentScript as HTMLScriptElement | null;

export function loadModelPicker(chat: ChatHandle): void {
  if (!me?.src) return;
  const s = document.createElement("script");
  s.nonce = me.nonce;
  s.src = me.src.replace(/main-chat\.js(?=$|\?)/, "main-models.js");
  s.onload = () => (window as WindowWithModels).krabkrabModels?.(chat);
  document.head.append(s);
}
