// Notifications with actions for what the gateway asks of its operator: a new device/node wants to pair,
// an agent wants to run a command (exec approval). Each request is shown once; resolved elsewhere (another
// operator, a timeout), its notification's answer is refused by the gateway and said so.
import * as vscode from "vscode";
import { describeExecApproval, type ExecApprovalDecision, type Logger, type OperatorClient, type PairRequest } from "../gateway";
import type { ConnectionManager } from "./connection-manager";
import { describeError } from "./error-ui";

type Rec = Record<string, unknown>;

const DECISION_LABELS: Record<ExecApprovalDecision, string> = { "allow-once": "Allow Once", "allow-always": "Always Allow", deny: "Deny" };

export class GatewayNotifications implements vscode.Disposable {
  private readonly seen = new Set<string>();
  private readonly sub: vscode.Disposable;
  /** Requests shown (tests read it). */
  readonly shown: { kind: string; id: string }[] = [];

  constructor(
    connections: ConnectionManager,
    private readonly log: Logger,
  ) {
    this.sub = connections.followClients((client) => this.attach(client));
  }

  private attach(client: OperatorClient): () => void {
    const onPair = (e: { kind: "node" | "device"; request: PairRequest }) => void this.pairRequested(client, e.kind, e.request);
    const onExec = (p: Rec & { id: string }) => void this.execRequested(client, p);
    client.on("pairRequested", onPair);
    client.on("execApprovalRequested", onExec);
    return () => {
      client.off("pairRequested", onPair);
      client.off("execApprovalRequested", onExec);
    };
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
    const who = r.displayName ?? r.nodeId ?? r.deviceId?.slice(0, 12) ?? r.requestId;
    this.log.info(`${kind} pairing requested: ${who} (${r.requestId})${r.remoteIp ? ` from ${r.remoteIp}` : ""}`);
    const canApprove = client.hasScopes("operator.pairing", "operator.admin");
    const detail = [r.platform, r.role, r.remoteIp ? `from ${r.remoteIp}` : undefined, r.scopes?.length ? `scopes ${r.scopes.join(", ")}` : undefined].filter(Boolean).join(" · ");
    const pick = await vscode.window.showInformationMessage(`KrabKrab: ${kind === "node" ? "a node" : "a device"} wants to pair: ${who}${detail ? ` (${detail})` : ""}.`, ...(canApprove ? ["Approve", "Reject"] : ["Review…"]));
    if (pick === "Review…") await vscode.commands.executeCommand("krabkrab.approvePairing", { requestId: r.requestId, kind });
    if (pick !== "Approve" && pick !== "Reject") return;
    try {
      if (pick === "Approve") await (kind === "node" ? client.nodePairApprove(r.requestId) : client.devicePairApprove(r.requestId));
      else await (kind === "node" ? client.nodePairReject(r.requestId) : client.devicePairReject(r.requestId));
      this.log.info(`${kind} pairing ${r.requestId}: ${pick === "Approve" ? "approved" : "rejected"}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`KrabKrab: could not ${pick.toLowerCase()} ${who}: ${describeError(err).message}`);
    }
  }

  private async execRequested(client: OperatorClient, p: Rec & { id: string }) {
    if (!this.once("exec", p.id)) return;
    const d = describeExecApproval(p);
    this.log.info(`exec approval requested (${p.id}): ${d.command}`);
    // Only the decisions the gateway accepts for this request (e.g. no "Always Allow" in a guarded session).
    const pick = await vscode.window.showWarningMessage(
      `KrabKrab: the agent wants to run: ${d.command}`,
      { modal: false, detail: [d.where, d.warning].filter(Boolean).join("\n") },
      ...d.decisions.map((x) => DECISION_LABELS[x]),
    );
    if (!pick) return; // dismissed: the gateway's own timeout / another operator decides
    const decision = d.decisions.find((x) => DECISION_LABELS[x] === pick);
    if (!decision) return;
    try {
      await client.execApprovalResolve(p.id, decision);
      this.log.info(`exec approval ${p.id}: ${decision}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`KrabKrab: could not send your decision (${decision}): ${describeError(err).message}`);
    }
  }

  dispose(): void {
    this.sub.dispose();
  }
}
