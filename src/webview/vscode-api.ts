// The webview side of the contract: validates what the host posts (invalid messages are dropped and
// reported), numbers our requests, matches each response to its request and checks its result against the
// request's declared result schema (a result that does not fit rejects the request with InvalidResultError).
import { HostMessageSchema, type HostNotification } from "../shared/contract/notifications";
import { InvalidResultError, parseMessage, type AnyRequestType, type ParamsArg, type ResultOf } from "../shared/contract/protocol";
import type { WebviewNotification } from "../shared/contract/webview-messages";

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface Pending {
  type: AnyRequestType;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class HostBridge {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((msg: HostNotification) => void)[] = [];
  /**
   * Host messages of a lazily loaded feature, by type, handed over as they came: its script checks them with
   * its own schemas, which stay out of this bundle (see shared/contract/session-settings.ts).
   */
  readonly extra = new Map<string, (data: unknown) => void>();

  constructor() {
    window.addEventListener("message", (ev: MessageEvent) => {
      const extra = this.extra.get((ev.data as { type?: string } | null)?.type as string);
      if (extra) return extra(ev.data);
      const parsed = parseMessage(HostMessageSchema, ev.data);
      if (!parsed.ok) {
        this.log("warn", `dropped invalid host message: ${parsed.reason}`);
        return;
      }
      const msg = parsed.value;
      if (msg.type === "response") {
        const p = this.pending.get(msg.requestId);
        this.pending.delete(msg.requestId);
        if (!p) return;
        if (!msg.ok) return p.reject(new Error(msg.error ?? "failed"));
        const result = parseMessage(p.type.result, msg.result);
        if (result.ok) return p.resolve(result.value);
        const err = new InvalidResultError(p.type.method, result.reason);
        this.log("warn", err.message);
        p.reject(err);
        return;
      }
      for (const l of this.listeners) {
        try {
          l(msg);
        } catch (err) {
          this.log("error", `webview handler failed for ${msg.type}: ${String(err)}`);
        }
      }
    });
  }

  on(listener: (msg: HostNotification) => void): void {
    this.listeners.push(listener);
  }

  post(msg: WebviewNotification): void {
    this.api.postMessage(msg);
  }

  private log(level: "warn" | "error", message: string) {
    this.post({ type: "log", level, message: message.slice(0, 4000) });
  }

  /** Asks the host; resolves to the request's declared result, rejects with the host's error text. */
  request<T extends AnyRequestType>(type: T, ...[params]: ParamsArg<T>): Promise<ResultOf<T>> {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { type, resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage({ type: type.method, ...params, requestId });
    });
  }

  /** Webview state that survives hide/restore (and, for the dashboard panel, a window reload). */
  getState<T extends object>(): Partial<T> {
    const s = this.api.getState();
    return s && typeof s === "object" ? (s) : {};
  }
  patchState(patch: Record<string, unknown>): void {
    this.api.setState({ ...this.getState<Record<string, unknown>>(), ...patch });
  }
}
