// What the gateway's frames mean once the reference client has read them: hello-ok as the HelloInfo the
// client hands out, and each event frame parsed against its schema and emitted as a typed OperatorEvents
// event. A payload of unexpected shape is dropped and reported (log and `invalidPayload`), never thrown.
import type { EventEmitter } from "node:events";
import * as z from "zod/mini";
import { rec, asText } from "../../shared/base/loose-read";
import type { Logger } from "../logger";
import * as Q from "../questions";
import * as S from "../schemas";
import { PROTOCOL_VERSION, type AuthMode, type HelloInfo, type OperatorEvents } from "./types";

/** What the client keeps of hello-ok (read loosely: a field of the wrong type reads as absent). */
export function helloInfo(hello: Record<string, unknown>, authMode: AuthMode): HelloInfo {
  const server = rec(hello.server);
  const features = rec(hello.features);
  const auth = rec(hello.auth);
  return {
    serverVersion: asText(server.version, "?"),
    connId: asText(server.connId),
    protocol: Number(hello.protocol ?? PROTOCOL_VERSION),
    scopes: Array.isArray(auth.scopes) ? auth.scopes.map(String) : [],
    methods: Array.isArray(features.methods) ? features.methods.map(String) : [],
    events: Array.isArray(features.events) ? features.events.map(String) : [],
    policy: rec(hello.policy),
    snapshot: rec(hello.snapshot),
    authMode,
  };
}

/** Emits the typed event for one event frame (known events only), then the raw `event` for every frame. */
export function dispatchEvent(target: EventEmitter<OperatorEvents>, log: Logger, event: string, payload: unknown): void {
  const parse = <T extends z.ZodMiniType>(schema: T, what: string): z.infer<T> | undefined => {
    const r = schema.safeParse(payload);
    if (r.success) return r.data;
    const problem = S.describeZodError(r.error);
    log.warn(`dropped ${what} event with unexpected shape: ${problem}`);
    target.emit("invalidPayload", { what, problem });
    return undefined;
  };
  switch (event) {
    case "chat": {
      const p = parse(S.ChatEventSchema, "chat");
      if (p) target.emit("chat", p);
      break;
    }
    case "agent": {
      const p = parse(S.AgentEventSchema, "agent");
      if (p) target.emit("agent", p);
      break;
    }
    case "tick": {
      const p = parse(S.TickEventSchema, "tick");
      if (p) target.emit("tick", { ts: p.ts });
      break;
    }
    case "shutdown": {
      const p = parse(S.ShutdownEventSchema, "shutdown");
      if (p) {
        log.info(`gateway shutting down (${p.reason ?? "no reason"}${p.restartExpectedMs ? `, back in ~${p.restartExpectedMs} ms` : ""})`);
        target.emit("shutdown", { reason: p.reason, restartExpectedMs: p.restartExpectedMs });
      }
      break;
    }
    case "presence":
      target.emit("presence", payload);
      break;
    case "health":
      target.emit("health", payload);
      break;
    case "node.pair.requested":
    case "device.pair.requested": {
      const p = parse(S.PairRequestSchema, event);
      if (p) target.emit("pairRequested", { kind: event.startsWith("node") ? "node" : "device", request: p });
      break;
    }
    case "node.pair.resolved":
    case "device.pair.resolved":
      target.emit("pairResolved", { kind: event.startsWith("node") ? "node" : "device", payload: rec(payload) });
      break;
    case "exec.approval.requested": {
      const p = parse(S.ExecApprovalRequestedSchema, event);
      if (p) target.emit("execApprovalRequested", p);
      break;
    }
    case "exec.approval.resolved":
      target.emit("execApprovalResolved", rec(payload));
      break;
    case "question.requested": {
      const p = parse(Q.QuestionRecordSchema, event);
      if (p) target.emit("questionRequested", p);
      break;
    }
    case "question.resolved": {
      const p = parse(Q.QuestionResolvedSchema, event);
      if (p) target.emit("questionResolved", p);
      break;
    }
  }
  target.emit("event", { event, payload });
}
