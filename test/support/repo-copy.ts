// A fresh copy of this checkout, as a new clone would have it: the files git tracks plus the untracked ones it
// does not ignore (so a developer's uncommitted work is what is tested), without node_modules, out/, dist/ or
// any cache. node_modules is linked (its install is not what these tests are about; `npm ci` is checked by
// the stamp setup.mjs writes, which the link carries).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "..", "..", "..");

export function copyRepo(prefix = "kk-clone-"): string {
  const r = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ls-files failed in ${repoRoot}: ${r.stderr}`);
  const dest = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const f of r.stdout.split("\0").filter(Boolean)) {
    const to = path.join(dest, f);
    mkdirSync(path.dirname(to), { recursive: true });
    try {
      copyFileSync(path.join(repoRoot, f), to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // a tracked file deleted in the work tree
    }
  }
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(dest, "node_modules"), "dir");
  return dest;
}

/** The environment an npm script would get, minus anything of an outer npm run (the test runs under one). */
export function shellEnv(over: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
