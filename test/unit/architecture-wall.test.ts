// The wall between rooms: src/gateway is plain Node (never `vscode`), src/webview runs in a browser
// (no Node built-ins, no Node-only packages, nothing from src/gateway or src/extension), src/shared is
// imported by both sides (so neither `vscode` nor Node), and nothing imports src/extension. Inside the
// extension, src/extension/common holds the vscode-free modules (tested without VS Code, the webview shell the
// Chromium tests load): it imports neither `vscode` nor the rest of src/extension.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(__dirname, "../../..");
const src = path.join(root, "src");
const NODE_ONLY_PACKAGES = ["ws", "ssh2", "ssh-config", "json5", "@openclaw/gateway-client", "@vscode/test-electron"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx|mts|js)$/.test(n) ? [p] : [];
  });
}

/** Every module specifier a file imports (static, dynamic, require, export-from). */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  return out;
}

type Room = "gateway" | "extension" | "webview" | "shared";
function roomOf(file: string): Room | null {
  const rel = path.relative(src, file).split(path.sep)[0];
  return rel === "gateway" || rel === "extension" || rel === "webview" || rel === "shared" ? rel : null;
}

/** The rule itself: returns a reason when `spec`, imported from a file in `room`, crosses the wall. */
export function violation(room: Room, fromFile: string, spec: string): string | null {
  const bare = spec.replace(/^node:/, "");
  const isBuiltin = spec.startsWith("node:") || builtinModules.includes(bare.split("/")[0]!);
  const target = spec.startsWith(".") ? roomOf(path.resolve(path.dirname(fromFile), spec)) : null;
  if (target === "extension" && room !== "extension") return `${room} imports src/extension`;
  const common = path.join(src, "extension", "common") + path.sep;
  if (fromFile.startsWith(common)) {
    if (spec === "vscode") return "src/extension/common imports 'vscode'";
    if (target === "extension" && !path.resolve(path.dirname(fromFile), spec).startsWith(common)) return "src/extension/common imports the rest of src/extension";
  }
  if (spec === "vscode" && (room === "gateway" || room === "webview" || room === "shared")) return `${room} imports 'vscode'`;
  if (room === "webview" || room === "shared") {
    if (isBuiltin) return `${room} imports the Node built-in '${spec}'`;
    if (NODE_ONLY_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) return `${room} imports the Node-only package '${spec}'`;
    if (target === "gateway") return `${room} imports src/gateway`;
  }
  return null;
}

test("the rule catches each kind of crossing (so the wall test can fail)", () => {
  const f = (r: Room) => path.join(src, r, "x.ts");
  assert.ok(violation("gateway", f("gateway"), "vscode"));
  assert.ok(violation("webview", f("webview"), "node:fs"));
  assert.ok(violation("webview", f("webview"), "child_process"));
  assert.ok(violation("webview", f("webview"), "ws"));
  assert.ok(violation("webview", f("webview"), "../gateway/operator-client"));
  assert.ok(violation("gateway", f("gateway"), "../extension/extension"));
  assert.ok(violation("shared", f("shared"), "vscode"));
  assert.equal(violation("extension", f("extension"), "vscode"), null);
  const c = path.join(src, "extension", "common", "x.ts");
  assert.ok(violation("extension", c, "vscode"));
  assert.ok(violation("extension", c, "../views/status-bar"));
  assert.equal(violation("extension", c, "./approval-text"), null);
  assert.equal(violation("extension", c, "../../gateway"), null);
  assert.equal(violation("extension", f("extension"), "../gateway"), null);
  assert.equal(violation("webview", f("webview"), "../shared/contract"), null);
  assert.deepEqual(importsOf(`import x from "a"; import "b"; const c = require('c'); await import("d"); export * from './e';`), ["a", "b", "c", "d", "./e"]);
});

test("no source file crosses the wall between rooms", () => {
  const problems: string[] = [];
  let scanned = 0;
  for (const file of files(src)) {
    const room = roomOf(file);
    if (!room) continue;
    scanned++;
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const why = violation(room, file, spec);
      if (why) problems.push(`${path.relative(root, file)}: ${why} ('${spec}')`);
    }
  }
  assert.ok(scanned > 5, `expected to scan the sources, scanned ${scanned}`);
  assert.deepEqual(problems, []);
});

// OS-specific decisions live in src/gateway/platform (tested there for win32, darwin and linux); code
// elsewhere that compares process.platform would be an untested Windows/macOS branch.
const PLATFORM_BRANCH = /process\.platform\s*[!=]==?|[!=]==?\s*process\.platform|switch\s*\(\s*process\.platform|\bos\.platform\(\)\s*[!=]==?/;

test("only src/gateway/platform branches on the operating system", () => {
  assert.ok(PLATFORM_BRANCH.test(`if (process.platform !== "win32") x();`) && PLATFORM_BRANCH.test(`"darwin" === process.platform`) && PLATFORM_BRANCH.test("switch (process.platform) {"));
  assert.ok(!PLATFORM_BRANCH.test("platform: opts.platform ?? process.platform,"), "reporting the platform is not branching on it");
  const platformDir = path.join(src, "gateway", "platform") + path.sep;
  const offenders = files(src).filter((f) => !f.startsWith(platformDir) && PLATFORM_BRANCH.test(readFileSync(f, "utf8")));
  assert.deepEqual(offenders.map((f) => path.relative(root, f)), []);
});
