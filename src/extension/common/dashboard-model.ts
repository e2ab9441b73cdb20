// Turns the gateway's health / status / presence / node answers into the dashboard's figures. Tolerant by
// design: fields are read where the pinned gateway puts them and skipped when absent, so a newer or older
// gateway shows fewer figures instead of a broken panel. No `vscode` here (unit-testable).
import * as loose from "../../shared/base/loose-read";
import { describeGatewayUpdate, type GatewayUpdateState } from "../../gateway/gateway-update";
import type { DashboardView, Fact, NodeView } from "../../shared/contract";

const { rec, num, str } = loose;
type Rec = loose.Rec;

import { formatBytes } from "../../shared/base/format";
export { formatBytes };

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Scalars of an object as facts (nested objects skipped), with light formatting by key name. */
function scalars(o: Rec, skip: string[] = []): Fact[] {
  const out: Fact[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k)) continue;
    if (typeof v === "number") out.push({ label: k, value: /bytes|rss|heap|external|memory/i.test(k) ? formatBytes(v) : /Ms$/.test(k) ? `${Math.round(v * 10) / 10} ms` : /utilization|ratio/i.test(k) ? v.toFixed(2) : String(v) });
    else if (typeof v === "string" && v.length < 200) out.push({ label: k, value: v });
    else if (typeof v === "boolean") out.push({ label: k, value: v ? "yes" : "no" });
    if (out.length >= 12) break;
  }
  return out;
}

export interface DashboardInput {
  serverVersion?: string;
  protocol?: number;
  connectedSince?: number;
  snapshot?: Rec;
  health?: unknown;
  status?: unknown;
  presence?: unknown[];
  nodes?: unknown[];
  pendingNodes?: unknown[];
  pendingDevices?: unknown[];
  errors: { section: string; message: string }[];
  now?: number;
  /** What update.status said (or why it was not asked). */
  update?: GatewayUpdateState;
}

export function buildDashboard(i: DashboardInput): DashboardView {
  const health = rec(i.health);
  const status = rec(i.status);
  const now = i.now ?? Date.now();

  const gateway: Fact[] = [];
  if (i.serverVersion) gateway.push({ label: "Version", value: i.serverVersion });
  if (i.protocol) gateway.push({ label: "Protocol", value: String(i.protocol) });
  if (i.update) gateway.push({ label: "Update", ...describeGatewayUpdate(i.update) });
  const uptime = num(status.uptimeMs) ?? num(rec(status.runtime).uptimeMs) ?? num(i.snapshot?.uptimeMs);
  if (uptime !== undefined) gateway.push({ label: "Uptime", value: formatDuration(uptime) });
  if (health.ok !== undefined) gateway.push({ label: "Health", value: health.ok ? "ok" : "degraded", tone: health.ok ? "ok" : "error" });
  const pid = num(status.pid) ?? num(rec(status.runtime).pid);
  if (pid !== undefined) gateway.push({ label: "PID", value: String(pid) });
  if (i.connectedSince) gateway.push({ label: "Connected for", value: formatDuration(now - i.connectedSince) });
  const probeMs = num(health.durationMs);
  if (probeMs !== undefined) gateway.push({ label: "Health check", value: `${probeMs} ms` });

  const channels: Fact[] = [];
  const ch = health.channels;
  if (Array.isArray(ch)) {
    for (const c of ch.slice(0, 30)) {
      const r = rec(c);
      channels.push({ label: str(r.id) ?? str(r.channel) ?? str(r.name) ?? "channel", value: str(r.status) ?? (r.running ? "running" : r.configured ? "configured" : "off") });
    }
  } else {
    for (const [name, v] of Object.entries(rec(ch)).slice(0, 30)) {
      const r = rec(v);
      const running = r.running === true || Object.values(rec(r.accounts)).some((a) => rec(a).running === true);
      const configured = r.configured === true || Object.values(rec(r.accounts)).some((a) => rec(a).configured === true);
      channels.push({ label: name, value: running ? "running" : configured ? "configured" : str(r.status) ?? "not configured", tone: running ? "ok" : undefined });
    }
  }

  const agents: Fact[] = (Array.isArray(health.agents) ? health.agents : []).slice(0, 30).map((a) => {
    const r = rec(a);
    const id = str(r.agentId) ?? str(r.id) ?? "agent";
    const sessions = rec(r.sessions);
    const count = num(sessions.count) ?? num(r.sessionCount);
    return { label: str(r.name) ?? id, value: [id === str(r.name) ? undefined : id, r.isDefault || id === health.defaultAgentId ? "default" : undefined, count !== undefined ? `${count} sessions` : undefined].filter(Boolean).join(" · ") || "—" };
  });

  const sessionsRec = rec(health.sessions);
  const sessions = scalars(sessionsRec, ["path"]);
  const recent = Array.isArray(sessionsRec.recent) ? sessionsRec.recent.length : undefined;
  if (recent !== undefined && !sessions.some((f) => f.label === "count")) sessions.push({ label: "recent", value: String(recent) });
  const statusSessions = rec(status.sessions);
  if (!sessions.length) sessions.push(...scalars(statusSessions));

  const loop = rec(health.eventLoop);
  const eventLoop = scalars(loop, ["reasons"]);
  if (loop.degraded === true) eventLoop.unshift({ label: "state", value: `degraded (${Array.isArray(loop.reasons) ? loop.reasons.join(", ") : "?"})`, tone: "warn" });

  const memory = scalars(rec(status.processMemory ?? status.memory ?? rec(status.runtime).memory));

  const presence = (i.presence ?? []).slice(0, 200).map((p) => {
    const r = rec(p);
    const label = str(r.host) ?? str(r.text) ?? str(r.deviceId)?.slice(0, 12) ?? "client";
    const detail = [str(r.mode), str(r.platform), str(r.version) && `v${str(r.version)}`, str(r.ip), str(r.reason)].filter(Boolean).join(" · ");
    return { label, detail, ts: num(r.ts) };
  });

  const pendingIds = new Set((i.pendingNodes ?? []).map((p) => str(rec(p).nodeId)).filter(Boolean));
  const nodes: NodeView[] = (i.nodes ?? []).slice(0, 500).flatMap((n) => {
    const r = rec(n);
    const nodeId = str(r.nodeId);
    if (!nodeId) return [];
    // A node whose command surface awaits approval is connected meanwhile (approvalState "pending-approval"):
    // pending wins over connected, or the Approve action would never be offered.
    const pendingApproval = pendingIds.has(nodeId) || r.approvalState === "pending-approval" || r.approvalState === "pending";
    const state: NodeView["state"] = pendingApproval ? "pending" : r.connected === true ? "connected" : r.paired === false ? "unpaired" : "offline";
    const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(0, 200) : []);
    return [{
      nodeId,
      displayName: str(r.displayName),
      platform: str(r.platform),
      version: str(r.version),
      state,
      commands: list(r.commands),
      caps: list(r.caps),
    }];
  });

  const pending = [
    ...(i.pendingNodes ?? []).map((p) => ({ p: rec(p), kind: "node" as const })),
    ...(i.pendingDevices ?? []).map((p) => ({ p: rec(p), kind: "device" as const })),
  ].flatMap(({ p, kind }) => {
    const requestId = str(p.requestId);
    if (!requestId) return [];
    return [{ requestId, kind, displayName: str(p.displayName) ?? str(p.nodeId) ?? str(p.deviceId)?.slice(0, 12), platform: str(p.platform), detail: [str(p.clientId), str(p.role), str(p.remoteIp)].filter(Boolean).join(" · ") || undefined }];
  });

  return { updatedAt: now, gateway, channels, agents, sessions, eventLoop, memory, presence, nodes, pending, errors: i.errors };
}
