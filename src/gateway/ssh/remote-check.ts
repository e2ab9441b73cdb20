// What `Test Remote` checks over an open SSH session, with fixed command strings only (no user text reaches
// the remote shell): `krabkrab status --json`, else `openclaw status --json`, and GET /readyz through a
// forward to 127.0.0.1:<remotePort>. Plain Node; never imports `vscode`.
import type { Client, ClientChannel } from "ssh2";
import type { RemoteTestResult } from "./types";

/** Runs the checks over `client` (the tunnel's last hop). Never throws: every problem is in `detail`. */
export async function runRemoteChecks(client: Client, remotePort: number): Promise<RemoteTestResult> {
  let cli: string | null = null;
  let statusJson: unknown = null;
  const notes: string[] = [];
  for (const name of ["krabkrab", "openclaw"]) {
    const r = await execFixed(client, `${name} status --json`, 30_000);
    if (r.error) {
      notes.push(`${name}: ${r.error}`);
      continue;
    }
    if (r.code === 127 || (/not found/i.test(r.stderr) && r.code !== 0 && !r.stdout.trim())) {
      notes.push(`${name} is not on the remote PATH`);
      continue;
    }
    cli = name;
    statusJson = parseJsonLoose(r.stdout);
    notes.push(`${name} status --json exited ${r.code ?? r.signal ?? "?"}${statusJson === null ? " without JSON output" : ""}${r.stderr.trim() ? ` (stderr: ${r.stderr.trim().slice(0, 200)})` : ""}`);
    break;
  }
  const probe = await httpThrough(client, remotePort, "/readyz", 10_000);
  const gatewayReachable = probe.status === 200;
  if (probe.error) notes.push(`GET /readyz on remote 127.0.0.1:${remotePort}: ${probe.error}`);
  else notes.push(`GET /readyz on remote 127.0.0.1:${remotePort}: HTTP ${probe.status}${probe.body ? ` ${probe.body.trim().slice(0, 200)}` : ""}`);
  if (!cli) notes.push("(a non-interactive SSH session may have a shorter PATH than your login shell)");
  return { cli, statusJson, gatewayReachable, readyzStatus: probe.status, detail: notes.join("; ") };
}

function parseJsonLoose(text: string): unknown {
  const t = text.trim();
  if (!t) return null;
  try {
    return JSON.parse(t);
  } catch {
    const a = t.indexOf("{");
    const b = t.lastIndexOf("}");
    if (a >= 0 && b > a) {
      try {
        return JSON.parse(t.slice(a, b + 1));
      } catch {
        return null;
      }
    }
    return null;
  }
}

interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  error?: string;
}

/** Runs a fixed command string over the session (never built from user input). */
function execFixed(client: Client, command: string, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const LIMIT = 1 << 20;
    let stdout = "";
    let stderr = "";
    let code: number | null = null;
    let signal: string | undefined;
    let done = false;
    let stream: ClientChannel | undefined;
    const finish = (r: Partial<ExecResult>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ...r });
    };
    const timer = setTimeout(() => {
      stream?.destroy();
      finish({ error: `no answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    try {
      client.exec(command, (err, s) => {
        if (err) return finish({ error: err.message });
        stream = s;
        s.on("data", (d: Buffer) => {
          if (stdout.length < LIMIT) stdout += d.toString("utf8");
        });
        s.stderr.on("data", (d: Buffer) => {
          if (stderr.length < LIMIT) stderr += d.toString("utf8");
        });
        s.on("error", (e: Error) => finish({ error: e.message }));
        s.on("exit", (c: number | null, sig?: string) => {
          code = c;
          signal = sig ?? undefined;
        });
        s.on("close", () => finish({}));
      });
    } catch (err) {
      finish({ error: (err as Error).message });
    }
  });
}

/** A minimal HTTP/1.1 GET through a forwarded channel. */
function httpThrough(client: Client, port: number, pathname: string, timeoutMs: number): Promise<{ status: number | null; body?: string; error?: string }> {
  return new Promise((resolve) => {
    let done = false;
    let stream: ClientChannel | undefined;
    let buf = "";
    const finish = (r: { status: number | null; body?: string; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream?.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ status: parseStatus(buf), error: buf ? undefined : `no answer within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
    const parseStatus = (t: string) => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(t);
      return m ? Number(m[1]) : null;
    };
    const done_ = () => {
      const i = buf.indexOf("\r\n\r\n");
      const status = parseStatus(buf);
      finish(status === null ? { status: null, error: buf ? "not an HTTP answer" : "the connection closed without an answer" } : { status, body: i >= 0 ? buf.slice(i + 4, i + 4 + 2000) : "" });
    };
    try {
      client.forwardOut("127.0.0.1", 0, "127.0.0.1", port, (err, s) => {
        if (err) return finish({ status: null, error: `cannot connect (${err.message}); is the gateway running on the remote host?` });
        stream = s;
        s.on("data", (d: Buffer) => {
          if (buf.length < 65536) buf += d.toString("utf8");
        });
        s.on("error", (e: Error) => finish({ status: parseStatus(buf), error: e.message }));
        s.on("close", done_);
        s.on("end", done_);
        s.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nAccept: application/json\r\n\r\n`);
      });
    } catch (err) {
      finish({ status: null, error: (err as Error).message });
    }
  });
}
