// Version skew between this extension (protocol 4) and a gateway: which side is behind and how to update
// it. A protocol-3 gateway answers the connect with only `details.expectedProtocol` (no detail code, no
// version: observed on OpenClaw 2026.5.7), and the handshake never gets far enough to learn the version.
// So the gateway's version is read separately from the one unauthenticated-by-handshake HTTP endpoint that
// carries it on every release tried (2026.5.7 … 2026.9.6): the Control UI's bootstrap config, which the
// gateway serves on its own port to a caller presenting the shared token (`/readyz` and `/health` carry
// no version; `/startupz` does not exist before 2026.8).
import { get as httpGet } from "node:http";
import type { GatewayIssue } from "../errors";
import { redactor } from "../redact";

/** The protocol this extension speaks (its reference client is pinned to it). */
export const EXTENSION_PROTOCOL = 4;
/** The first gateway release that speaks protocol 4 (every OpenClaw release up to 2026.5.7 speaks 3). */
export const FIRST_PROTOCOL_4_RELEASE = "2026.5.12";

export interface SkewFacts {
  /** The protocol the gateway said it expects. */
  expectedProtocol?: number;
  /** The gateway's release, when it could be learned (see probeGatewayVersion). */
  gatewayVersion?: string;
  /** The CLI name on the gateway host (krabkrab, or openclaw). */
  cli?: string;
  /** This extension's version, for the "extension is behind" case. */
  extensionVersion?: string;
}

/**
 * The update step for the gateway host. `<cli> update` is the gateway's own updater: it recognises
 * npm/pnpm/bun global installs and git checkouts by itself and prints the next action for the rest
 * (Docker: pull the new image; a tarball: reinstall) — so it is the right first command for any install.
 */
export function gatewayUpdateCommand(cli = "krabkrab"): string {
  return `${cli} update`;
}

/** A protocol mismatch, told as "which side is behind" and "how to update it". Never retried. */
export function protocolSkewIssue(f: SkewFacts, base: Partial<GatewayIssue> = {}): GatewayIssue {
  const cli = f.cli ?? "krabkrab";
  const other = cli === "openclaw" ? "krabkrab" : "openclaw";
  const p = f.expectedProtocol;
  const named = f.gatewayVersion ? `The gateway (version ${f.gatewayVersion})` : "The gateway";
  const common = { ...base, kind: "protocol-mismatch" as const, expectedProtocol: p, gatewayVersion: f.gatewayVersion, retrying: false };
  if (p !== undefined && p < EXTENSION_PROTOCOL) {
    const updateCommand = gatewayUpdateCommand(cli);
    return {
      ...common,
      behind: "gateway",
      updateCommand,
      message: `${named} speaks protocol ${p}; this extension speaks protocol ${EXTENSION_PROTOCOL}, which needs gateway ${FIRST_PROTOCOL_4_RELEASE} or newer. The gateway is behind.`,
      nextStep: `Update the gateway: on the gateway host run \`${updateCommand}\` (\`${other} update\` if that is the CLI installed there; for a Docker install pull the new image instead), then reconnect.`,
    };
  }
  if (p !== undefined && p > EXTENSION_PROTOCOL) {
    return {
      ...common,
      behind: "extension",
      message: `${named} speaks protocol ${p}; this extension${f.extensionVersion ? ` (version ${f.extensionVersion})` : ""} speaks protocol ${EXTENSION_PROTOCOL}. The extension is behind.`,
      nextStep: "Update the extension (Extensions view → KrabKrab → Update), then reload the window and reconnect.",
    };
  }
  return {
    ...common,
    message: `${named} refused this extension's protocol ${EXTENSION_PROTOCOL} without saying which protocol it speaks.`,
    nextStep: `Compare versions: this extension needs gateway ${FIRST_PROTOCOL_4_RELEASE} or newer (on the gateway host, \`${cli} --version\`); update whichever side is older.`,
  };
}

/**
 * `CLIENT_VERSION_MISMATCH`: the gateway refuses a client older than itself (it sends this to its own
 * local node host so its supervisor restarts it on the new build). Told the same way: the client is behind.
 */
export function clientVersionSkewIssue(details: Record<string, unknown>, base: Partial<GatewayIssue> = {}): GatewayIssue {
  const gatewayVersion = typeof details.gatewayVersion === "string" ? details.gatewayVersion.slice(0, 64) : undefined;
  const clientVersion = typeof details.clientVersion === "string" ? details.clientVersion.slice(0, 64) : undefined;
  return {
    ...base,
    kind: "version-mismatch",
    gatewayVersion,
    behind: "extension",
    retrying: false,
    message: `The gateway${gatewayVersion ? ` (version ${gatewayVersion})` : ""} refuses clients older than itself${clientVersion ? `; this client reports version ${clientVersion}` : ""}. The extension is behind.`,
    nextStep: "Update the extension (Extensions view → KrabKrab → Update), then reload the window and reconnect.",
  };
}

/**
 * The gateway's release, read from `GET /__openclaw/control-ui-config.json` (`serverVersion`) with the
 * shared token or password as a bearer credential. Plain ws:// URLs only (loopback, SSH tunnels, tailnet):
 * a wss:// gateway's certificate pin lives in the reference client, and an unpinned HTTPS request is not
 * something to send a credential over. Resolves undefined on any failure — the message then says less.
 */
export function probeGatewayVersion(wsUrl: string, secret: string | undefined, timeoutMs = 3000): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL("/__openclaw/control-ui-config.json", wsUrl.replace(/^ws:/i, "http:"));
  } catch {
    return Promise.resolve(undefined);
  }
  if (url.protocol !== "http:" || !secret) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs, agent: false, headers: { authorization: `Bearer ${secret}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (body.length < 64 * 1024) body += c;
      });
      res.on("end", () => {
        try {
          const v = (JSON.parse(body) as { serverVersion?: unknown }).serverVersion;
          // A version goes into a message: only a release-like string, never arbitrary remote text.
          resolve(typeof v === "string" && /^[\w.+-]{1,40}$/.test(v) ? redactor.redact(v) : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}
