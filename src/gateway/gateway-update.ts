// Whether the gateway knows of a newer release of itself, and asking it to update (update.status /
// update.run). Both are operator.admin methods, and 2026.9.6 lists the update.* methods in hello-ok only to
// admin connections. Offline, 2026.9.6 answers update.status with `{sentinel:null, updateAvailable:null,
// effectiveChannel:"stable"}`: "no update known" (it never checked), which is not the same as "up to date".
import * as z from "zod/mini";
import { GatewayIssueError } from "./errors";
import type { OperatorClient } from "./client";

const UpdateAvailableSchema = z.object({ currentVersion: z.string(), latestVersion: z.string(), channel: z.optional(z.string()) });
const UpdateStatusSchema = z.object({ updateAvailable: z.optional(z.nullable(z.unknown())), effectiveChannel: z.optional(z.nullable(z.string())) });

export type GatewayUpdateState =
  | { kind: "available"; currentVersion: string; latestVersion: string; channel?: string }
  | { kind: "none-known"; channel?: string }
  | { kind: "not-allowed" } // the connection lacks operator.admin
  | { kind: "not-offered" } // this gateway has no update.status (older releases)
  | { kind: "unknown"; reason: string };

/** One short line for the dashboard. */
export function describeGatewayUpdate(s: GatewayUpdateState): { value: string; tone?: "ok" | "warn" } {
  switch (s.kind) {
    case "available":
      return { value: `${s.latestVersion} available (running ${s.currentVersion}${s.channel ? `, ${s.channel} channel` : ""}) — KrabKrab: Update Gateway`, tone: "warn" };
    case "none-known":
      return { value: `no update known${s.channel ? ` (${s.channel} channel)` : ""}` };
    case "not-allowed":
      return { value: "not checked: needs the operator.admin scope" };
    case "not-offered":
      return { value: "not offered by this gateway" };
    case "unknown":
      return { value: `unknown (${s.reason})` };
  }
}

/** Reads update.status when the gateway offers it and the connection may call it; never throws. */
export async function readGatewayUpdate(client: OperatorClient): Promise<GatewayUpdateState> {
  const methods = client.hello?.methods ?? [];
  if (!client.hasScopes("operator.admin")) return { kind: "not-allowed" };
  if (!methods.includes("update.status")) return { kind: "not-offered" };
  try {
    const raw = z.parse(UpdateStatusSchema, await client.call("update.status", {}));
    const channel = raw.effectiveChannel ?? undefined;
    const avail = UpdateAvailableSchema.safeParse(raw.updateAvailable);
    if (avail.success) return { kind: "available", currentVersion: avail.data.currentVersion.slice(0, 40), latestVersion: avail.data.latestVersion.slice(0, 40), channel: avail.data.channel?.slice(0, 40) ?? channel };
    return channel ? { kind: "none-known", channel } : { kind: "none-known" };
  } catch (err) {
    if (err instanceof GatewayIssueError && err.issue.kind === "missing-scope") return { kind: "not-allowed" };
    return { kind: "unknown", reason: err instanceof GatewayIssueError ? err.issue.message : "unexpected answer" };
  }
}

export type GatewayUpdateRun =
  | { kind: "started"; runId?: string } // the gateway hands off to its updater and will restart
  | { kind: "manual"; command?: string; reason: string } // no safe supervisor: the user runs the command
  | { kind: "refused"; reason: string };

const RunResultSchema = z.object({
  runId: z.optional(z.string()),
  ok: z.boolean(),
  result: z.optional(z.unknown()),
  message: z.optional(z.string()),
  handoff: z.optional(z.unknown()),
});

/** Asks the gateway to update itself (update.run). Only ever called from the explicit, confirmed command. */
export async function runGatewayUpdate(client: OperatorClient): Promise<GatewayUpdateRun> {
  const r = z.parse(RunResultSchema, await client.call("update.run", {}, { timeoutMs: 60_000 }));
  const result = (r.result && typeof r.result === "object" ? r.result : {}) as { reason?: unknown };
  const handoff = (r.handoff && typeof r.handoff === "object" ? r.handoff : {}) as { status?: unknown; command?: unknown };
  const reason = typeof result.reason === "string" ? result.reason : (r.message ?? "no reason given");
  if (r.ok) return { kind: "started", runId: r.runId };
  if (typeof handoff.command === "string" || reason === "managed-service-handoff-unavailable") return { kind: "manual", command: typeof handoff.command === "string" ? handoff.command.slice(0, 300) : undefined, reason };
  return { kind: "refused", reason };
}
