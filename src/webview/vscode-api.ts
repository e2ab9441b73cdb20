// The webview side of the contract: validates what the host posts (invalid messages are dropped and
// reported), numbers our requests and matches each response to its request.
import { HostMessageSchema, parseMessage, type HostMessage, type WebviewMessage, type WebviewRequest } from "../shared/contract";

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<WebviewRequest, "requestId">;

export class HostBridge {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((msg: HostMessage) => void)[] = [];

  constructor() {
    window.addEventListener("message", (ev: MessageEvent) => {
      const parsed = parseMessage(HostMessageSchema, ev.data);
      if (!parsed.ok) {
        this.post({ type: "log", level: "warn", message: `dropped invalid host message: ${parsed.reason}`.slice(0, 4000) });
        return;
      }
      const msg = parsed.value;
      if (msg.type === "response") {
        const p = this.pending.get(msg.requestId);
        this.pending.delete(msg.requestId);
        if (p) (msg.ok ? p.resolve(msg.result) : p.reject(new Error(msg.error ?? "failed")));
        return;
      }
      for (const l of this.listeners) {
        try {
          l(msg);
        } catch (err) {
          this.post({ type: "log", level: "error", message: `webview handler failed for ${msg.type}: ${String(err)}`.slice(0, 4000) });
        }
      }
    });
  }

  on(listener: (msg: HostMessage) => void): void {
    this.listeners.push(listener);
  }

  post(msg: WebviewMessage): void {
    this.api.postMessage(msg);
  }

  request<T = unknown>(msg: RequestBody): Promise<T> {
    const requestId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ ...msg, requestId } as WebviewRequest);
    });
  }

  /** Webview state that survives hide/restore (and, for the dashboard panel, a window reload). */
  getState<T extends object>(): Partial<T> {
    const s = this.api.getState();
    return s && typeof s === "object" ? (s as Partial<T>) : {};
  }
  patchState(patch: Record<string, unknown>): void {
    this.api.setState({ ...this.getState<Record<string, unknown>>(), ...patch });
  }
}
