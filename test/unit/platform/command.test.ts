// platform/command.ts: finding the gateway CLI and the argv handed to spawn, for Windows, macOS and Linux,
// decided on this Linux machine with injected platforms. The Windows shims are byte-exact output of npm's
// own cmd-shim (test/fixtures/npm-shims/README.md). Nothing here runs Windows: the plans are checked, and
// test/unit/platform-linux-real.test.ts runs the Linux plan for real.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { CommandPlanError, resolveCommand, spawnPlan } from "../../../src/gateway/platform";
import { fakePlatform } from "../../support/fake-platform";

const shims = path.resolve(__dirname, "../../../../test/fixtures/npm-shims");
const shim = (name: string) => readFileSync(path.join(shims, name), "utf8");

const NPM = "C:\\Users\\me\\AppData\\Roaming\\npm";
const NODEJS = "C:\\Program Files\\nodejs";
const SCRIPT = `${NPM}\\node_modules\\openclaw\\openclaw.mjs`;
const ARGS = ["gateway", "run", "--port", "18789", "--token", "tok-abc_123"];

/** A typical Windows laptop: Node from the installer, global npm prefix in %AppData%\npm (quoted in Path). */
function windows(extra: { files?: Record<string, string>; env?: NodeJS.ProcessEnv } = {}) {
  return fakePlatform("win32", {
    files: {
      [`${NPM}\\openclaw.cmd`]: shim("openclaw.cmd"),
      [`${NPM}\\openclaw.ps1`]: shim("openclaw.ps1"),
      [`${NPM}\\openclaw`]: shim("openclaw"),
      [SCRIPT]: "#!/usr/bin/env node\n",
      [`${NODEJS}\\node.exe`]: "MZ",
      [`${NODEJS}\\openclaw.js`]: "// Windows Script Host would run this; must never be picked",
      "C:\\tools\\krabkrab.exe": "MZ",
      ...extra.files,
    },
    env: { Path: `${NODEJS};"${NPM}";C:\\tools`, PATHEXT: ".COM;.JS;.EXE;.BAT;.CMD;.VBS", SystemRoot: "C:\\Windows", ...extra.env },
  });
}

describe("resolveCommand on Windows", () => {
  test("an npm-installed CLI resolves to its .cmd through PATHEXT; .JS in PATHEXT and the sh shim are ignored", () => {
    assert.equal(resolveCommand("openclaw", windows()), `${NPM}\\openclaw.cmd`);
  });
  test("a name that already has an extension is used as is (krabkrab.exe, not krabkrab.exe.EXE)", () => {
    assert.equal(resolveCommand("krabkrab.exe", windows()), "C:\\tools\\krabkrab.exe");
    assert.equal(resolveCommand("krabkrab", windows()), "C:\\tools\\krabkrab.exe");
    assert.equal(resolveCommand("openclaw.exe", windows()), null);
  });
  test("PATHEXT order decides between an .exe and a .cmd in the same directory", () => {
    const p = windows({ files: { "C:\\tools\\krabkrab.cmd": "@echo off\r\n" } });
    assert.equal(resolveCommand("krabkrab", p), "C:\\tools\\krabkrab.exe");
    const cmdFirst = windows({ files: { "C:\\tools\\krabkrab.cmd": "@echo off\r\n" }, env: { PATHEXT: ".CMD;.EXE" } });
    assert.equal(resolveCommand("krabkrab", cmdFirst), "C:\\tools\\krabkrab.cmd");
  });
  test("without PATHEXT the Windows default applies; a full path gets the extensions too", () => {
    const p = windows({ env: { PATHEXT: undefined } });
    assert.equal(resolveCommand("openclaw", p), `${NPM}\\openclaw.cmd`);
    assert.equal(resolveCommand("C:\\tools\\krabkrab", p), "C:\\tools\\krabkrab.exe");
    assert.equal(resolveCommand("C:/tools/krabkrab.exe", p), "C:\\tools\\krabkrab.exe");
  });
  test("the variable is found whatever its case (Path, PATH), and the current directory is never searched", () => {
    const upper = windows({ env: { Path: undefined, PATH: `"${NPM}"` } });
    assert.equal(resolveCommand("openclaw", upper), `${NPM}\\openclaw.cmd`);
    assert.equal(resolveCommand("nothing-here", windows()), null);
  });
});

describe("spawnPlan on Windows", () => {
  test("an npm .cmd shim runs as node.exe <its script> — no cmd.exe, arguments untouched", () => {
    const plan = spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, windows());
    assert.deepEqual(plan, { file: `${NODEJS}\\node.exe`, args: [SCRIPT, ...ARGS], detached: false, windowsVerbatimArguments: false, via: "npm-shim", script: SCRIPT });
  });
  test("a node.exe next to the shim is preferred, as the shim itself does", () => {
    const plan = spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, windows({ files: { [`${NPM}\\node.exe`]: "MZ" } }));
    assert.equal(plan.file, `${NPM}\\node.exe`);
  });
  test("an older npm's shim (%~dp0, node on the last line) resolves the same way", () => {
    const old = `@IF EXIST "%~dp0\\node.exe" (\r\n  "%~dp0\\node.exe"  "%~dp0\\node_modules\\openclaw\\openclaw.mjs" %*\r\n) ELSE (\r\n  @SETLOCAL\r\n  @SET PATHEXT=%PATHEXT:;.JS;=;%\r\n  node  "%~dp0\\node_modules\\openclaw\\openclaw.mjs" %*\r\n)\r\n`;
    const plan = spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, windows({ files: { [`${NPM}\\openclaw.cmd`]: old } }));
    assert.deepEqual([plan.file, plan.args[0], plan.via], [`${NODEJS}\\node.exe`, SCRIPT, "npm-shim"]);
  });
  test("when the .cmd cannot be read as a shim, the .ps1 and then the sh shim beside it name the script", () => {
    const broken = windows({ files: { [`${NPM}\\openclaw.cmd`]: "@echo off\r\nrem edited by hand\r\n" } });
    assert.equal(spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, broken).args[0], SCRIPT);
    const onlySh = fakePlatform("win32", { files: { [`${NPM}\\openclaw.cmd`]: "@echo off\r\n", [`${NPM}\\openclaw`]: shim("openclaw"), [SCRIPT]: "", [`${NODEJS}\\node.exe`]: "" }, env: { PATH: NODEJS } });
    assert.equal(spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, onlySh).args[0], SCRIPT);
  });
  test("no node.exe next to the shim or on PATH: a clear error, not a bare EINVAL", () => {
    const p = windows({ env: { Path: `"${NPM}"` } });
    assert.throws(() => spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, p), (e: unknown) => e instanceof CommandPlanError && /needs Node\.js/.test(e.message) && /node\.exe/.test(e.message));
    // A node.cmd (a version manager's shim) on PATH does not count: it would need cmd.exe again.
    const nodeCmd = windows({ env: { Path: `C:\\nvm;"${NPM}"` }, files: { "C:\\nvm\\node.cmd": "@echo off\r\n" } });
    assert.throws(() => spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, nodeCmd), CommandPlanError);
  });
  test("a shim whose script is gone says so", () => {
    const gone = fakePlatform("win32", { files: { [`${NPM}\\openclaw.cmd`]: shim("openclaw.cmd"), [`${NODEJS}\\node.exe`]: "" }, env: { PATH: NODEJS } });
    assert.throws(() => spawnPlan(`${NPM}\\openclaw.cmd`, ARGS, gone), (e: unknown) => e instanceof CommandPlanError && e.message.includes(SCRIPT) && /does not exist/.test(e.message));
  });
  test("a shim for an .exe (no shebang) runs the .exe directly", () => {
    const bin = `${NPM}\\bin`;
    const exe = `${NPM}\\node_modules\\openclaw\\tool.exe`;
    const p = fakePlatform("win32", { files: { [`${bin}\\tool.cmd`]: shim("tool.cmd"), [exe]: "MZ" } });
    assert.deepEqual(spawnPlan(`${bin}\\tool.cmd`, ARGS, p), { file: exe, args: ARGS, detached: false, windowsVerbatimArguments: false, via: "direct" });
  });
  test("an .exe runs directly; other extensions are refused", () => {
    assert.deepEqual(spawnPlan("C:\\tools\\krabkrab.exe", ARGS, windows()), { file: "C:\\tools\\krabkrab.exe", args: ARGS, detached: false, windowsVerbatimArguments: false, via: "direct" });
    assert.throws(() => spawnPlan("C:\\tools\\krabkrab.ps1", ARGS, windows()), CommandPlanError);
  });
  test("a batch file that is not an npm shim goes through cmd.exe, every part quoted, /d /s /c", () => {
    const bat = "C:\\Program Files (x86)\\KrabKrab\\krabkrab.bat";
    const p = windows({ files: { [bat]: "@echo off\r\nnode %~dp0\\main.js %*\r\n" } });
    const plan = spawnPlan(bat, ARGS, p);
    assert.deepEqual(plan, {
      file: "C:\\Windows\\System32\\cmd.exe",
      args: ["/d", "/s", "/c", `""${bat}" "gateway" "run" "--port" "18789" "--token" "tok-abc_123""`],
      detached: false,
      windowsVerbatimArguments: true,
      via: "cmd.exe",
    });
    assert.equal(spawnPlan(bat, [], windows({ files: { [bat]: "" }, env: { ComSpec: "D:\\cmd.exe" } })).file, "D:\\cmd.exe");
  });
  test("through cmd.exe, an argument with a character it would interpret is refused, and never echoed", () => {
    const bat = "C:\\tools\\krabkrab.bat";
    const p = windows({ files: { [bat]: "@echo off\r\n" } });
    for (const bad of ["a&calc", "%PATH%", 'x"y', "!x!", "a|b", "a>b", "(x)", "a^b", "line\nbreak", "C:\\dir\\"]) {
      assert.throws(() => spawnPlan(bat, ["gateway", `--token=${bad}`], p), (e: unknown) => e instanceof CommandPlanError && /argument 2/.test(e.message) && !e.message.includes(bad), JSON.stringify(bad));
    }
    assert.throws(() => spawnPlan("C:\\100%\\krabkrab.bat", [], windows({ files: { "C:\\100%\\krabkrab.bat": "" } })), CommandPlanError);
  });
});

describe("resolveCommand and spawnPlan on macOS and Linux", () => {
  for (const os of ["darwin", "linux"] as const) {
    const home = os === "darwin" ? "/Users/me" : "/home/me";
    const p = () =>
      fakePlatform(os, {
        files: { [`${home}/bin/krabkrab`]: "not executable", "/opt/homebrew/bin/krabkrab.cmd": "" },
        executables: ["/opt/homebrew/bin/krabkrab", "/usr/local/bin/openclaw"],
        env: { PATH: `${home}/bin:/opt/homebrew/bin:/usr/local/bin`, PATHEXT: ".CMD" },
      });
    test(`${os}: PATH order, executable files only, no PATHEXT`, () => {
      assert.equal(resolveCommand("krabkrab", p()), "/opt/homebrew/bin/krabkrab");
      assert.equal(resolveCommand("openclaw", p()), "/usr/local/bin/openclaw");
      assert.equal(resolveCommand(`${home}/bin/krabkrab`, p()), null);
      assert.equal(resolveCommand("/usr/local/bin/openclaw", p()), "/usr/local/bin/openclaw");
    });
    test(`${os}: spawned directly in its own process group, arguments untouched`, () => {
      assert.deepEqual(spawnPlan("/opt/homebrew/bin/krabkrab", ARGS, p()), { file: "/opt/homebrew/bin/krabkrab", args: ARGS, detached: true, windowsVerbatimArguments: false, via: "direct" });
    });
  }
});
