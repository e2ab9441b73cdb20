// The host end of one webview's message channel: validates every incoming message against the contract
// (invalid ones are dropped and logged), holds state posts until the webview said `ready`, validates
// outgoing messages too, and answers every numbered request exactly once. Only `vscode` types are used, so
// the unit tests drive it with a fake webview.
import type * as vscode from "vscode";
import { GatewayIssueError, redactor, type Logger } from "../gateway";
import { HostMessageSchema, parseMessage, WebviewMessageSchema, type HostMessage, type WebviewMessage } from "../shared/contract";

/** What a webview last reported drawing, and how many times it reported. */
export type RenderedReport = Extract<WebviewMessage, { type: "rendered" }> & { count: number };
/** What the webviews last reported drawing, for the integration tests (the activation API's `testing`, only in a test run). */
export const renderedReports = new Map<string, RenderedReport>();

type Handler = (msg: WebviewMessage) => Promise<unknown> | unknown;
/** User intents posted before the webview is ready are delivered after `ready`; state is re-sent anyway. */
const QUEUE_UNTIL_READY = new Set<HostMessage["type"]>(["addContext", "insertText", "focusComposer"]);

export class WebviewChannel implements vscode.Disposable {
  private ready = false;
  private readonly queued: HostMessage[] = [];
  private readonly sub: vscode.Disposable;
  private readonly handlers: Handler[] = [];

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

  /** Handlers are asked in order; the first that returns something other than `undefined` answers. */
  onMessage(h: Handler): void {
    this.handlers.push(h);
  }

  post(msg: HostMessage): void {
    // A response always goes out: the webview that asked is listening, ready or not.
    if (!this.ready && msg.type !== "response") {
      if (QUEUE_UNTIL_READY.has(msg.type)) this.queued.push(msg);
      return;
    }
    // A bug on this side should show in the log, not render garbage (or a hole) in the webview.
    const checked = HostMessageSchema.safeParse(msg);
    if (!checked.success) {
      this.log.error(`${this.name}: refusing to post an invalid ${msg.type} message: ${checked.error.issues[0]?.message ?? "invalid"}`);
      return;
    }
    void this.webview.postMessage(checked.data);
  }

  private async receive(raw: unknown) {
    const parsed = parseMessage(WebviewMessageSchema, raw);
    if (!parsed.ok) {
      this.log.warn(`${this.name}: dropped an invalid message from the webview (${parsed.reason})`);
      return;
    }
    const msg = parsed.value;
    if (msg.type === "ready") {
      this.ready = true;
    } else if (msg.type === "log") {
      this.log[msg.level](`${this.name} webview: ${redactor.redact(msg.message)}`);
      return;
    } else if (msg.type === "rendered") {
      renderedReports.set(msg.view, { ...msg, count: (renderedReports.get(msg.view)?.count ?? 0) + 1 });
      return;
    }
    if ("requestId" in msg) {
      await this.answer(msg.requestId, msg);
      return;
    }
    for (const h of this.handlers) await h(msg);
    if (msg.type === "ready") for (const q of this.queued.splice(0)) this.post(q);
  }

  private async answer(requestId: number, msg: WebviewMessage) {
    try {
      for (const h of this.handlers) {
        const result = await h(msg);
        if (result !== undefined) {
          this.post({ type: "response", requestId, ok: true, result });
          return;
        }
      }
      throw new Error(`“${msg.type}” is not available in this view.`);
    } catch (err) {
      const message = err instanceof GatewayIssueError ? `${err.issue.message} ${err.issue.nextStep}` : redactor.redact(err instanceof Error ? err.message : String(err));
      this.log.warn(`${this.name}: ${msg.type} failed: ${message}`);
      this.post({ type: "response", requestId, ok: false, error: message });
    }
  }

  dispose(): void {
    this.sub.dispose();
  }
}
