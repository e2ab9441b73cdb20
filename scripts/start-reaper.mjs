// The other half of `npm start`'s promise that stopping it stops everything it started, however it is stopped.
// start.mjs cleans up itself on SIGINT/SIGTERM/SIGHUP and when its parent (npm) dies; but a process that is
// SIGKILLed runs no code. So start.mjs starts this small process in a group of its own, tells it on stdin
// what it started (JSON lines), and when start.mjs is gone — its end of the pipe closes, whatever killed it —
// this stops those things and exits. A clean stop sends {"done":true} first.
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const gatewayHandles = new Set();
const groups = new Set();
let done = false;
let buf = "";

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buf += chunk;
  for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    try {
      const m = JSON.parse(line);
      if (m.done) done = true;
      if (typeof m.gatewayHandle === "string") gatewayHandles.add(m.gatewayHandle);
      if (Number.isInteger(m.pgid) && m.pgid > 1) groups.add(m.pgid);
    } catch {
      /* not ours */
    }
  }
});
process.stdin.on("end", () => void reap());
process.stdin.on("error", () => void reap());
for (const sig of ["SIGHUP", "SIGINT", "SIGTERM"]) process.on(sig, () => undefined); // outlive the terminal

async function reap() {
  if (done) process.exit(0);
  const repoRoot = process.argv[2];
  const fixture = path.join(repoRoot, "out", "test", "fixtures", "gateway.js");
  for (const handle of gatewayHandles) {
    try {
      if (existsSync(fixture)) await (await import(pathToFileURL(fixture).href)).stopGatewayFromHandleFile(handle);
    } catch {
      /* best effort */
    }
  }
  for (const sig of ["SIGTERM", "SIGKILL"]) {
    for (const g of groups) {
      try {
        process.kill(-g, sig);
      } catch {
        /* gone */
      }
    }
    if (sig === "SIGTERM") await new Promise((r) => setTimeout(r, 3000));
  }
  process.exit(0);
}
