// How to stop a process and everything it started, per OS. The gateway spawns helpers of its own; stopping
// only the direct child would orphan them (and keep the port or files busy).
// - POSIX: the child was spawned detached, so it leads its own process group; signalling -pid reaches the
//   whole tree, and the group id stays reserved while any member lives, so a later sweep cannot hit a
//   stranger.
// - Windows has no process groups for this. `taskkill /T` walks the parent links while the leader is
//   alive; without /F it only posts WM_CLOSE, which a console program never sees, so it is /T /F. Once the
//   leader is gone its PID may be reused and its children no longer point at it, so there is no sweep
//   after exit. (A job object would hold the tree reliably but needs native code; taskkill ships with
//   every Windows since XP.)
import { execFile } from "node:child_process";
import { envGet, type Platform } from "./platform";

export type KillPhase = "terminate" | "force" | "sweep";

export type KillPlan =
  | { kind: "group"; pid: number; signal: NodeJS.Signals }
  | { kind: "taskkill"; file: string; args: string[] }
  | { kind: "none"; why: string };

/** terminate = ask the tree to stop; force = it did not in time; sweep = the leader exited, end any survivor. */
export function treeKillPlan(pid: number, phase: KillPhase, p: Platform): KillPlan {
  if (!Number.isInteger(pid) || pid <= 0) return { kind: "none", why: "no process id" };
  if (p.os !== "win32") return { kind: "group", pid, signal: phase === "terminate" ? "SIGTERM" : "SIGKILL" };
  if (phase === "sweep") return { kind: "none", why: "on Windows the tree can only be found while its leader runs" };
  // The absolute path: a taskkill.exe planted earlier on PATH must not be what runs.
  const file = p.path.join(envGet(p, "SystemRoot") || "C:\\Windows", "System32", "taskkill.exe");
  return { kind: "taskkill", file, args: ["/PID", String(pid), "/T", "/F"] };
}

/**
 * Carries out a plan. A process that is already gone is not an error. `fallback` runs when the plan cannot
 * be carried out at all (e.g. taskkill is missing), typically `child.kill()` on the direct child.
 */
export function runKillPlan(plan: KillPlan, fallback?: () => void): Promise<void> {
  if (plan.kind === "none") return Promise.resolve();
  if (plan.kind === "group") {
    try {
      process.kill(-plan.pid, plan.signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") fallback?.();
    }
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    // Exit code 128 = "not found" (already exited): fine. Only a failure to start taskkill falls back.
    execFile(plan.file, plan.args, { windowsHide: true, timeout: 15_000 }, (err) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === "string") fallback?.();
      resolve();
    });
  });
}
