// The gateway's own readiness answer, `GET /readyz` on its WebSocket port: {ready:true} once startup is
// complete (observed on 2026.5.7 … 2026.9.6). One cheap HTTP request instead of a WebSocket handshake, so
// the operator client can wait for a starting or restarting gateway without hammering it with connects.
import { get as httpGet } from "node:http";

/** The /readyz URL for a plain ws:// gateway URL; null for wss:// (its certificate pin lives in the reference client). */
export function readyUrl(wsUrl: string): URL | null {
  try {
    const url = new URL("/readyz", wsUrl.replace(/^ws:/i, "http:"));
    return url.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

/** true: ready; false: answered but not ready (or not a gateway); undefined: no answer. */
export function fetchReady(url: URL, timeoutMs = 2000): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on("end", () => {
        try {
          resolve((JSON.parse(body) as { ready?: unknown }).ready === true);
        } catch {
          resolve(false);
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}
