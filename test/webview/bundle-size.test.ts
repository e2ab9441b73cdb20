// The webview bundles stay small: each script ≤ 250 KB minified (markdown-it, DOMPurify, a highlight.js core
// with a few languages, the @vscode-elements components we use, zod/mini). Measured by building them the way
// they ship (scripts/webview-size.mjs). A lazy-*.js feature script (src/webview/lazy.ts) has the same budget;
// it is loaded only when its feature is first used, so it is not counted in its main bundle.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(__dirname, "../../..");
const BUDGET = 250 * 1024;

test("each webview script is within the 250 KB minified budget, and no forbidden package is bundled", () => {
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "webview-size.mjs")], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const { sizes, largestInputs } = JSON.parse(r.stdout) as { sizes: Record<string, number>; largestInputs: Record<string, number> };
  console.log(`webview bundle sizes: ${JSON.stringify(sizes)}; chat bundle by package: ${JSON.stringify(largestInputs)}`);
  const scripts = Object.entries(sizes).filter(([f]) => f.endsWith(".js"));
  // main-mentions.js: the @-mention list, which the side panel loads on the first "@" (src/webview/mention-loader.ts);
  // main-models.js: the model picker and context meter, which it loads once the chat is mounted (main-chat.ts).
  assert.deepEqual(scripts.map(([f]) => f).filter((f) => f.startsWith("main-")).sort(), ["main-chat.js", "main-dashboard.js", "main-mentions.js", "main-models.js"]);
  assert.deepEqual(scripts.map(([f]) => f).filter((f) => !/^(main|lazy)-[\w-]+\.js$/.test(f)), [], "every script is a main bundle or a lazy feature script");
  assert.ok(scripts.some(([f]) => f === "lazy-chat-tools.js"), "the chat tools (slash menu, session picker) are a lazy script");
  for (const [f, n] of scripts) assert.ok(n <= BUDGET, `${f} is ${n} bytes, over the ${BUDGET} budget`);
  assert.ok(Object.keys(sizes).some((f) => f.endsWith(".ttf")), "the codicon font ships with the webview assets");
  // The deprecated toolkit and the full zod build must not creep in.
  assert.equal(largestInputs["@vscode/webview-ui-toolkit"], undefined);
  assert.ok((largestInputs["zod"] ?? 0) < 40_000, "zod/mini, not the full zod");
});
