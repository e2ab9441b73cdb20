// A small in-process WebSocket server that speaks just enough of the gateway protocol (challenge,
// connect → hello-ok, req/res, events) to produce on demand what the real gateway will not: garbled
// or oversized frames, silence instead of ticks, malformed payloads, exact error shapes. Unit tests
// only; behaviour is always also tested against the real gateway.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface FakeConnection {
  ws: WebSocket;
  connectParams: Record<string, unknown> | null;
  seq: number;
  sendRaw(data: string): void;
  event(event: string, payload: unknown): void;
}

export interface FakeGatewayOptions {
  tickIntervalMs?: number;
  /** Answer to the connect request: return an error object to refuse. */
  /** How long after a connect error the fake closes the socket itself (default 5 ms). */
  closeAfterErrorMs?: number;
  onConnect?: (params: Record<string, unknown>, conn: FakeConnection) => { error: Record<string, unknown> } | { scopes?: string[]; deviceToken?: string } | void;
  methods?: Record<string, (params: Record<string, unknown>, conn: FakeConnection) => unknown | Promise<unknown>>;
  /** Skip the challenge (to test the client's challenge timeout). */
  noChallenge?: boolean;
  maxPayload?: number;
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Send a `tick` event to every connection at tickIntervalMs, as the real gateway does (default: no ticks). */
  sendTicks?: boolean;
  /** Plain HTTP requests on the same port (the real gateway serves /readyz there). Default: ws's 426. */
  http?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

export class FakeGateway {
  readonly connections: FakeConnection[] = [];
  readonly requests: { method: string; params: Record<string, unknown> }[] = [];
  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly opts: FakeGatewayOptions,
  ) {}

  static async start(opts: FakeGatewayOptions = {}): Promise<FakeGateway> {
    let wss: WebSocketServer;
    let port: number;
    if (opts.http) {
      const server = http.createServer(opts.http);
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(opts.port ?? 0, "127.0.0.1", () => resolve()));
      wss = new WebSocketServer({ server });
      wss.once("close", () => server.close());
      port = (server.address() as AddressInfo).port;
    } else {
      wss = new WebSocketServer({ host: "127.0.0.1", port: opts.port ?? 0 });
      await new Promise<void>((resolve, reject) => {
        wss.once("listening", () => resolve());
        wss.once("error", reject);
      });
      port = (wss.address() as AddressInfo).port;
    }
    const fake = new FakeGateway(wss, `ws://127.0.0.1:${port}`, opts);
    wss.on("connection", (ws) => fake.accept(ws));
    if (opts.sendTicks) {
      const timer = setInterval(() => {
        for (const c of fake.connections) if (c.connectParams) c.event("tick", { ts: Date.now() });
      }, opts.tickIntervalMs ?? 30000);
      wss.once("close", () => clearInterval(timer));
    }
    return fake;
  }

  get last(): FakeConnection {
    const c = this.connections.at(-1);
    if (!c) throw new Error("no connection yet");
    return c;
  }

  private accept(ws: WebSocket) {
    const conn: FakeConnection = {
      ws,
      connectParams: null,
      seq: 0,
      sendRaw: (d) => ws.readyState === ws.OPEN && ws.send(d),
      event: (event, payload) => conn.sendRaw(JSON.stringify({ type: "event", event, payload, seq: ++conn.seq })),
    };
    this.connections.push(conn);
    if (!this.opts.noChallenge) conn.event("connect.challenge", { nonce: randomUUID(), ts: Date.now() });
    ws.on("message", async (data) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (frame.type !== "req") return;
      const id = frame.id;
      const method = String(frame.method);
      const params = (frame.params ?? {}) as Record<string, unknown>;
      const reply = (ok: boolean, body: unknown) => conn.sendRaw(JSON.stringify(ok ? { type: "res", id, ok, payload: body } : { type: "res", id, ok, error: body }));
      if (method === "connect") {
        conn.connectParams = params;
        const verdict = this.opts.onConnect?.(params, conn);
        if (verdict && "error" in verdict) {
          reply(false, verdict.error);
          setTimeout(() => ws.close(1008, String(verdict.error.message ?? "connect failed").slice(0, 120)), this.opts.closeAfterErrorMs ?? 5);
          return;
        }
        const scopes = (verdict && "scopes" in verdict && verdict.scopes) || (params.scopes as string[]) || [];
        reply(true, {
          type: "hello-ok",
          protocol: 4,
          server: { version: "fake-1.0", connId: randomUUID() },
          features: { methods: ["health", "chat.send", "chat.history", "chat.abort", ...Object.keys(this.opts.methods ?? {})], events: ["chat", "agent", "tick"] },
          snapshot: { presence: [], health: {}, stateVersion: {}, uptimeMs: 1, sessionDefaults: { mainSessionKey: "agent:main:main" } },
          auth: { role: "operator", scopes, deviceToken: verdict && "deviceToken" in verdict ? verdict.deviceToken : undefined, issuedAtMs: Date.now() },
          policy: { maxPayload: this.opts.maxPayload ?? 26214400, maxBufferedBytes: 52428800, tickIntervalMs: this.opts.tickIntervalMs ?? 30000 },
        });
        return;
      }
      this.requests.push({ method, params });
      const handler = this.opts.methods?.[method];
      if (!handler) return reply(false, { code: "FORBIDDEN", message: "missing scope: operator.admin", details: { code: "MISSING_SCOPE", missingScope: "operator.admin", requiredScopes: ["operator.admin"] } });
      try {
        reply(true, await handler(params, conn));
      } catch (err) {
        reply(false, err && typeof err === "object" && "code" in err ? err : { code: "UNAVAILABLE", message: String(err) });
      }
    });
  }

  /** Drops every connection abruptly (as a crash would). */
  dropAll(): void {
    for (const c of this.connections) c.ws.terminate();
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}
