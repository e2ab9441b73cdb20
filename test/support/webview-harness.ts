// Loads a built webview bundle (dist/webview) in real headless Chromium, inside the same HTML shell and CSP
// the extension uses (src/extension/common/webview-shell.ts), with a stand-in host that speaks the real contract:
// every webview message is validated with WebviewMessageSchema, requests are answered by a test handler
// (or, when it answers undefined, with a result that fits the request's declared result), and host messages are posted to the page the way VS Code delivers them (a window `message` event).
// A missing Chromium or bundle fails the test with the reason; nothing is skipped.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { renderShell } from "../../src/extension/common/webview-shell";
import { parseMessage, WebviewMessageSchema, type CHAT_FEATURE_REQUESTS, type HostMessage, type REQUESTS, type ResultOf, type WebviewMessage, type WebviewRequest } from "../../src/shared/contract";

// Bundled into out/test/<dir>/ by the tests and into out/bench/ by the bench: find the checkout by its manifest.
export const repoRoot = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) if (existsSync(path.join(d, "package.json")) && existsSync(path.join(d, "src", "webview"))) return d;
  return path.resolve(__dirname, "../../..");
})();
const dist = path.join(repoRoot, "dist", "webview");
const CHROMIUM = process.env.KRABKRAB_CHROMIUM || "/usr/bin/chromium";

/** Answers a request; `undefined` means "the default answer" (DEFAULT_RESULTS). */
export type RequestHandler = (req: WebviewRequest) => unknown | Promise<unknown>;

type Request = (typeof REQUESTS)[number] | (typeof CHAT_FEATURE_REQUESTS)[number];
/** What the stand-in host answers when the test's handler does not: the webview checks every result against the contract. */
const DEFAULT_RESULTS: { [R in Request as R["method"]]: ResultOf<R> } = {
  send: { id: "send:harness", queued: false },
  abort: {},
  loadOlder: {},
  connect: {},
  listSessions: [],
  switchSession: {},
  newSession: { sessionKey: "vscode-harness" },
  openLink: { opened: true },
  copyText: {},
  insertCode: {},
  openCode: {},
  addEditorContext: { label: "harness.ts", text: "" },
  answerQuestion: {},
  skipQuestion: {},
  refreshDashboard: {},
  nodeDescribe: {},
  nodeInvoke: {},
  pairApprove: { ok: true },
  getSessionInfo: { info: null },
  listModels: [],
  patchSession: {},
  compactSession: { compacted: false, reason: "harness" },
  reviewChanges: { files: 1 },
  mentionSearch: { items: [] },
  mentionResolve: { label: "harness.ts", text: "" },
  listCommands: { commands: [] },
  renameSession: {},
  deleteSession: { deleted: false },
  forkSession: { sessionKey: "vscode-fork-harness" },
  forkAtMessage: { sessionKey: "agent:main:dashboard-fork-harness" },
};

export interface Harness {
  page: Page;
  context: BrowserContext;
  origin: string;
  /** Every valid message the webview posted, in order. */
  received: WebviewMessage[];
  /** Messages the webview posted that failed the contract (must stay empty). */
  invalidFromWebview: string[];
  /** Every network request the page made after it loaded (must stay empty in the security tests). */
  lateRequests: string[];
  dialogs: string[];
  cspViolations: string[];
  post(msg: HostMessage | unknown): Promise<void>;
  /** Posts many messages in one task (as a burst of gateway events would arrive). */
  postBurst(msgs: (HostMessage | unknown)[]): Promise<void>;
  onRequest(h: RequestHandler): void;
  waitFor<T>(what: string, fn: () => T | undefined | null | false, ms?: number): Promise<T>;
  waitForRendered(pred: (m: Extract<WebviewMessage, { type: "rendered" }>) => boolean, ms?: number): Promise<Extract<WebviewMessage, { type: "rendered" }>>;
  close(): Promise<void>;
}

function contentType(f: string) {
  return f.endsWith(".js") ? "text/javascript" : f.endsWith(".css") ? "text/css" : f.endsWith(".ttf") ? "font/ttf" : f.endsWith(".map") ? "application/json" : "application/octet-stream";
}

export async function openWebview(bundle: "chat" | "dashboard", opts: { state?: unknown; viewport?: { width: number; height: number } } = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`npm test\` (scripts/setup.mjs installs it) or apt-get install chromium.`);
  if (!existsSync(path.join(dist, `main-${bundle}.js`))) throw new Error(`dist/webview/main-${bundle}.js is missing: run \`npm run build\` first.`);
  const { chromium } = await import("playwright-core");

  const nonce = randomBytes(16).toString("base64");
  let origin = "";
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(renderShell({ cspSource: origin, nonce, asset: (f) => `${origin}/dist/webview/${f}`, bundle, title: `KrabKrab ${bundle}` }));
      return;
    }
    const m = /^\/dist\/webview\/([\w.-]+)$/.exec(url.pathname);
    const file = m ? path.join(dist, m[1]!) : null;
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": contentType(file) });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;

  const root = mkdtempSync(path.join(process.env.KRABKRAB_TEST_WORKDIR ?? tmpdir(), "webview-chromium-"));
  const home = path.join(root, "home");
  mkdirSync(home, { recursive: true });
  const context = await chromium.launchPersistentContext(path.join(root, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), XDG_CACHE_HOME: path.join(home, ".cache") },
    viewport: opts.viewport ?? { width: 420, height: 800 },
    timeout: 60_000,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const page = context.pages()[0] ?? (await context.newPage());

  const received: WebviewMessage[] = [];
  const invalidFromWebview: string[] = [];
  const lateRequests: string[] = [];
  const dialogs: string[] = [];
  const cspViolations: string[] = [];
  let handler: RequestHandler = () => undefined;
  let loaded = false;

  const answer = async (req: WebviewRequest) => {
    let reply: HostMessage;
    try {
      reply = { type: "response", requestId: req.requestId, ok: true, result: (await handler(req)) ?? DEFAULT_RESULTS[req.type] };
    } catch (err) {
      reply = { type: "response", requestId: req.requestId, ok: false, error: (err as Error).message };
    }
    await page.evaluate((m) => window.postMessage(m, "*"), reply).catch(() => {});
  };

  // The stand-in for VS Code's acquireVsCodeApi(): messages go to the test through a binding; state is kept here.
  let state: unknown = opts.state;
  await context.exposeBinding("__krabkrabToHost", (_src, raw: unknown) => {
    const parsed = parseMessage(WebviewMessageSchema, raw);
    if (!parsed.ok) {
      invalidFromWebview.push(parsed.reason);
      return;
    }
    received.push(parsed.value);
    if ("requestId" in parsed.value) void answer(parsed.value);
  });
  await context.exposeBinding("__krabkrabSetState", (_src, s: unknown) => void (state = s));
  await context.addInitScript((initial) => {
    let s = initial;
    (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => (window as unknown as { __krabkrabToHost: (m: unknown) => void }).__krabkrabToHost(m),
      getState: () => s,
      setState: (v: unknown) => {
        s = v;
        (window as unknown as { __krabkrabSetState: (m: unknown) => void }).__krabkrabSetState(v);
      },
    });
    document.addEventListener("securitypolicyviolation", (e) => ((window as unknown as { __csp: string[] }).__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`));
  }, state);
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (loaded) lateRequests.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/.test(m.text())) cspViolations.push(m.text());
  });

  await page.goto(`${origin}/`, { waitUntil: "load" });
  // Fonts and stylesheets come with the load; anything requested after this is the content's doing.
  await page.waitForFunction(() => document.fonts.status === "loaded");
  loaded = true;

  const waitFor = async <T>(what: string, fn: () => T | undefined | null | false, ms = 15_000): Promise<T> => {
    const t0 = Date.now();
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const h: Harness = {
    page,
    context,
    origin,
    received,
    invalidFromWebview,
    lateRequests,
    dialogs,
    cspViolations,
    // Delivered as a `message` event dispatched synchronously, so when post() resolves the webview has handled
    // it. A window.postMessage() here would be a task the page runs later, and Chromium may run a following
    // input task (setInputFiles, click) first: a test then acts on the state from before its own post.
    post: async (msg) => {
      await page.evaluate((m) => void window.dispatchEvent(new MessageEvent("message", { data: m })), msg as object);
    },
    postBurst: async (msgs) => {
      await page.evaluate((ms) => {
        for (const m of ms) window.postMessage(m, "*");
      }, msgs as object[]);
    },
    onRequest: (fn) => void (handler = fn),
    waitFor,
    waitForRendered: (pred, ms) => {
      const start = received.length;
      return waitFor("a matching `rendered` report", () => received.slice(start).find((m): m is Extract<WebviewMessage, { type: "rendered" }> => m.type === "rendered" && pred(m)), ms);
    },
    close: async () => {
      await context.close().catch(() => {});
      await new Promise((r) => server.close(r));
      rmSync(root, { recursive: true, force: true });
    },
  };
  await waitFor("the webview's ready message", () => received.find((m) => m.type === "ready"));
  return h;
}

/** WCAG contrast ratio of two CSS colours ("rgb(…)" / "rgba(…)"). */
export function contrast(fg: string, bg: string): number {
  const parse = (c: string) => (c.match(/[\d.]+/g) ?? ["0", "0", "0"]).slice(0, 3).map(Number);
  const lum = (c: number[]) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const a = lum(parse(fg));
  const b = lum(parse(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
