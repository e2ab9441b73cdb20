// The activation bundle (dist/extension.js, what VS Code requires at start-up) stays a shell: the light
// stand-ins of src/extension and nothing else — no package, no src/gateway, no heavy extension module. The
// client, validators and schemas live in dist/core.js, required on first need (src/extension/extension.ts).
import { strict as assert } from "node:assert";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
// What extension.ts may pull in at run time (type imports cost nothing). Adding one here is a decision:
// it is parsed on every VS Code start.
const ALLOWED = ["src/extension/extension.ts", "src/extension/views/lazy-views.ts", "src/extension/connection/settings-light.ts", "src/extension/views/status-bar.ts"];

test("dist/extension.js holds only the activation shell, and is small; the core is a separate bundle", async () => {
  // A variable specifier keeps esbuild from bundling itself into this test (its API must run from its package).
  const pkg = "esbuild";
  const esbuild = (await import(pkg)) as typeof import("esbuild");
  const { configs } = (await import(pathToFileURL(path.join(repoRoot, "scripts", "build.mjs")).href)) as { configs: import("esbuild").BuildOptions[] };
  const ext = configs.find((c) => c.outdir === "dist")!;
  const entries = ext.entryPoints as Record<string, string>;
  assert.equal(entries.core, "src/extension/core.ts", "dist/core.js is built");
  const r = await esbuild.build({ ...ext, entryPoints: { extension: entries.extension! }, minify: true, sourcemap: false, metafile: true, write: false, outdir: path.join(repoRoot, "dist"), logLevel: "silent" });
  const out = Object.entries(r.metafile!.outputs).find(([f]) => f.endsWith("extension.js"))![1];
  const inputs = Object.keys(out.inputs).map((f) => f.split(path.sep).join("/"));
  assert.deepEqual(inputs.filter((f) => !ALLOWED.includes(f)), [], "only the shell's own modules are on the activation path");
  assert.ok(out.bytes < 16 * 1024, `dist/extension.js is ${out.bytes} bytes minified`);
});

test("dist/ssh-main.js (what the extension host's thread loads for an SSH profile) holds no ssh2: ssh2 runs in the tunnel's worker", async () => {
  const pkg = "esbuild";
  const esbuild = (await import(pkg)) as typeof import("esbuild");
  const { configs } = (await import(pathToFileURL(path.join(repoRoot, "scripts", "build.mjs")).href)) as { configs: import("esbuild").BuildOptions[] };
  const ext = configs.find((c) => c.outdir === "dist")!;
  const entries = ext.entryPoints as Record<string, string>;
  const inputsOf = async (name: string) => {
    const r = await esbuild.build({ ...ext, entryPoints: { [name]: entries[name]! }, minify: true, sourcemap: false, metafile: true, write: false, outdir: path.join(repoRoot, "dist"), logLevel: "silent" });
    const out = Object.entries(r.metafile!.outputs).find(([f]) => f.endsWith(`${name}.js`))![1];
    return Object.keys(out.inputs).map((f) => f.split(path.sep).join("/"));
  };
  const main = await inputsOf("ssh-main");
  const full = await inputsOf("ssh-tunnel");
  assert.ok(full.some((f) => f.includes("node_modules/ssh2/")), "the full SSH bundle has ssh2 (else this check proves nothing)");
  assert.deepEqual(main.filter((f) => f.includes("node_modules/ssh2/") || f.endsWith("src/gateway/ssh/tunnel.ts")), [], "no ssh2 and no in-thread tunnel in the main-thread bundle");
  assert.ok(main.includes("src/gateway/ssh/worker-proxy.ts"), "the worker proxy is what the main thread runs");
});
