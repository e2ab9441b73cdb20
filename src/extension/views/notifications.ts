// Notifications with actions for what the gateway asks of its operator: a new device/node wants to pair,
// an agent wants to run a command (exec approval). Each request is shown once; resolved elsewhere (another
// operator, a timeout), its notification's answer is refused by the gateway and said so.
import * as vscode from "vscode";
import { describeExecApproval, type ExecApprovalDecision, type Logger, type OperatorClient, type PairRequest } from "../../gateway";
import { APPROVE_PAIRING, DECISION_LABELS, escapeNotificationText, execReview, OPEN_FULL_COMMAND, pairingNotice, pairingReview, pairingWho, type ExecReview } from "../common/approval-text";
import type { ConnectionManager } from "../connection/connection-manager";
import { describeError } from "./error-ui";
import type { JsonDocuments } from "../commands/json-documents";

type Rec = Record<string, unknown>;

export const REVIEW = "Review…";

/**
 * Asks before a pairing is approved, in a modal that shows the requested role and scopes (a notification's
 * own text is one line and easy to click past). Every Approve — notification, command, dashboard — comes here.
 */
export async function confirmPairingApproval(kind: "node" | "device", r: PairRequest, where: (detail: string) => string = (d) => d): Promise<boolean> {
  const review = pairingReview(kind, r);
  const pick = await vscode.window.showWarningMessage(review.message, { modal: true, detail: where(review.detail) }, ...review.buttons);
  return pick === APPROVE_PAIRING;
}

export class GatewayNotifications implements vscode.Disposable {
  private readonly seen = new Set<string>();
  private readonly sub: vscode.Disposable;
  /** Requests shown (tests read it). */
  readonly shown: { kind: string; id: string }[] = [];

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: Logger,
    private readonly docs: JsonDocuments,
    /** Whether several gateways are live: then every notice and review names the gateway it comes from. */
    private readonly several: () => boolean = () => false,
  ) {
    this.sub = connections.followClients((client) => this.attach(client));
  }

  /** "KrabKrab: …" as "KrabKrab (vps): …" while several gateways are live. */
  private tag(text: string): string {
    return this.several() ? text.replace(/^KrabKrab:/, `KrabKrab (${escapeNotificationText(this.connections.name, 100)}):`) : text;
  }

  /** A review's detail, headed by the gateway it comes from while several are live: the approver sees where it runs. */
  private where(detail: string): string {
    return this.several() ? `Gateway: ${this.connections.name}${this.connections.targetLabel ? ` (${this.connections.targetLabel})` : ""}\n${detail}` : detail;
  }

  private attach(client: OperatorClient): () => void {
    const onPair = (e: { kind: "node" | "device"; request: PairRequest }) => void this.pairRequested(client, e.kind, e.request);
    const onExec = (p: Rec & { id: string }) => void this.execRequested(client, p);
    // Requests raised before this window connected, or while it was reconnecting, sent their event to no
    // one here: every hello re-reads the pending ones (`once` drops those already shown).
    const onHello = () => void this.backfillExec(client);
    client.on("pairRequested", onPair);
    client.on("execApprovalRequested", onExec);
    client.on("hello", onHello);
    if (client.state.status === "connected") void this.backfillExec(client);
    return () => {
      client.off("pairRequested", onPair);
      client.off("execApprovalRequested", onExec);
      client.off("hello", onHello);
    };
  }

  private async backfillExec(client: OperatorClient) {
    if (!client.hello?.methods.includes("exec.approval.list") || !client.hasScopes("operator.approvals")) return;
    try {
      for (const p of await client.execApprovalList()) void this.execRequested(client, p);
    } catch (err) {
      this.log.warn(`exec.approval.list failed: ${describeError(err).message}`);
    }
  }

  private once(kind: string, id: string): boolean {
    const key = `${kind}:${id}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > 500) this.seen.delete(this.seen.values().next().value!);
    this.shown.push({ kind, id });
    return true;
  }

  private async pairRequested(client: OperatorClient, kind: "node" | "device", r: PairRequest) {
    if (!this.once(`pair-${kind}`, r.requestId)) return;
    const who = pairingWho(r);
    this.log.info(`${kind} pairing requested: ${who} (${r.requestId})${r.remoteIp ? ` from ${r.remoteIp}` : ""}`);
    const canApprove = client.hasScopes("operator.pairing", "operator.admin");
    const pick = await vscode.window.showInformationMessage(this.tag(pairingNotice(kind, r)), ...(canApprove ? ["Approve…", "Reject"] : [REVIEW]));
    if (pick === REVIEW) await vscode.commands.executeCommand("krabkrab.approvePairing", { requestId: r.requestId, kind, profile: this.connections.key });
    if (pick !== "Approve…" && pick !== "Reject") return;
    if (pick === "Approve…" && !(await confirmPairingApproval(kind, r, this.where.bind(this)))) return;
    const verb = pick === "Reject" ? "reject" : "approve";
    try {
      if (verb === "approve") await (kind === "node" ? client.nodePairApprove(r.requestId) : client.devicePairApprove(r.requestId));
      else await (kind === "node" ? client.nodePairReject(r.requestId) : client.devicePairReject(r.requestId));
      this.log.info(`${kind} pairing ${r.requestId}: ${verb}d`);
    } catch (err) {
      void vscode.window.showErrorMessage(escapeNotificationText(`KrabKrab: could not ${verb} ${who}: ${describeError(err).message}`, 600));
    }
  }

  /**
   * An exec approval: a notification whose only button opens the review, a modal that shows the complete
   * command, cwd, host, agent, session and the gateway's warning above the decision buttons. The
   * notification itself offers no decision: its text is one escaped line and VS Code hides a non-modal
   * message's detail, so what it could show is never all that is approved.
   */
  private async execRequested(client: OperatorClient, p: Rec & { id: string }) {
    if (!this.once("exec", p.id)) return;
    const d = describeExecApproval(p);
    const review = execReview(d);
    this.log.info(`exec approval requested (${p.id}): ${d.command.length > 500 ? `${d.command.slice(0, 500)}… (${d.command.length} chars)` : d.command}`);
    const pick = await vscode.window.showWarningMessage(this.tag(review.notice), REVIEW);
    if (pick !== REVIEW) return; // dismissed: the gateway's own timeout / another operator decides
    const decision = await this.reviewExec(p.id, review, d.decisions);
    if (!decision) return;
    try {
      await client.execApprovalResolve(p.id, decision);
      this.log.info(`exec approval ${p.id}: ${decision}`);
    } catch (err) {
      void vscode.window.showErrorMessage(escapeNotificationText(`KrabKrab: could not send your decision (${decision}): ${describeError(err).message}`, 600));
    }
  }

  /** The review itself; undefined when the operator closed it without deciding. */
  private async reviewExec(id: string, review: ExecReview, decisions: ExecApprovalDecision[]): Promise<ExecApprovalDecision | undefined> {
    const labelled = (pick: string | undefined) => decisions.find((x) => DECISION_LABELS[x] === pick);
    const pick = await vscode.window.showWarningMessage(review.message, { modal: true, detail: this.where(review.detail) }, ...review.buttons);
    if (pick !== OPEN_FULL_COMMAND) return labelled(pick);
    // Too long for a dialog: the complete text opens in a read-only editor, and the decision is asked next
    // to it (non-modal, since a modal would cover the editor the operator has to read).
    await this.docs.showText(`exec-approval-${id.slice(0, 8)}`, review.document);
    const sorted = review.buttons.filter((b) => b !== OPEN_FULL_COMMAND);
    return labelled(await vscode.window.showWarningMessage(escapeNotificationText(`KrabKrab: the complete command is open in the editor. Read it, then decide (exec approval ${id.slice(0, 8)}).`), ...sorted));
  }

  dispose(): void {
    this.sub.dispose();
  }
}
