// Commands that issue gateway RPCs: nodes (describe, invoke, rename), pairing approvals, any method by
// name, and a logs tail. User-entered JSON is parsed and checked before anything is sent; results open as
// read-only JSON documents; scopes beyond the defaults (pairing, admin) are asked for only when used. Each
// acts on the gateway its argument names (`profile`, as the Nodes view's items carry), the only live one, or
// the one the user picks.
import * as vscode from "vscode";
import { GatewayIssueError, upgradeRoute, type GatewayNode, type Logger, type OperatorClient, type OperatorScope, type PairRequest } from "../../gateway";
import { escapeNotificationText, pairingWho } from "../common/approval-text";
import type { ConnectionManager } from "../connection/connection-manager";
import type { Gateways } from "../connection/gateways";
import { showError } from "../views/error-ui";
import type { CommandSetter } from "../core";
import type { JsonDocuments } from "./json-documents";
import { confirmPairingApproval } from "../views/notifications";

export interface GatewayCommandDeps {
  gateways: Gateways;
  docs: JsonDocuments;
  log: Logger;
  showLog: () => void;
  /** Sets a command's handler (the activation bundle registered every contributed command). */
  command: CommandSetter;
}

/** Parses user JSON for RPC params: empty → {}, else must be a JSON object. Returns an error sentence instead of throwing. */
export function parseParamsJson(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const t = text.trim();
  if (!t) return { ok: true, value: {} };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${(err as Error).message}` };
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return { ok: false, error: "Parameters must be a JSON object, like {\"key\": \"value\"}." };
  return { ok: true, value: v as Record<string, unknown> };
}

export function nodeLabel(n: { nodeId?: string; displayName?: string }): string {
  return n.displayName?.trim() || n.nodeId || "node";
}

/** The connected client, or an error shown to the user and undefined. */
export function requireClient(connections: ConnectionManager): OperatorClient | undefined {
  const c = connections.current;
  if (c && c.state.status === "connected") return c;
  void vscode.window.showWarningMessage("KrabKrab: not connected to a gateway.", "Connect Local", "Connect Remote").then((p) => {
    if (p === "Connect Local") void vscode.commands.executeCommand("krabkrab.connectLocal");
    else if (p === "Connect Remote") void vscode.commands.executeCommand("krabkrab.connectRemote");
  });
  return undefined;
}

/**
 * Returns a client holding `scopes`, reconnecting with them after asking. A gateway that will not grant
 * them answers with a missing-scope/pairing error, shown with its next step.
 */
export async function withScopes(
  connections: ConnectionManager,
  scopes: OperatorScope[],
  why: string,
  opts: { confirmed?: boolean } = {},
): Promise<OperatorClient | undefined> {
  const c = requireClient(connections);
  if (!c) return undefined;
  if (c.hasScopes(...scopes)) return c;
  if (upgradeRoute(c) === "request") return requestUpgrade(connections, scopes, why, opts);
  const pick = opts.confirmed ? "Reconnect with Scopes" : await vscode.window.showInformationMessage(`KrabKrab: ${why} needs the ${scopes.join(" and ")} scope${scopes.length > 1 ? "s" : ""}, which this connection did not ask for.`, { modal: true, detail: "Reconnect asking for them? On a gateway reached over loopback or an SSH tunnel this is granted silently; otherwise the gateway owner must approve the scope upgrade." }, "Reconnect with Scopes");
  if (pick !== "Reconnect with Scopes") return undefined;
  const upgraded = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "KrabKrab: reconnecting with more scopes…" }, () => connections.upgradeScopes(scopes));
  if (!upgraded.hasScopes(...scopes)) {
    throw new GatewayIssueError({ kind: "missing-scope", missingScope: scopes.join(","), message: `The gateway did not grant ${scopes.join(", ")}.`, nextStep: "Approve the scope upgrade on the gateway (krabkrab devices list / approve), then try again.", retrying: false });
  }
  return upgraded;
}

const REQUEST_ACCESS = "Request Access";

/**
 * The gateway's own upgrade flow: one request for exactly these scopes, filed on the working connection, which
 * stays usable while a cancellable notification says what the owner must approve (and offers the command).
 */
async function requestUpgrade(
  connections: ConnectionManager,
  scopes: OperatorScope[],
  why: string,
  opts: { confirmed?: boolean },
): Promise<OperatorClient | undefined> {
  const names = scopes.join(" and ");
  const pick = opts.confirmed
    ? REQUEST_ACCESS
    : await vscode.window.showInformationMessage(
        `KrabKrab: ${why} needs the ${names} scope${scopes.length > 1 ? "s" : ""}, which this connection does not hold.`,
        { modal: true, detail: "Ask the gateway owner for them? This connection keeps working meanwhile; nothing changes until the owner approves the request." },
        REQUEST_ACCESS,
      );
  if (pick !== REQUEST_ACCESS) return undefined;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `KrabKrab: waiting for the gateway owner to approve ${names}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return connections.upgradeScopes(scopes, {
        signal: abort.signal,
        onPending: (p) => {
          // The request id comes from the gateway: escaped so it cannot become a link or a command.
          const cmd = escapeNotificationText(p.approveCommand);
          progress.report({ message: `on the gateway host, run ${cmd}` });
          void vscode.window.showInformationMessage(`KrabKrab: access request pending. The gateway owner approves it with: ${cmd}`, "Copy Command").then((a) => {
            if (a === "Copy Command") void vscode.env.clipboard.writeText(p.approveCommand);
          });
        },
      });
    },
  );
}

export function registerGatewayCommands(context: vscode.ExtensionContext, deps: GatewayCommandDeps): { tail: LogTail } {
  const { gateways, docs, log } = deps;
  const tail = new LogTail(log);
  const run = (id: string, title: string, fn: (connections: ConnectionManager, arg: unknown) => Promise<unknown>) =>
    deps.command(id, async (arg: unknown) => {
      try {
        const connections = await gateways.pick(arg, title);
        return connections ? await fn(connections, arg) : undefined;
      } catch (err) {
        log.error(err, id);
        void showError(err, { showLog: deps.showLog });
        return undefined;
      }
    });

  async function pickNode(connections: ConnectionManager, arg: unknown, filter: (n: GatewayNode) => boolean = () => true): Promise<GatewayNode | undefined> {
    const c = requireClient(connections);
    if (!c) return undefined;
    const id = nodeIdOf(arg);
    const nodes = await c.nodeList();
    if (id) {
      const found = nodes.find((n) => n.nodeId === id);
      if (!found) throw new Error(`No node with id ${id} (it may have been removed).`);
      return found;
    }
    const candidates = nodes.filter(filter);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(nodes.length ? "KrabKrab: no node matches (none is connected with commands)." : "KrabKrab: no nodes are known to this gateway. Run `krabkrab node run` on a device to add one.");
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      candidates.map((n) => ({ label: `$(${n.connected ? "vm-active" : "vm-outline"}) ${nodeLabel(n)}`, description: [n.platform, n.version, n.connected ? "connected" : "offline"].filter(Boolean).join(" · "), detail: n.commands?.length ? `${n.commands.length} commands` : undefined, node: n })),
      { title: "KrabKrab: pick a node", matchOnDescription: true },
    );
    return pick?.node;
  }

  run("krabkrab.describeNode", "Describe Node", async (connections, arg) => {
    const node = await pickNode(connections, arg);
    if (!node) return;
    const c = requireClient(connections)!;
    const d = await c.nodeDescribe(node.nodeId);
    await docs.show(`node-${nodeLabel(node)}`, d);
    return d;
  });

  run("krabkrab.invokeNodeCommand", "Invoke Node Command", async (connections, arg) => {
    const a = (arg && typeof arg === "object" ? arg : {}) as { nodeId?: string; command?: string; params?: unknown };
    const node = await pickNode(connections, arg, (n) => Boolean(n.connected && n.commands?.length));
    if (!node) return;
    const command = a.command ?? (await vscode.window.showQuickPick(node.commands ?? [], { title: `KrabKrab: command to run on ${nodeLabel(node)}` }));
    if (!command) return;
    if (node.commands && !node.commands.includes(command)) throw new Error(`${nodeLabel(node)} does not advertise the command “${command}”.`);
    let params: unknown = a.params;
    if (params === undefined) {
      const text = await vscode.window.showInputBox({ title: `KrabKrab: ${command} on ${nodeLabel(node)}`, prompt: "Parameters as a JSON object (empty for none).", placeHolder: '{"key": "value"}', ignoreFocusOut: true, validateInput: (v) => { const r = parseParamsJson(v); return r.ok ? null : r.error; } });
      if (text === undefined) return;
      params = (parseParamsJson(text) as { value: Record<string, unknown> }).value;
    }
    const c = requireClient(connections)!;
    const res = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KrabKrab: running ${command} on ${nodeLabel(node)}…` }, () => c.nodeInvoke({ nodeId: node.nodeId, command, params: params && Object.keys(params).length ? params : undefined }));
    await docs.show(`${command}-${nodeLabel(node)}`, res);
    return res;
  });

  run("krabkrab.renameNode", "Rename Node", async (connections, arg) => {
    const a = (arg && typeof arg === "object" ? arg : {}) as { displayName?: string };
    const node = await pickNode(connections, arg);
    if (!node) return;
    const name =
      a.displayName ??
      (await vscode.window.showInputBox({ title: `KrabKrab: rename ${nodeLabel(node)}`, value: node.displayName ?? "", validateInput: (v) => (!v.trim() ? "Enter a name." : v.trim().length > 120 ? "Keep it under 120 characters." : null) }));
    if (!name?.trim()) return;
    const c = await withScopes(connections, ["operator.pairing"], "Renaming a node", { confirmed: confirmedScopes(arg) });
    if (!c) return;
    await c.nodeRename(node.nodeId, name.trim());
    log.info(`renamed node ${node.nodeId} to “${name.trim()}”`);
    return true;
  });

  async function pickPairRequest(connections: ConnectionManager, arg: unknown, verb: string): Promise<{ kind: "node" | "device"; req: PairRequest; client: OperatorClient } | undefined> {
    const c = await withScopes(connections, ["operator.pairing", "operator.admin"], `${verb} pairing requests`, { confirmed: confirmedScopes(arg) });
    if (!c) return undefined;
    // From a command argument ({requestId, kind}) or a Nodes tree item ({kind: "pending", request}).
    const raw = (arg && typeof arg === "object" ? arg : {}) as { requestId?: string; kind?: string; request?: { requestId?: string } };
    const a = { requestId: raw.requestId ?? raw.request?.requestId, kind: raw.request ? ("node" as const) : raw.kind === "device" || raw.kind === "node" ? raw.kind : undefined };
    const [nodes, devices] = await Promise.all([c.nodePairList(), c.devicePairList()]);
    const all = [...nodes.pending.map((req) => ({ kind: "node" as const, req })), ...devices.pending.map((req) => ({ kind: "device" as const, req }))];
    if (a.requestId) {
      const hit = all.find((p) => p.req.requestId === a.requestId && (!a.kind || p.kind === a.kind));
      if (!hit) throw new Error(`No pending pairing request ${a.requestId} (already resolved or expired).`);
      return { ...hit, client: c };
    }
    if (!all.length) {
      void vscode.window.showInformationMessage("KrabKrab: no pending pairing requests.");
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      all.map((p) => ({ label: `$(${p.kind === "node" ? "vm" : "device-desktop"}) ${p.req.displayName ?? p.req.nodeId ?? p.req.deviceId ?? p.req.requestId}`, description: [p.kind, p.req.platform, p.req.role, p.req.remoteIp].filter(Boolean).join(" · "), detail: p.req.scopes?.length ? `scopes: ${p.req.scopes.join(", ")}` : undefined, p })),
      { title: `KrabKrab: ${verb.toLowerCase()} a pairing request` },
    );
    return pick ? { ...pick.p, client: c } : undefined;
  }

  for (const [id, verb, approve] of [
    ["krabkrab.approvePairing", "Approving", true],
    ["krabkrab.rejectPairing", "Rejecting", false],
  ] as const) {
    run(id, `${verb} Pairing`, async (connections, arg) => {
      const p = await pickPairRequest(connections, arg, verb);
      if (!p) return;
      const { client, req } = p;
      // Approving grants a role and scopes to whoever asked: the modal shows them first, whichever way the
      // command was reached (notification, Nodes view, dashboard, palette).
      if (approve && !(await confirmPairingApproval(p.kind, req))) return false;
      if (p.kind === "node") await (approve ? client.nodePairApprove(req.requestId) : client.nodePairReject(req.requestId));
      else await (approve ? client.devicePairApprove(req.requestId) : client.devicePairReject(req.requestId));
      void vscode.window.showInformationMessage(`KrabKrab: ${approve ? "approved" : "rejected"} ${p.kind} ${pairingWho(req)}.`);
      return true;
    });
  }

  run("krabkrab.callMethod", "Call Gateway Method", async (connections, arg) => {
    const c = requireClient(connections);
    if (!c) return;
    const a = (arg && typeof arg === "object" ? arg : {}) as { method?: string; params?: Record<string, unknown> };
    const methods = c.hello?.methods ?? [];
    const method = a.method ?? (await vscode.window.showQuickPick(methods, { title: `KrabKrab: call a gateway method (${methods.length} offered)`, placeHolder: "health, status, node.list, …" }));
    if (!method) return;
    if (!methods.includes(method)) throw new Error(`The gateway does not offer the method “${method}”.`);
    let params = a.params;
    if (params === undefined) {
      const text = await vscode.window.showInputBox({ title: `KrabKrab: ${method}`, prompt: "Parameters as a JSON object (empty for none).", placeHolder: "{}", ignoreFocusOut: true, validateInput: (v) => { const r = parseParamsJson(v); return r.ok ? null : r.error; } });
      if (text === undefined) return;
      params = (parseParamsJson(text) as { value: Record<string, unknown> }).value;
    }
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KrabKrab: ${method}…`, cancellable: true }, (_p, cancel) => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      return c.call(method, params, { signal: abort.signal });
    });
    await docs.show(method, result);
    return result;
  });

  run("krabkrab.tailLogs", "Tail Gateway Logs", async (connections) => tail.start(connections));
  deps.command("krabkrab.stopTailLogs", () => tail.stop());
  context.subscriptions.push(tail);
  return { tail };
}

/** A programmatic caller (another extension, a test) may pass `{ upgradeScopes: true }` to skip the question. */
function confirmedScopes(arg: unknown): boolean {
  return Boolean(arg && typeof arg === "object" && (arg as { upgradeScopes?: unknown }).upgradeScopes === true);
}

function nodeIdOf(arg: unknown): string | undefined {
  if (typeof arg === "string") return arg;
  if (arg && typeof arg === "object") {
    const r = arg as Record<string, unknown>;
    if (typeof r.nodeId === "string") return r.nodeId;
    const node = r.node as Record<string, unknown> | undefined;
    if (node && typeof node.nodeId === "string") return node.nodeId;
  }
  return undefined;
}

/** `logs.tail` of one gateway with a cursor into an output channel, until stopped or that gateway disconnects. */
export class LogTail implements vscode.Disposable {
  private channel: vscode.OutputChannel | null = null;
  private timer: NodeJS.Timeout | undefined;
  private cursor: number | string | undefined;
  private running = false;
  private sub: vscode.Disposable | undefined;
  private connections: ConnectionManager | null = null;
  lines = 0;

  constructor(private readonly log: Logger) {}

  get active(): boolean {
    return this.running;
  }

  start(connections: ConnectionManager): void {
    if (!requireClient(connections)) return;
    this.channel ??= vscode.window.createOutputChannel("KrabKrab Gateway Logs", "log");
    this.channel.show(true);
    if (this.running && this.connections === connections) return;
    if (this.running) {
      this.stop();
      this.channel.appendLine(`---- ${connections.name} ----`);
    }
    this.connections = connections;
    this.sub?.dispose();
    this.sub = connections.onDidChange(() => {
      if (this.running && connections.state.status === "disconnected") this.stop();
    });
    this.running = true;
    this.cursor = undefined;
    void vscode.commands.executeCommand("setContext", "krabkrab.tailingLogs", true);
    void this.poll();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    void vscode.commands.executeCommand("setContext", "krabkrab.tailingLogs", false);
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    const c = this.connections?.current;
    let delay = 1000;
    if (c && c.state.status === "connected") {
      try {
        const r = await c.logsTail({ cursor: typeof this.cursor === "number" ? this.cursor : undefined, limit: 500 });
        for (const line of [...(r.lines ?? []), ...(r.entries ?? [])]) {
          this.channel?.appendLine(typeof line === "string" ? line : JSON.stringify(line));
          this.lines++;
        }
        if (r.cursor !== undefined && r.cursor !== null) this.cursor = r.cursor;
      } catch (err) {
        this.log.warn("logs.tail", err);
        delay = 5000;
      }
    }
    if (this.running) this.timer = setTimeout(() => void this.poll(), delay);
  }

  dispose(): void {
    this.stop();
    this.sub?.dispose();
    this.channel?.dispose();
  }
}
