// platform/process-tree.ts: the plan for stopping a process tree on each OS, and how a plan is carried out
// when it cannot be (taskkill missing). Windows is decided here, not run; the Linux plan is run for real
// against a real tree in test/unit/platform-linux-real.test.ts.
import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { runKillPlan, treeKillPlan } from "../../../src/gateway/platform";
import { fakePlatform } from "../../support/fake-platform";

describe("treeKillPlan", () => {
  for (const os of ["linux", "darwin"] as const) {
    test(`${os}: the process group, SIGTERM first, SIGKILL to force and to sweep survivors`, () => {
      const p = fakePlatform(os);
      assert.deepEqual(treeKillPlan(4242, "terminate", p), { kind: "group", pid: 4242, signal: "SIGTERM" });
      assert.deepEqual(treeKillPlan(4242, "force", p), { kind: "group", pid: 4242, signal: "SIGKILL" });
      assert.deepEqual(treeKillPlan(4242, "sweep", p), { kind: "group", pid: 4242, signal: "SIGKILL" });
    });
  }
  test("win32: taskkill /T /F by its absolute path (SystemRoot, any case), and no sweep after the leader exits", () => {
    const p = fakePlatform("win32", { env: { SYSTEMROOT: "D:\\Win" } });
    const plan = { kind: "taskkill", file: "D:\\Win\\System32\\taskkill.exe", args: ["/PID", "4242", "/T", "/F"] };
    assert.deepEqual(treeKillPlan(4242, "terminate", p), plan);
    assert.deepEqual(treeKillPlan(4242, "force", p), plan);
    assert.equal(treeKillPlan(4242, "sweep", p).kind, "none");
    assert.equal((treeKillPlan(1, "terminate", fakePlatform("win32")) as { file: string }).file, "C:\\Windows\\System32\\taskkill.exe");
  });
  test("no usable pid: nothing to signal (never process.kill(-0), which is our own group)", () => {
    for (const pid of [0, -1, NaN]) assert.equal(treeKillPlan(pid, "terminate", fakePlatform("linux")).kind, "none");
  });
});

describe("runKillPlan", () => {
  test("a taskkill that cannot be started falls back to killing the direct child", async () => {
    let fellBack = 0;
    await runKillPlan({ kind: "taskkill", file: "/nonexistent/taskkill.exe", args: ["/PID", "1", "/T", "/F"] }, () => fellBack++);
    assert.equal(fellBack, 1);
  });
  test("a taskkill that runs but reports failure (the tree already exited) is not a reason to fall back", async () => {
    let fellBack = 0;
    await runKillPlan({ kind: "taskkill", file: process.execPath, args: ["-e", "process.exit(128)"] }, () => fellBack++);
    assert.equal(fellBack, 0);
  });
  test("a group that is already gone is fine; none does nothing", async () => {
    let fellBack = 0;
    // The highest pid Linux allows, as a group: it does not exist.
    await runKillPlan({ kind: "group", pid: 4194304, signal: "SIGTERM" }, () => fellBack++);
    await runKillPlan({ kind: "none", why: "test" }, () => fellBack++);
    assert.equal(fellBack, 0);
  });
});
