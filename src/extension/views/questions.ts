// Agent questions (the gateway's ask_user tool): a run that asks the operator waits until answered, so every
// pending question must reach the user. This keeps the pending set per window — from `question.requested`
// events and, because events sent before this window connected (or while it was reconnecting) are lost,
// from a `question.list` backfill on every hello — deduped by question id. The chat view shows the ones of
// its session inline; when no chat is visible, a notification offers "Answer…" (quick pick / input box).
import * as vscode from "vscode";
import { acceptsFreeText, type Logger, type OperatorClient, type QuestionRecord, type QuestionResolved } from "../../gateway";
import { escapeNotificationText } from "../common/approval-text";
import type { QuestionView } from "../../shared/contract";
import type { ConnectionManager } from "../connection/connection-manager";
import { describeError } from "./error-ui";

export const ANSWER = "Answer…";
export const SKIP = "Skip";
const TYPE_ANSWER = "Type an answer…";

export interface QuestionState {
  record: QuestionRecord;
  status: "pending" | "answered" | "cancelled" | "expired";
  answers?: Record<string, string[]>;
}

/** One line naming what is asked (for notifications and pickers; escaped by the caller that shows it). */
export function questionTitle(r: QuestionRecord): string {
  const first = r.questions[0];
  const more = r.questions.length > 1 ? ` (+${r.questions.length - 1} more)` : "";
  return first ? `${first.header ? `${first.header}: ` : ""}${first.question}${more}` : "(no question text)";
}

/** What the chat webview renders for one request (the shared contract's shape). */
export function questionView(s: QuestionState): QuestionView {
  return {
    id: s.record.id,
    runId: s.record.runId,
    status: s.status,
    items: s.record.questions.slice(0, 10).map((q) => ({
      questionId: q.questionId,
      header: q.header?.slice(0, 500),
      question: q.question.slice(0, 20_000),
      options: (q.options ?? []).slice(0, 50).map((o) => ({ label: o.label.slice(0, 2000), description: o.description?.slice(0, 4000) })),
      multiSelect: q.multiSelect === true,
      freeText: acceptsFreeText(q),
      secret: q.isSecret === true,
    })),
    // A secret answer is never sent back to the webview.
    answers: s.answers && !s.record.questions.some((q) => q.isSecret) ? s.answers : undefined,
  };
}

/** "main" in a request is "agent:main:main" in events (see docs/gateway protocol notes). */
export function sameSession(shown: string, recordKey: string | undefined): boolean {
  if (!recordKey) return false;
  const canonical = shown.startsWith("agent:") ? shown : `agent:main:${shown}`;
  return recordKey === canonical || recordKey === shown;
}

export class AgentQuestions implements vscode.Disposable {
  /** One per gateway, for the chat controllers (each finds its gateway's) and "Answer…" by id. */
  private static readonly all = new Map<ConnectionManager, AgentQuestions>();

  static of(connections: ConnectionManager): AgentQuestions | undefined {
    return AgentQuestions.all.get(connections);
  }

  /** The instance holding a question (any gateway), or undefined. */
  static holding(id: string): AgentQuestions | undefined {
    return [...AgentQuestions.all.values()].find((q) => q.states.has(id));
  }

  /** Every gateway's pending questions. */
  static allPending(): { questions: AgentQuestions; state: QuestionState }[] {
    return [...AgentQuestions.all.values()].flatMap((questions) => questions.pending().map((state) => ({ questions, state })));
  }

  private readonly states = new Map<string, QuestionState>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly sub: vscode.Disposable;
  private client: OperatorClient | null = null;
  /** Question ids a notification was shown for (tests read it). */
  readonly notified: string[] = [];
  /** Whether a chat view showing this question's session is on screen (then no notification is needed). */
  chatVisible: (sessionKey: string | undefined) => boolean = () => false;

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: Logger,
    /** Whether several gateways are live: then a notification names the gateway that asks. */
    private readonly several: () => boolean = () => false,
  ) {
    this.sub = connections.followClients((client) => this.attach(client));
    AgentQuestions.all.set(connections, this);
  }

  private attach(client: OperatorClient): () => void {
    this.client = client;
    const onRequested = (r: QuestionRecord) => this.add(r, "event");
    const onResolved = (r: QuestionResolved) => this.settle(r);
    // Every hello (first connect and each reconnect) backfills: events sent while we were away are gone.
    const onHello = () => void this.backfill(client);
    client.on("questionRequested", onRequested);
    client.on("questionResolved", onResolved);
    client.on("hello", onHello);
    if (client.state.status === "connected") void this.backfill(client);
    return () => {
      client.off("questionRequested", onRequested);
      client.off("questionResolved", onResolved);
      client.off("hello", onHello);
      if (this.client === client) this.client = null;
    };
  }

  /** Whether the gateway offers questions at all (hello-ok.features.methods). */
  supported(client = this.client): boolean {
    const m = client?.hello?.methods ?? [];
    return m.includes("question.list") && m.includes("question.resolve");
  }

  private async backfill(client: OperatorClient) {
    if (!this.supported(client) || !client.hasScopes("operator.questions")) return;
    try {
      const pending = await client.questionList();
      const ids = new Set(pending.map((r) => r.id));
      // Pending here but not on the gateway any more: resolved while we were away.
      for (const [id, s] of this.states) if (s.status === "pending" && !ids.has(id)) this.states.set(id, { ...s, status: "expired" });
      for (const r of pending) this.add(r, "backfill");
      this.changed.fire();
    } catch (err) {
      this.log.warn(`question.list failed: ${describeError(err).message}`);
    }
  }

  private add(r: QuestionRecord, via: "event" | "backfill") {
    if (this.states.has(r.id) || (r.status && r.status !== "pending")) return;
    this.states.set(r.id, { record: r, status: "pending" });
    if (this.states.size > 200) this.states.delete(this.states.keys().next().value!);
    this.log.info(`agent question ${r.id} (${via}): ${questionTitle(r).slice(0, 300)}`);
    this.changed.fire();
    if (!this.chatVisible(r.sessionKey)) void this.notify(r);
  }

  private settle(r: QuestionResolved) {
    const s = this.states.get(r.id);
    if (!s) return;
    const status = r.status === "answered" || r.status === "cancelled" ? r.status : "expired";
    this.states.set(r.id, { ...s, status, answers: r.answers?.answers });
    this.changed.fire();
  }

  /** Questions (pending and recently settled) of one session, oldest first; all sessions without a key. */
  list(sessionKey?: string): QuestionState[] {
    const all = [...this.states.values()];
    return sessionKey ? all.filter((s) => sameSession(sessionKey, s.record.sessionKey)) : all;
  }

  pending(): QuestionState[] {
    return [...this.states.values()].filter((s) => s.status === "pending");
  }

  private async notify(r: QuestionRecord) {
    this.notified.push(r.id);
    const from = this.several() ? ` (${this.connections.name})` : "";
    const pick = await vscode.window.showInformationMessage(escapeNotificationText(`KrabKrab${from}: the agent asks — ${questionTitle(r)}`, 400), ANSWER, SKIP);
    if (this.states.get(r.id)?.status !== "pending") return; // answered elsewhere meanwhile
    if (pick === ANSWER) await this.answerInteractively(r.id);
    else if (pick === SKIP) await this.resolve(r.id, { cancel: true });
  }

  /**
   * Asks each question of a pending request with a quick pick (its options, plus "Type an answer…" where free
   * text is accepted) or an input box, then sends the answers. Without an id, picks the pending request first.
   */
  async answerInteractively(id?: string): Promise<boolean> {
    if (id && !this.states.has(id)) {
      const holder = AgentQuestions.holding(id);
      if (holder) return holder.answerInteractively(id);
    }
    let target = id ? this.states.get(id) : undefined;
    if (!id) {
      // Every gateway's pending questions, each named by its gateway when several are live.
      const open = AgentQuestions.allPending();
      if (open.length === 0) {
        void vscode.window.showInformationMessage("KrabKrab: no agent question is waiting for an answer.");
        return false;
      }
      const chosen = open.length === 1 ? open[0] : (await vscode.window.showQuickPick(open.map((o) => ({ label: questionTitle(o.state.record), description: this.several() ? o.questions.connections.name : undefined, o })), { title: "KrabKrab: answer an agent question" }))?.o;
      if (chosen && chosen.questions !== this) return chosen.questions.answerInteractively(chosen.state.record.id);
      target = chosen?.state;
    }
    if (!target || target.status !== "pending") return false;
    const values: Record<string, string[]> = {};
    for (const q of target.record.questions) {
      const title = escapeNotificationText(`${q.header ? `${q.header}: ` : ""}${q.question}`, 300);
      const options = (q.options ?? []).map((o) => ({ label: o.label, description: o.description }));
      let answer: string[] | undefined;
      if (options.length) {
        const items = acceptsFreeText(q) ? [...options, { label: TYPE_ANSWER, description: "your own answer" }] : options;
        const picked = q.multiSelect
          ? await vscode.window.showQuickPick(items, { title, canPickMany: true, ignoreFocusOut: true })
          : await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }).then((p) => (p ? [p] : undefined));
        if (!picked) return false;
        answer = picked.filter((p) => p.label !== TYPE_ANSWER).map((p) => p.label);
        if (picked.some((p) => p.label === TYPE_ANSWER)) {
          const typed = await vscode.window.showInputBox({ title, prompt: "Your answer", ignoreFocusOut: true, password: q.isSecret === true });
          if (!typed?.trim()) return false;
          answer.push(typed);
        }
      } else {
        const typed = await vscode.window.showInputBox({ title, prompt: "Your answer", ignoreFocusOut: true, password: q.isSecret === true });
        if (!typed?.trim()) return false;
        answer = [typed];
      }
      values[q.questionId] = answer;
    }
    return this.resolve(target.record.id, { values });
  }

  /** Sends an answer (or a skip); errors are shown, escaped (the gateway's text may carry markdown links). */
  async resolve(id: string, answer: { values: Record<string, string[]> } | { cancel: true }): Promise<boolean> {
    const client = this.client;
    if (!client) {
      void vscode.window.showErrorMessage("KrabKrab: not connected; connect again to answer the agent's question.");
      return false;
    }
    try {
      await client.questionResolve(id, answer);
      const s = this.states.get(id);
      if (s) this.states.set(id, { ...s, status: "cancel" in answer ? "cancelled" : "answered", answers: "values" in answer ? answer.values : undefined });
      this.changed.fire();
      return true;
    } catch (err) {
      void vscode.window.showErrorMessage(escapeNotificationText(`KrabKrab: could not send your answer: ${describeError(err).message}`, 600));
      return false;
    }
  }

  dispose(): void {
    if (AgentQuestions.all.get(this.connections) === this) AgentQuestions.all.delete(this.connections);
    this.sub.dispose();
    this.changed.dispose();
  }
}
