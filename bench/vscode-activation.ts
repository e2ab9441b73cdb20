// 6a. Activation time in the real VS Code (the 1.139 server inside code-server + its web workbench in headless
// Chromium, scripts/vscode-server.mjs), from the extension host's own timing. Each sample is a fresh start: new
// server, data, extensions and profile dirs, the production .vsix (written by scripts/bench.mjs) installed with
// the server's own `--install-extension`, a new Chromium.
//
// Where the figures come from: the extension host times every activation itself (ExtensionActivationTimesBuilder:
// codeLoadingTime = require() of `main`, activateCallTime = the synchronous activate() call, activateResolvedTime =
// until its returned promise settled) and sends them to the workbench in one RPC,
// `$onDidActivateExtension(id, codeLoadingTime, activateCallTime, activateResolvedTime, reason)` — the numbers
// "Developer: Show Running Extensions" / "Startup Performance" display. The exthost log only records that
// activation started, and the web workbench exposes no API for them, so we read that RPC off the
// workbench's WebSocket to the server (Chromium DevTools protocol frames; its arguments are JSON).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { fmt, summarize, type Results } from "./lib";

const ITEM = "6a. Activation in real VS Code";
const EXT_ID = "krabkrab.krabkrab-vscode";
const CONTROL_ID = "krabkrab.bench-empty"; // scripts/bench.mjs: an empty activate(), same activation event
const repoRoot = path.resolve(__dirname, "..", "..");

interface Times {
  codeLoadingTime: number;
  activateCallTime: number;
  activateResolvedTime: number;
  reason: { startup?: boolean; activationEvent?: string };
}

interface VsCodeServerModule {
  startVsCodeServer(o: Record<string, unknown>): Promise<{ url: string; stop(): Promise<void> }>;
  openInChromium(url: string, o: Record<string, unknown>): Promise<{ page: Page; close(): Promise<void> }>;
  findCodeServerDir(): Promise<string>;
  findNode24(): Promise<string>;
}

/** The JSON array of arguments that follows `$onDidActivateExtension` in an RPC frame, if it is for `id`. */
export function parseActivation(frame: string, id: string): Times | undefined {
  let at = frame.indexOf("$onDidActivateExtension");
  while (at >= 0) {
    const start = frame.indexOf("[", at);
    if (start < 0) return undefined;
    // A bracket-balanced scan (strings respected) finds the end of the argument array.
    let depth = 0;
    let inStr = false;
    let end = -1;
    for (let i = start; i < frame.length && end < 0; i++) {
      const c = frame[i];
      if (inStr) {
        if (c === "\\") i++;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === "[" || c === "{") depth++;
      else if ((c === "]" || c === "}") && --depth === 0) end = i;
    }
    if (end < 0) return undefined;
    try {
      const a = JSON.parse(frame.slice(start, end + 1)) as [{ value: string }, number, number, number, Times["reason"]];
      if (a[0]?.value?.toLowerCase() === id) return { codeLoadingTime: a[1], activateCallTime: a[2], activateResolvedTime: a[3], reason: a[4] };
    } catch {
      /* not an argument array: keep looking */
    }
    at = frame.indexOf("$onDidActivateExtension", end);
  }
  return undefined;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (b: Buffer) => (out += b.toString()));
    p.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", reject);
    p.on("exit", (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(" ")} … exited with ${code}: ${out.trim().split("\n").slice(-5).join(" | ")}`));
    });
  });
}

type Sample = Times & { toActivatedMs: number; control?: Times };

async function oneStart(m: VsCodeServerModule, vsix: string, controlVsix: string | undefined, log: (s: string) => void): Promise<Sample> {
  const rootDir = mkdtempSync(path.join(os.tmpdir(), "kk-bench-activation-"));
  const folder = path.join(rootDir, "workspace");
  mkdirSync(folder, { recursive: true });
  try {
    // Install the .vsix with the same server binary, into this start's own extensions dir.
    const serverMain = path.join(await m.findCodeServerDir(), "lib", "vscode", "out", "server-main.js");
    const node = await m.findNode24();
    const dirs = ["server-data", "user-data", "extensions", "home"].map((d) => path.join(rootDir, d));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    await run(
      node,
      [serverMain, "--accept-server-license-terms", "--server-data-dir", dirs[0]!, "--user-data-dir", dirs[1]!, "--extensions-dir", dirs[2]!, "--install-extension", vsix, ...(controlVsix ? ["--install-extension", controlVsix] : []), "--force"],
      { ...process.env, HOME: dirs[3]!, EXTENSIONS_GALLERY: "{}" },
      120_000,
    );
    const server = await m.startVsCodeServer({ rootDir, folder, smokeTestDriver: false });
    let browser: { page: Page; close(): Promise<void> } | undefined;
    try {
      // Open a blank page first so the WebSocket listener is in place before the workbench loads.
      browser = await m.openInChromium("about:blank", { rootDir });
      const page = browser.page;
      let t0 = 0;
      let ours: Sample | undefined;
      let control: Times | undefined;
      const got = new Promise<Sample>((resolve, reject) => {
        const timer = setTimeout(() => (ours ? resolve(ours) : reject(new Error("no $onDidActivateExtension for the extension within 120 s"))), 120_000);
        page.on("websocket", (ws) => {
          ws.on("framereceived", (f) => {
            const text = typeof f.payload === "string" ? f.payload : f.payload.toString("latin1");
            if (!text.includes("$onDidActivateExtension")) return;
            const t = parseActivation(text, EXT_ID);
            if (t) {
              ours = { ...t, toActivatedMs: Date.now() - t0 };
              setTimeout(() => resolve(ours!), 15_000); // the control is context: do not wait long for it
            }
            control ??= parseActivation(text, CONTROL_ID);
            if (ours && (control || !controlVsix)) {
              clearTimeout(timer);
              resolve({ ...ours, control });
            }
          });
        });
      });
      t0 = Date.now();
      await page.goto(server.url, { waitUntil: "domcontentloaded", timeout: 60_000 });
      const t = await got;
      log(`[bench] activation: ${JSON.stringify(t)}`);
      return t;
    } finally {
      await browser?.close();
      await server.stop();
    }
  } finally {
    rmSync(rootDir, { recursive: true, force: true });
  }
}

export async function benchActivation(res: Results, quick: boolean): Promise<void> {
  const vsix = process.env.KRABKRAB_BENCH_VSIX;
  if (!vsix) throw new Error("KRABKRAB_BENCH_VSIX is not set: run through `npm run bench` (scripts/bench.mjs writes the .vsix)");
  // A variable path keeps esbuild from bundling the .mjs helper (as test/ui does).
  const m = (await import(pathToFileURL(path.join(repoRoot, "scripts", "vscode-server.mjs")).href)) as VsCodeServerModule;
  const n = quick ? 3 : 7;
  const controlVsix = process.env.KRABKRAB_BENCH_CONTROL_VSIX;
  // Another build's .vsix (e.g. one saved before a change): its starts alternate with ours, so both see the
  // same machine load, and it gets its own rows.
  const baselineVsix = process.env.KRABKRAB_BENCH_ACTIVATION_BASELINE_VSIX;
  const samples: Sample[] = [];
  const baseline: Sample[] = [];
  for (let i = 0; i < n; i++) {
    if (baselineVsix && i % 2) baseline.push(await oneStart(m, baselineVsix, controlVsix, (s) => console.log(s.replace("activation:", "activation (baseline):"))));
    samples.push(await oneStart(m, vsix, controlVsix, console.log));
    if (baselineVsix && !(i % 2)) baseline.push(await oneStart(m, baselineVsix, controlVsix, (s) => console.log(s.replace("activation:", "activation (baseline):"))));
  }
  report(res, samples, n, "", true);
  if (baselineVsix) report(res, baseline, n, ` — baseline ${path.basename(baselineVsix)}, starts alternating with ours`, false);
}

function report(res: Results, samples: Sample[], n: number, suffix: string, goal: boolean): void {
  const sum = (k: keyof Omit<Times, "reason">) => summarize(samples.map((s) => s[k]));
  const total = summarize(samples.map((s) => s.codeLoadingTime + s.activateCallTime + s.activateResolvedTime));
  const row = (kase: string, s: ReturnType<typeof summarize>, notes?: string) => res.rows.push({ item: ITEM, case: kase + suffix, path: "VS Code 1.139 server (code-server) + Chromium", unit: "ms", summary: s, notes });
  row("activation: codeLoadingTime (require of dist/extension.js)", sum("codeLoadingTime"));
  row("activation: activateCallTime (activate() call)", sum("activateCallTime"));
  row("activation: activateResolvedTime (its promise settled)", sum("activateResolvedTime"));
  row("activation: total of the three", total, `${n} fresh starts; event ${samples[0]?.reason.activationEvent ?? "?"}`);
  const ctl = samples.flatMap((s) => (s.control ? [s.control] : []));
  const ctlTotal = summarize(ctl.map((c) => c.codeLoadingTime + c.activateCallTime + c.activateResolvedTime));
  if (ctl.length) row("control: an empty extension, same event, same starts — total of the three", ctlTotal, `code loading p50 ${fmt(summarize(ctl.map((c) => c.codeLoadingTime)).p50)} ms: the host's start-up load, paid by any extension`);
  // Ours minus the control in the same start, then the median: the host's start-up load cancels out per start.
  const paired = samples.flatMap((s) => (s.control ? [s.codeLoadingTime + s.activateCallTime + s.activateResolvedTime - (s.control.codeLoadingTime + s.control.activateCallTime + s.control.activateResolvedTime)] : []));
  if (paired.length) row("ours minus the control, per start", summarize(paired));
  row("page load → activation reported (context, not a goal)", summarize(samples.map((s) => s.toActivatedMs)));
  const key = `activation time in real VS Code (extension host's own timing: code loading + activate call + resolve), median of ${n} fresh starts${suffix}`;
  res.facts.push({ item: ITEM, key, value: `${fmt(total.p50)} ms (${fmt(sum("codeLoadingTime").p50)} + ${fmt(sum("activateCallTime").p50)} + ${fmt(sum("activateResolvedTime").p50)})`, ...(goal ? { goal: "≤ 30 ms", met: total.p50 <= 30 } : {}) });
  if (ctl.length) {
    const over = total.p50 - ctlTotal.p50;
    res.facts.push({ item: ITEM, key: `ours minus the control extension (medians of the same starts)${suffix}`, value: `${fmt(over)} ms (${fmt(total.p50)} − ${fmt(ctlTotal.p50)}); per-start difference p50 ${fmt(summarize(paired).p50)} ms`, ...(goal ? { goal: "≤ 30 ms", met: over <= 30 } : {}) });
  }
}
