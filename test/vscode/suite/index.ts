// The mocha entry VS Code loads in its extension host (`--extensionTestsPath` / the `extensionTestsPath`
// payload of the web workbench). It runs every `*.suite.js` the build put next to this file.
// KRABKRAB_VSCODE_GREP (in the extension host's env) limits the run to matching tests.
import * as fs from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: "bdd",
    timeout: 60_000,
    color: false,
    reporter: "spec",
  });
  if (process.env.KRABKRAB_VSCODE_GREP) mocha.grep(process.env.KRABKRAB_VSCODE_GREP);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".suite.js"))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`no *.suite.js files next to ${__filename} (did the build run?)`));
      return;
    }
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} VS Code test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err);
    }
  });
}
