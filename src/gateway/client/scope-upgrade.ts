// Least privilege, the gateway's way: a connection that needs a scope it was not granted (pairing, admin)
// files a scope-upgrade request on the live connection (`device.scopes.requestUpgrade`), keeps working while
// the gateway owner decides, and waits (`device.scopes.waitUpgrade`). Approval (`device.pair.approve`, e.g.
// `<cli> devices approve <requestId>` on the gateway host) rotates this device's operator token and hands the
// new one only to this waiter; the caller then reconnects with it. Gateways without the two methods (before
// 2026.8) are asked by reconnecting with the wider set instead (ConnectionSlot.upgradeScopes).
import * as z from "zod/mini";
import { GatewayIssueError } from "../errors";
import { plaintextAllowedHost } from "../target-config";
import type { OperatorClient } from "./operator-client";
import type { OperatorScope } from "./types";

export const REQUEST_UPGRADE = "device.scopes.requestUpgrade";
export const WAIT_UPGRADE = "device.scopes.waitUpgrade";

const RegistrationSchema = z.object({ requestId: z.string().check(z.minLength(1)) });
const ResultSchema = z.union([
  z.object({ status: z.literal("approved"), requestId: z.string(), deviceToken: z.string().check(z.minLength(1)), scopes: z.array(z.string()) }),
  z.object({ status: z.literal("rejected"), requestId: z.string() }),
  z.object({ status: z.literal("expired"), requestId: z.string() }),
]);

export interface PendingUpgrade {
  requestId: string;
  /** Every scope asked for (the device's whole set after approval, at most 8). */
  scopes: OperatorScope[];
  /** What the owner runs on the gateway host to approve it. */
  approveCommand: string;
}

export interface GrantedUpgrade {
  deviceToken: string;
  scopes: string[];
}

/** Whether this gateway offers the upgrade flow (and so no reconnect is needed to ask). */
export function offersScopeUpgrade(client: OperatorClient): boolean {
  const methods = client.hello?.methods ?? [];
  return methods.includes(REQUEST_UPGRADE) && methods.includes(WAIT_UPGRADE);
}

/**
 * How to get more scopes on this connection. A gateway that sees us on loopback (a local gateway, or an SSH
 * tunnel, which ends on the gateway host's loopback) approves a wider reconnect silently by default ("silent
 * local pairing"), while an upgrade *request* always waits for a manual approval: there the reconnect is what
 * the gateway intends. Elsewhere (wss, tailnet, LAN) the request flow, where offered; the reconnect otherwise.
 */
export function upgradeRoute(client: OperatorClient): "request" | "reconnect" {
  if (!offersScopeUpgrade(client)) return "reconnect";
  let host = "";
  try {
    host = new URL(client.url).hostname;
  } catch {
    /* an unparsable URL never connected */
  }
  return plaintextAllowedHost(host) === "loopback" ? "reconnect" : "request";
}

/**
 * Files the request and waits for the owner. Resolves with the new device token on approval; rejects with a
 * `missing-scope` issue when rejected or expired, and with the abort reason when `signal` aborts (the request
 * then stays pending on the gateway, where the owner can still reject it).
 */
export async function requestScopeUpgrade(
  client: OperatorClient,
  scopes: OperatorScope[],
  opts: { cli?: string; signal?: AbortSignal; onPending?: (p: PendingUpgrade) => void } = {},
): Promise<GrantedUpgrade> {
  const raw = await client.call(REQUEST_UPGRADE, { scopes }, { signal: opts.signal });
  const reg = RegistrationSchema.safeParse(raw);
  if (!reg.success) throw new Error(`The gateway's answer to ${REQUEST_UPGRADE} has no request id.`);
  const { requestId } = reg.data;
  const approveCommand = `${opts.cli ?? "openclaw"} devices approve ${requestId}`;
  opts.onPending?.({ requestId, scopes, approveCommand });
  // The wait is the owner's time, not the network's: no timeout of ours, only the user's cancel.
  const result = ResultSchema.safeParse(await client.call(WAIT_UPGRADE, { requestId }, { timeoutMs: null, signal: opts.signal }));
  if (!result.success) throw new Error(`The gateway's answer to ${WAIT_UPGRADE} is not one this extension knows.`);
  const r = result.data;
  if (r.status === "approved") return { deviceToken: r.deviceToken, scopes: r.scopes };
  throw new GatewayIssueError({
    kind: "missing-scope",
    missingScope: scopes.join(","),
    message: r.status === "rejected" ? `The gateway owner rejected the request for ${scopes.join(", ")} (request ${requestId}).` : `The request for ${scopes.join(", ")} expired before anyone approved it (request ${requestId}).`,
    nextStep: r.status === "rejected" ? "Ask the gateway owner, or keep working with the scopes you have." : `Ask again, and have the owner run ${approveCommand.replace(requestId, "<request id>")} on the gateway host in time.`,
    retrying: false,
  });
}
