// Measures the webview bundles as they ship (minified, no source maps), in memory, and prints JSON:
//   node scripts/webview-size.mjs  →  {"main-chat.js": 242976, "main-chat.css": …, …}
// The budget test (test/webview/bundle-size.test.ts) runs this; so can anyone checking a new dependency.
import * as esbuild from "esbuild";
import { configs } from "./build.mjs";

const webview = configs.find((c) => c.outdir === "dist/webview");
const r = await esbuild.build({ ...webview, minify: true, sourcemap: false, write: false, outdir: "/size-only", metafile: true });
const sizes = {};
for (const f of r.outputFiles) sizes[f.path.split("/").pop()] = f.contents.length;
// Where the chat bundle's bytes come from, by package.
const inputs = {};
const chat = Object.entries(r.metafile.outputs).find(([out]) => out.endsWith("main-chat.js"))?.[1];
for (const [file, v] of Object.entries(chat?.inputs ?? {})) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split("/").slice(0, 2).join("/");
  inputs[pkg] = (inputs[pkg] ?? 0) + v.bytesInOutput;
}
console.log(JSON.stringify({ sizes, largestInputs: Object.fromEntries(Object.entries(inputs).sort((a, b) => b[1] - a[1]).slice(0, 8)) }));
