// Builds everything with esbuild:
//   dist/extension.js        the activation bundle (Node, CommonJS, `vscode` external): stand-ins only
//   dist/core.js             the extension's core, required by extension.js on first need
//   dist/ssh-main.js         the SSH transport's main-thread side (targets, errors, the worker proxy; no ssh2),
//                            required by the core when an SSH profile connects
//   dist/ssh-tunnel.js       ssh2 and the tunnel: the tunnel's worker script (in-thread only with KRABKRAB_SSH_WORKER=0)
//   dist/webview/*.js|css    the webview bundles (browser, IIFE): main-* per webview, lazy-* loaded on first need
//   out/test/**              the tests and fixtures (Node, CommonJS), run by scripts/test.mjs
//   out/bench/**             the benchmarks (Node, CommonJS), run by scripts/bench.mjs
// `--watch` rebuilds on change; `--production` minifies (used for the .vsix and the bench); `--dist-only` builds
// just what ships (dist/) and leaves out/ alone — the .vsix's `vscode:prepublish`, which may run while a test
// run is using out/.
import * as esbuild from "esbuild";
import { readdirSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "./peers.mjs";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
const distOnly = process.argv.includes("--dist-only");

// ssh2 tries `require('./crypto/build/Release/sshcrypto.node')` and cpu-features inside try/catch and
// falls back to pure JS. The extension host (Electron, another ABI) cannot load an addon built for the
// installing Node, so we never ship one: both resolve to a module that throws, which ssh2 catches.
const noNativeAddons = {
  name: "no-native-addons",
  setup(build) {
    build.onResolve({ filter: /(\.node$)|(^cpu-features$)/ }, (args) => ({ path: args.path, namespace: "no-native" }));
    build.onLoad({ filter: /.*/, namespace: "no-native" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`native addon ${args.path} is excluded from this bundle`)});`,
      loader: "js",
    }));
  },
};

// @openclaw/gateway-protocol builds ~1,500 TypeBox schemas at module top level (`const X = Type.Object(…)`,
// `closedObject(…)`) without /* @__PURE__ */ marks, so esbuild must keep every one of them although we use
// 13 validators. TypeBox's constructors only build plain schema objects: marking those calls pure lets
// tree shaking drop the unused schemas (≈130 KB of the minified extension). What remains is kept by
// expressions esbuild cannot prove pure (e.g. `WORKER_PROTOCOL_METHODS[0]` inside a schema).
const typeboxNamespace = path.join(repoRoot, "node_modules", "typebox", "build", "typebox.mjs");
const pureProtocolSchemas = {
  name: "pure-protocol-schemas",
  setup(build) {
    build.onLoad({ filter: /[/\\]@openclaw[/\\]gateway-protocol[/\\]dist[/\\][^/\\]+\.mjs$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      return {
        contents: text
          .replace(/^((?:export )?const [A-Za-z_$][\w$]* = )(?=[A-Za-z_$][\w$.]*\()/gm, "$1/* @__PURE__ */ ")
          .replace(/(?<![\w$.]|__ \*\/ )(Type\.[A-Z]\w*\(|closedObject\()/g, "/* @__PURE__ */ $1")
          // typebox's root index re-exports `Type` AND `export default Type`, which forces esbuild to build the
          // whole namespace object (every builder, the TypeScript-syntax parser…). Importing the namespace
          // module itself leaves only static `Type.X` accesses, which tree-shake.
          .replace(/^import \{ Type \} from "typebox";$/m, `import * as Type from ${JSON.stringify(typeboxNamespace)};`),
        loader: "js",
      };
    });
  },
};

function walk(dir, pred, acc = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "peers" && name !== "node_modules") walk(p, pred, acc);
    } else if (pred(p)) acc.push(p);
  }
  return acc;
}

const common = {
  bundle: true,
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "warning",
  legalComments: "none",
  absWorkingDir: repoRoot,
};

const nodeCommon = {
  ...common,
  platform: "node",
  format: "cjs",
  target: "node20",
  // ws's optional speedups are not installed; they are looked up inside try/catch.
  external: ["vscode", "bufferutil", "utf-8-validate"],
  plugins: [noNativeAddons, pureProtocolSchemas],
  mainFields: ["module", "main"],
};

export const configs = [
  {
    ...nodeCommon,
    // core.js is required by extension.js on first need (src/extension/extension.ts), ssh-tunnel.js by the core
    // when an SSH profile connects (src/extension/connection/ssh-transport.ts): activation parses only extension.js.
    entryPoints: { extension: "src/extension/extension.ts", core: "src/extension/core.ts", "ssh-main": "src/gateway/ssh/main-thread.ts", "ssh-tunnel": "src/gateway/ssh/index.ts" },
    outdir: "dist",
  },
  {
    ...common,
    platform: "browser",
    format: "iife",
    target: "es2022",
    // main-*.ts: one per webview; lazy-*.ts: feature scripts a main bundle loads on first need (src/webview/lazy.ts).
    entryPoints: walk(path.join(repoRoot, "src", "webview"), (p) => /[/\\](main|lazy)-[\w-]+\.ts$/.test(p)).map((p) => path.relative(repoRoot, p)),
    outdir: "dist/webview",
    loader: { ".ttf": "file", ".css": "css" },
    // markdown-it needs one function of `entities`; the browser decodes entities itself (saves 23 KB).
    alias: { entities: "./src/webview/entities-shim.ts" },
  },
  {
    ...nodeCommon,
    entryPoints: walk(path.join(repoRoot, "test"), (p) => /\.(test|fixture|suite|runner)\.ts$|[/\\]fixtures[/\\][\w-]+\.ts$|[/\\]suite[/\\]index\.ts$/.test(p)).map((p) =>
      path.relative(repoRoot, p),
    ),
    outdir: "out/test",
    outbase: "test",
    external: [...nodeCommon.external, "playwright-core", "mocha", "@vscode/test-electron"],
  },
  {
    // The bench (npm run bench): same plugins as the extension, so ssh2 runs without its native addon.
    ...nodeCommon,
    entryPoints: walk(path.join(repoRoot, "bench"), (p) => /.bench\.ts$/.test(p)).map((p) => path.relative(repoRoot, p)),
    outdir: "out/bench",
    outbase: "bench",
    external: [...nodeCommon.external, "playwright-core"],
  },
].filter((c) => (Array.isArray(c.entryPoints) ? c.entryPoints.length > 0 : true));

/** The configs that build what ships (dist/): the extension bundles and the webview bundles. */
export const shippedConfigs = configs.filter((c) => c.outdir === "dist" || c.outdir === "dist/webview");

export async function build() {
  const todo = distOnly ? shippedConfigs : configs;
  // Stale outputs (a source map from a development build, a renamed bundle) must not end up in a .vsix.
  rmSync(path.join(repoRoot, "dist"), { recursive: true, force: true });
  if (!distOnly) rmSync(path.join(repoRoot, "out"), { recursive: true, force: true });
  if (watch) {
    const ctxs = await Promise.all(todo.map((c) => esbuild.context(c)));
    await Promise.all(ctxs.map((c) => c.watch()));
    console.log("[build] watching…");
    return;
  }
  const t0 = Date.now();
  await Promise.all(todo.map((c) => esbuild.build(c)));
  console.log(`[build] done in ${Date.now() - t0} ms${production ? " (production)" : ""}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  build().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
