// What the chat side panel's entry hands to the scripts it loads after itself (main-models.ts): the one
// bridge to the host (acquireVsCodeApi may be called once per webview) and the mounted chat. Types only.
import type { HostBridge } from "./vscode-api";

export interface ChatHandle {
  bridge: HostBridge;
  /** The chat's root element (the header, the error bar and the composer are inside). */
  root: HTMLElement;
  /** Shows a message in the chat's error bar (null hides it). */
  showError(text: string | null): void;
}

export type WindowWithChat = Window & { krabkrabChat?: ChatHandle };
