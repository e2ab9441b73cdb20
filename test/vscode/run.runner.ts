// Runs the VS Code integration suite (out/test/vscode/suite/index.js) with the stock @vscode/test-electron
// runTests(). Here no desktop VS Code can be downloaded, so by default `vscodeExecutablePath` is an executable
// shim (scripts/vscode-shim.mjs) that drives the real VS Code server + web workbench from the pinned code-server
// peer in headless Chromium. KRABKRAB_VSCODE_DESKTOP=1 lets runTests download and use desktop VS Code instead
// (a machine with internet and a display).
//
//   node scripts/build.mjs && node out/test/vscode/run.runner.js [--grep <pattern>]
//
// Everything in this process's env, plus `extensionTestsEnv` below, reaches the extension host; tests get e.g.
// KRABKRAB_TEST_GATEWAY_URL that way.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runTests } from "@vscode/test-electron";

const repoRoot = path.resolve(__dirname, "..", "..", "..");

function shimExecutable(): string {
  // runTests spawns the executable directly (no shell on Linux/macOS): a tiny wrapper pins the Node running
  // this runner, so neither the .mjs file's mode bit nor PATH matters.
  const shim = path.join(repoRoot, "scripts", "vscode-shim.mjs");
  const wrapper = path.join(repoRoot, "out", "vscode-shim.sh");
  fs.mkdirSync(path.dirname(wrapper), { recursive: true });
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(shim)} "$@"\n`, { mode: 0o755 });
  fs.chmodSync(wrapper, 0o755);
  return wrapper;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const grepAt = argv.indexOf("--grep");
  const grep = grepAt >= 0 ? argv[grepAt + 1] : undefined;
  const desktop = process.env.KRABKRAB_VSCODE_DESKTOP === "1";

  const extensionTestsPath = path.join(repoRoot, "out", "test", "vscode", "suite", "index.js");
  if (!fs.existsSync(extensionTestsPath)) {
    console.error(`${extensionTestsPath} is missing: run \`node scripts/build.mjs\` first`);
    return 1;
  }
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "krabkrab-vscode-ws-"));
  const extensionTestsEnv: Record<string, string> = {
    KRABKRAB_VSCODE_TEST_RUN: "1",
    ...(grep ? { KRABKRAB_VSCODE_GREP: grep } : {}),
  };
  try {
    return await runTests({
      ...(desktop ? {} : { vscodeExecutablePath: shimExecutable() }),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      launchArgs: [workspace],
      extensionTestsEnv,
    });
  } catch (err) {
    const code = (err as { code?: number }).code;
    console.error(err instanceof Error ? err.message : String(err));
    return typeof code === "number" && code !== 0 ? code : 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
