// The gateway's own reference client (@openclaw/gateway-client), configured the way the operator client
// uses it: one per connection attempt, each reporting back with itself as the first argument so the
// operator client can tell a stale client's callback from the current one's. Also the count of the ones
// still running, which tests use to find leaks.
import { hostname } from "node:os";
import { GatewayClient } from "@openclaw/gateway-client";
import { publicKeyRawBase64UrlFromPem, signDevicePayload } from "../device-identity";
import type { DeviceTokenStore } from "../device-tokens";
import { classifyClose, classifyError, type GatewayIssue } from "../errors";
import type { Logger } from "../logger";
import { redactor } from "../redact";
import { CLIENT_CAPS, PROTOCOL_VERSION, type AuthMode, type OperatorClientOptions, type OperatorScope } from "./types";
import { WATCH_DISABLED_MS } from "./watchdog";

/** Where a reference client's callbacks go; each gets the client it came from. */
export interface ReferenceClientHooks {
  readonly tokens: DeviceTokenStore;
  readonly log: Logger;
  onHello(client: GatewayClient, hello: Record<string, unknown>): void;
  onConnectError(client: GatewayClient, err: Error): void;
  onPaused(client: GatewayClient, info: { code: number; reason: string; detailCode: string | null }): void;
  onClose(client: GatewayClient, code: number, reason: string, phase?: string, connectError?: unknown): void;
  onEvent(client: GatewayClient, event: string, payload: unknown): void;
  /** The socket error the reference client only logs (ws then reports a bare 1006 close). */
  onSocketError(client: GatewayClient, text: string): void;
}

const SOCKET_ERROR_PREFIX = "gateway client error: ";

/** A reference client for one attempt with the credential `mode` names; not started (see runClient). */
export function createReferenceClient(
  opts: OperatorClientOptions,
  mode: AuthMode,
  scopes: readonly OperatorScope[],
  hooks: ReferenceClientHooks,
): GatewayClient {
  const id = opts.identity;
  const { tokens, log } = hooks;
  const client: GatewayClient = new GatewayClient({
    url: opts.url,
    token: mode === "token" ? opts.token : undefined,
    password: mode === "password" ? opts.password : undefined,
    clientName: "gateway-client",
    mode: "ui",
    clientDisplayName: opts.displayName ?? `KrabKrab for VS Code (${hostname()})`,
    clientVersion: opts.clientVersion,
    platform: opts.platform ?? process.platform,
    instanceId: opts.instanceId,
    role: "operator",
    scopes: [...scopes],
    caps: [...CLIENT_CAPS],
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    tlsFingerprint: opts.tlsFingerprint,
    requestTimeoutMs: opts.requestTimeoutMs,
    // The reference client's tick watch checks only once per tick interval and closes gracefully, which
    // against a frozen peer waits another 30 s for the close handshake; ours (watchdog.ts) replaces it.
    tickWatchTimeoutMs: WATCH_DISABLED_MS,
    deviceIdentity: { deviceId: id.deviceId, privateKeyPem: id.privateKeyPem, publicKeyPem: id.publicKeyPem },
    hostDeps: {
      signDevicePayload,
      publicKeyRawBase64UrlFromPem,
      loadDeviceAuthToken: ({ deviceId, role }) => (mode === "device-token" || mode === "none" ? tokens.load(deviceId, role) : null),
      storeDeviceAuthToken: ({ deviceId, role, token, scopes }) => tokens.store(deviceId, role, token, scopes),
      clearDeviceAuthToken: ({ deviceId, role }) => tokens.clear(deviceId, role),
      logDebug: (m) => {
        if (m.startsWith(SOCKET_ERROR_PREFIX)) hooks.onSocketError(client, m.slice(SOCKET_ERROR_PREFIX.length));
        log.debug(m);
      },
      logError: (m) => log.warn(m),
      redactForLog: (m) => redactor.redact(m),
    },
    onHelloOk: (hello) => hooks.onHello(client, hello),
    onConnectError: (err) => hooks.onConnectError(client, err),
    onReconnectPaused: (info) => hooks.onPaused(client, info),
    // Startup refusals (UNAVAILABLE startup-sidecars) reach us only as this close (1013), never as a
    // connect error: without it the reference client would retry at the gateway's 500 ms pace, silently.
    notifyOnStartupRetry: true,
    onClose: (code, reason, info) => hooks.onClose(client, code, reason, info?.phase, info?.connectError),
    onEvent: (evt) => hooks.onEvent(client, evt.event, evt.payload),
    onGap: (gap) => log.warn(`event sequence gap: expected ${gap.expected}, got ${gap.received}`),
    ...opts.clientOverrides,
  });
  return client;
}

/** Every reference client started and not yet stopped, across every OperatorClient. */
const running = new Set<GatewayClient>();

export function runClient(c: GatewayClient): void {
  running.add(c);
  c.start();
}

export function stopClient(c: GatewayClient): void {
  running.delete(c);
  c.stop();
}

/** A client that was stopped some other way (stopAndWait). */
export function forgetClient(c: GatewayClient): void {
  running.delete(c);
}

export function runningClientCount(): number {
  return running.size;
}

/** What ws reported before a 1006 close: a frame over the size limit, bad UTF-8, or a TCP-level failure. */
export function classifySocketError(text: string): GatewayIssue {
  if (/max payload size exceeded/i.test(text)) return classifyClose(1009, "")!;
  if (/invalid utf-8/i.test(text)) return classifyClose(1007, "")!;
  const code = /\b(E[A-Z]{3,})\b/.exec(text)?.[1];
  if (code) return classifyError({ message: text, code });
  return { kind: "unreachable", message: `The connection to the gateway failed: ${redactor.redact(text).slice(0, 200)}.`, nextStep: "Nothing to do: the client reconnects by itself.", retrying: true };
}
