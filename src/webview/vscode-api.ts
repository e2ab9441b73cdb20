// The webview side of the contract: validates what the host posts, numbers our requests and matches
// each response to its request.
import { HostMessageSchema, parseMessage, type HostMessage, type WebviewMessage } from "../shared/contract";

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Request = Extract<WebviewMessage, { requestId: number }>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export class HostBridge {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly onMessage: (msg: HostMessage) => void) {
    window.addEventListener("message", (ev: MessageEvent) => {
      const parsed = parseMessage(HostMessageSchema, ev.data);
      if (!parsed.ok) {
        this.post({ type: "log", level: "warn", message: `dropped invalid host message: ${parsed.reason}` });
        return;
      }
      const msg = parsed.value;
      if (msg.type === "response") {
        const p = this.pending.get(msg.requestId);
        this.pending.delete(msg.requestId);
        if (p) (msg.ok ? p.resolve(msg.result) : p.reject(new Error(msg.error ?? "failed")));
        return;
      }
      this.onMessage(msg);
    });
  }

  post(msg: WebviewMessage): void {
    this.api.postMessage(msg);
  }

  request(msg: DistributiveOmit<Request, "requestId">): Promise<unknown> {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.post({ ...msg, requestId } as Request);
    });
  }

  get state(): unknown {
    return this.api.getState();
  }
  set state(s: unknown) {
    this.api.setState(s);
  }
}
