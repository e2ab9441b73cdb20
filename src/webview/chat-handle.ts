// What the chat side panel's entry hands to the model picker's script (main-models.js, loaded by main-chat.ts through script-loader.ts): the
// one bridge to the host (acquireVsCodeApi may be called once per webview) and the mounted chat. Types only.
import type { HostBridge } from "./vscode-api";

export interface ChatHandle {
  bridge: HostBridge;
  /** The chat's root element (the header and the error bar are inside). */
  root: HTMLElement;
  /** Runs a request; shows its error in the chat's error bar and resolves undefined when it fails. */
  call: <T>(p: Promise<T>) => Promise<T | undefined>;
}

/** What main-models.js defines: model-picker.ts's mountModelPicker. */
export type MountModelPicker = (chat: ChatHandle) => void;
export type WindowWithModels = Window & { krabkrabModels?: MountModelPicker };
