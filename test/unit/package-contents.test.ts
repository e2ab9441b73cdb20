// What the .vsix holds, as @vscode/vsce lists it (`vsce ls`, the packager's own view of .vscodeignore): the
// manifest, README, LICENSE, the three extension bundles (activation, core, SSH), the webview assets and media — and nothing else: no
// sources, tests, scripts, docs/ (the README's screenshots), source maps, lock files, node_modules or native addons.
import { strict as assert } from "node:assert";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";

const repoRoot = path.resolve(__dirname, "..", "..", "..");

test("vsce ls: the .vsix keeps the bundles, webview assets and media, and nothing of the sources", async () => {
  const { listPackagedFiles } = (await import(pathToFileURL(path.join(repoRoot, "scripts", "package.mjs")).href)) as { listPackagedFiles(): string[] };
  const files = listPackagedFiles();
  for (const must of ["package.json", "README.md", "LICENSE", "dist/extension.js", "dist/core.js", "dist/ssh-main.js", "dist/ssh-tunnel.js", "dist/webview/main-chat.js", "dist/webview/main-dashboard.js", "dist/webview/lazy-chat-tools.js", "dist/webview/main-models.js", "dist/webview/main-mentions.js", "media/krabkrab.svg", "media/icon.png"]) {
    assert.ok(files.includes(must), `${must} is in the .vsix (vsce ls: ${files.join(", ")})`);
  }
  assert.ok(files.some((f) => /^dist\/webview\/.+\.css$/.test(f)), "the webview CSS is in the .vsix");
  assert.ok(files.some((f) => /^dist\/webview\/.+\.ttf$/.test(f)), "the codicon font is in the .vsix");
  const forbidden = files.filter((f) => /^(src|test|scripts|bench|out|docs|node_modules|\.ci|\.vscode)\/|\.map$|\.ts$|\.node$|^package-lock\.json$|^tsconfig.*\.json$|\.vsix$/.test(f));
  assert.deepEqual(forbidden, [], "no sources, tests, docs (the README's screenshots), maps, lock files, node_modules or native addons");
});
