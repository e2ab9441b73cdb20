// The host end of one webview's message channel: validates every incoming message against the contract
// (invalid ones are dropped and logged), holds state posts until the webview said `ready`, validates
// outgoing messages too, and answers every numbered request exactly once, with the handler registered for
// that request's declaration (typed by it: a handler must return the declared result). Only `vscode` types
// are used, so the unit tests drive it with a fake webview.
import type * as vscode from "vscode";
import { GatewayIssueError, redactor, type Logger } from "../../gateway";
import { HostOutgoingSchema, parseMessage, WebviewMessageSchema, type AnyRequestType, type HostOutgoing, type ParamsOf, type Ready, type ResultOf, type WebviewMessage, type WebviewRequest } from "../../shared/contract";

/** What a webview last reported drawing, and how many times it reported. */
export type RenderedReport = Extract<WebviewMessage, { type: "rendered" }> & { count: number };
/** What the webviews last reported drawing, for the integration tests (the activation API's `testing`, only in a test run). */
export const renderedReports = new Map<string, RenderedReport>();

/** Answers one request: resolves to its declared result, or throws with text for the user. */
export type RequestHandler<T extends AnyRequestType> = (params: ParamsOf<T>) => ResultOf<T> | Promise<ResultOf<T>>;
type ReadyListener = (msg: ParamsOf<typeof Ready>) => Promise<void> | void;
/** User intents posted before the webview is ready are delivered after `ready`; state is re-sent anyway. */
const QUEUE_UNTIL_READY = new Set<HostOutgoing["type"]>(["addContext", "insertText", "focusComposer"]);

export class WebviewChannel implements vscode.Disposable {
  private ready = false;
  private readonly queued: HostOutgoing[] = [];
  private readonly sub: vscode.Disposable;
  private readonly handlers = new Map<string, (params: object) => unknown>();
  private readonly readyListeners: ReadyListener[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    private readonly log: Logger,
    private readonly name: string,
  ) {
    this.sub = webview.onDidReceiveMessage((m) => void this.receive(m));
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Registers the one handler of a request on this channel (the chat's and the dashboard's share the dashboard's). */
  handle<T extends AnyRequestType>(type: T, handler: RequestHandler<T>): void {
    if (this.handlers.has(type.method)) throw new Error(`${this.name}: “${type.method}” already has a handler`);
    this.handlers.set(type.method, handler as (params: object) => unknown);
  }

  /** Called, in the order registered, each time the webview (re)loads and says `ready`. */
  onReady(listener: ReadyListener): void {
    this.readyListeners.push(listener);
  }

  post(msg: HostOutgoing): void {
    // A response always goes out: the webview that asked is listening, ready or not.
    if (!this.ready && msg.type !== "response") {
      if (QUEUE_UNTIL_READY.has(msg.type)) this.queued.push(msg);
      return;
    }
    // A bug on this side should show in the log, not render garbage (or a hole) in the webview.
    const checked = HostOutgoingSchema.safeParse(msg);
    if (!checked.success) {
      this.log.error(`${this.name}: refusing to post an invalid ${msg.type} message: ${checked.error.issues[0]?.message ?? "invalid"}`);
      return;
    }
    void this.webview.postMessage(checked.data);
  }

  /** Runs a request's handler as if the webview had sent it (for the activation API's test-only `testing`). */
  invoke(msg: WebviewRequest): Promise<unknown> {
    const { type, requestId: _, ...params } = msg;
    const handler = this.handlers.get(type);
    if (!handler) return Promise.reject(new Error(`“${type}” is not available in this view.`));
    return Promise.resolve().then(() => handler(params));
  }

  private async receive(raw: unknown) {
    const parsed = parseMessage(WebviewMessageSchema, raw);
    if (!parsed.ok) {
      this.log.warn(`${this.name}: dropped an invalid message from the webview (${parsed.reason})`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case "ready": {
        this.ready = true;
        const { type: _, ...params } = msg;
        for (const l of this.readyListeners) await l(params);
        for (const q of this.queued.splice(0)) this.post(q);
        return;
      }
      case "log":
        this.log[msg.level](`${this.name} webview: ${redactor.redact(msg.message)}`);
        return;
      case "rendered":
        renderedReports.set(msg.view, { ...msg, count: (renderedReports.get(msg.view)?.count ?? 0) + 1 });
        return;
      default:
        await this.answer(msg);
    }
  }

  private async answer(msg: WebviewRequest) {
    try {
      const result = await this.invoke(msg);
      this.post({ type: "response", requestId: msg.requestId, ok: true, result });
    } catch (err) {
      const message = err instanceof GatewayIssueError ? `${err.issue.message} ${err.issue.nextStep}` : redactor.redact(err instanceof Error ? err.message : String(err));
      this.log.warn(`${this.name}: ${msg.type} failed: ${message}`);
      this.post({ type: "response", requestId: msg.requestId, ok: false, error: message });
    }
  }

  dispose(): void {
    this.sub.dispose();
  }
}
