// The platform layer's Linux decisions, carried out for real on this machine: an npm global install layout
// (bin/<name> → ../lib/node_modules/<pkg>/<script>.mjs, a symlink to a `#!/usr/bin/env node` script, as
// npm's bin-links writes it on POSIX) is found on PATH, planned and spawned; the process tree it starts is
// stopped through the Linux kill plan with no survivor. Windows and macOS cannot run here: their decisions
// are in platform-command / platform-process-tree / platform-ssh-locations tests.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { currentPlatform, resolveCommand, runKillPlan, spawnPlan, treeKillPlan } from "../../../src/gateway/platform";

const work = mkdtempSync(path.join(tmpdir(), "kk-platform-"));
after(() => rmSync(work, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pids: number[], ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (pids.some(alive)) {
    if (Date.now() - t0 > ms) assert.fail(`still running after ${ms} ms: ${pids.filter(alive).join(", ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An npm global prefix with one package whose CLI starts a helper child (as the gateway does). */
function npmPrefix(helperIgnoresTerm: boolean): string {
  const prefix = mkdtempSync(path.join(work, "prefix-"));
  const pkg = path.join(prefix, "lib", "node_modules", "openclaw");
  mkdirSync(pkg, { recursive: true });
  mkdirSync(path.join(prefix, "bin"));
  // The helper says "ready" once its SIGTERM handler is in place; the CLI reports only then.
  const helper = `${helperIgnoresTerm ? "process.on('SIGTERM', () => {});" : ""} console.log("ready"); setInterval(() => {}, 1000);`;
  writeFileSync(
    path.join(pkg, "openclaw.mjs"),
    `#!/usr/bin/env node
import { spawn } from "node:child_process";
const child = spawn(process.execPath, ["-e", ${JSON.stringify(helper)}], { stdio: ["ignore", "pipe", "ignore"] });
child.stdout.once("data", () => console.log(JSON.stringify({ argv: process.argv.slice(2), pid: process.pid, helper: child.pid })));
setInterval(() => {}, 1000);
`,
  );
  chmodSync(path.join(pkg, "openclaw.mjs"), 0o755);
  symlinkSync("../lib/node_modules/openclaw/openclaw.mjs", path.join(prefix, "bin", "openclaw"));
  return prefix;
}

async function startThroughPlatform(prefix: string, args: string[]) {
  // node itself is found through PATH by the script's `#!/usr/bin/env node`, as on a user's machine.
  const env = { ...process.env, PATH: `${path.join(prefix, "bin")}:${path.dirname(process.execPath)}:/usr/bin:/bin` };
  const p = currentPlatform({ env });
  const resolved = resolveCommand("openclaw", p);
  assert.equal(resolved, path.join(prefix, "bin", "openclaw"));
  const plan = spawnPlan(resolved!, args, p);
  assert.deepEqual(plan, { file: resolved, args, detached: true, windowsVerbatimArguments: false, via: "direct" });
  const child = spawn(plan.file, plan.args, { env, detached: plan.detached, stdio: ["ignore", "pipe", "inherit"], shell: false });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (c: Buffer) => {
      buf += c.toString();
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
  });
  const info = JSON.parse(line) as { argv: string[]; pid: number; helper: number };
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  return { child, info, exited, p };
}

test("Linux: an npm-installed CLI is found on PATH, spawned without a shell, and gets its arguments verbatim", async () => {
  const args = ["gateway", "run", "--token", "a b;$(echo no)&|*"];
  const { child, info, exited, p } = await startThroughPlatform(npmPrefix(false), args);
  assert.deepEqual(info.argv, args);
  assert.equal(info.pid, child.pid);
  await runKillPlan(treeKillPlan(child.pid!, "terminate", p));
  await exited;
  await gone([info.pid, info.helper]);
});

test("Linux: a helper that ignores SIGTERM outlives its leader and is ended by the sweep — no survivor", async () => {
  const { child, info, exited, p } = await startThroughPlatform(npmPrefix(true), ["gateway", "run"]);
  await runKillPlan(treeKillPlan(child.pid!, "terminate", p));
  await exited;
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(alive(info.helper), "the helper ignores SIGTERM, so it must still run here (else this test proves nothing)");
  await runKillPlan(treeKillPlan(child.pid!, "sweep", p));
  await gone([info.helper]);
});
