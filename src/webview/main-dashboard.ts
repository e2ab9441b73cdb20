// Entry of the dashboard panel: health, presence, nodes (describe / invoke / approve pending) and the chat.
// The host pushes a fresh DashboardView on every relevant gateway event and on Refresh; this renders it.
import "@vscode/codicons/dist/codicon.css";
import "./chat.css";
import "./dashboard.css";
import type { AnyRequestType, ParamsArg } from "../shared/contract/protocol";
import { NodeDescribe, NodeInvoke, PairApprove, RefreshDashboard } from "../shared/contract/requests";
import { DashboardViewSchema, type DashboardView, type Fact, type NodeView } from "../shared/contract/views";
import { mountChat } from "./chat-app";
import "./elements";
import { HostBridge } from "./vscode-api";

const bridge = new HostBridge();
const app = document.getElementById("app")!;
/** The fact cards: [section id, codicon, title] (fixed strings: no remote text goes into this HTML). */
const FACT_CARDS = [
  ["gateway", "server", "Gateway"],
  ["channels", "radio-tower", "Channels"],
  ["agents", "hubot", "Agents"],
  ["sessions", "comment-discussion", "Sessions"],
  ["eventLoop", "pulse", "Event loop"],
  ["memory", "database", "Memory"],
] as const;
app.innerHTML = `
<div class="dash">
  <div class="dash-main">
    <div class="dash-bar">
      <h1>KrabKrab Dashboard</h1>
      <span class="muted" id="updated"></span>
      <span class="spacer"></span>
      <vscode-button secondary id="refresh" title="Refresh now"><span class="codicon codicon-refresh"></span> Refresh</vscode-button>
    </div>
    <div class="dash-errors" id="errors" role="alert"></div>
    <div class="cards">
      ${FACT_CARDS.map(([id, icon, title]) => `<section class="card" id="sec-${id}"><h2><span class="codicon codicon-${icon}"></span> ${title}</h2><dl></dl></section>`).join("")}
    </div>
    <section class="card wide" id="sec-presence"><h2><span class="codicon codicon-broadcast"></span> Connected clients</h2><div class="rows"></div></section>
    <section class="card wide" id="sec-pending"><h2><span class="codicon codicon-shield"></span> Pending pairing requests</h2><div class="rows"></div></section>
    <section class="card wide" id="sec-nodes"><h2><span class="codicon codicon-vm"></span> Nodes</h2><div class="rows"></div></section>
    <section class="card wide" id="sec-output" hidden><h2><span class="codicon codicon-output"></span> <span id="output-title">Result</span></h2><pre id="output"></pre></section>
  </div>
  <div class="dash-chat" id="chat"></div>
</div>`;

const $ = (id: string) => document.getElementById(id)!;
let dash: DashboardView | null = null;
let frame = 0;

bridge.on((msg) => {
  if (msg.type !== "dashboard") return;
  dash = msg.dashboard;
  bridge.patchState({ dashboard: dash });
  if (!frame) frame = requestAnimationFrame(render);
});

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function facts(id: string, list: Fact[]) {
  const dl = $(id).querySelector("dl")!;
  dl.replaceChildren(
    ...list.flatMap((f) => {
      const dd = el("dd", f.tone ?? "", f.value);
      return [el("dt", "", f.label), dd];
    }),
  );
  if (list.length === 0) dl.append(el("dd", "muted", "—"));
}

function render() {
  frame = 0;
  if (!dash) return;
  $("updated").textContent = `updated ${new Date(dash.updatedAt).toLocaleTimeString()}`;
  $("errors").replaceChildren(...dash.errors.map((e) => el("div", "dash-error", `${e.section}: ${e.message}`)));
  let factCount = 0;
  for (const [id] of FACT_CARDS) {
    facts(`sec-${id}`, dash[id]);
    factCount += dash[id].length;
  }
  const presence = $("sec-presence").querySelector(".rows")!;
  presence.replaceChildren(...dash.presence.map((p) => row(p.label, p.detail)));
  if (!dash.presence.length) presence.append(el("div", "muted", "No clients reported."));
  const pending = $("sec-pending").querySelector(".rows")!;
  pending.replaceChildren(
    ...dash.pending.map((p) => {
      const r = row(`${p.kind}: ${p.displayName ?? p.requestId}`, [p.platform, p.detail].filter(Boolean).join(" · "));
      r.append(button("Approve", "codicon-check", () => void act(`Approve ${p.kind} ${p.displayName ?? p.requestId}`, PairApprove, { kind: p.kind, pairRequestId: p.requestId })));
      return r;
    }),
  );
  $("sec-pending").hidden = dash.pending.length === 0;
  const nodes = $("sec-nodes").querySelector(".rows")!;
  nodes.replaceChildren(...dash.nodes.map(nodeRow));
  if (!dash.nodes.length) nodes.append(el("div", "muted", "No nodes. Run `krabkrab node run` on a machine to add one."));
  bridge.post({ type: "rendered", view: "dashboard", items: dash.presence.length, domRows: document.querySelectorAll(".card dd, .card .row").length, nodes: dash.nodes.length, facts: factCount });
}

function row(title: string, detail: string): HTMLElement {
  const r = el("div", "row");
  r.append(el("span", "row-title", title), el("span", "muted", detail));
  return r;
}

function button(label: string, icon: string, onClick: () => void): HTMLElement {
  const b = document.createElement("vscode-button");
  b.setAttribute("secondary", "");
  b.append(el("span", `codicon ${icon}`), ` ${label}`);
  b.addEventListener("click", onClick);
  return b;
}

function nodeRow(n: NodeView): HTMLElement {
  const r = row(n.displayName ?? n.nodeId, [n.state, n.platform, n.version && `v${n.version}`, n.commands.length ? `${n.commands.length} commands` : ""].filter(Boolean).join(" · "));
  r.classList.add("node", n.state);
  r.prepend(el("span", `codicon ${n.state === "connected" ? "codicon-pass-filled" : n.state === "pending" ? "codicon-watch" : "codicon-circle-large-outline"}`));
  r.append(button("Describe", "codicon-info", () => void act(`Describe ${n.displayName ?? n.nodeId}`, NodeDescribe, { nodeId: n.nodeId })));
  if (n.state === "connected" && n.commands.length) {
    const form = el("form", "invoke");
    const sel = el("select");
    sel.setAttribute("aria-label", "Command");
    for (const c of n.commands) sel.append(Object.assign(el("option", "", c), { value: c }));
    const params = el("input");
    params.placeholder = "params (JSON, optional)";
    params.setAttribute("aria-label", "Parameters as JSON");
    const go = button("Invoke", "codicon-play", () => form.requestSubmit());
    form.append(sel, params, go);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = params.value.trim();
      if (text) {
        try {
          JSON.parse(text);
        } catch (err) {
          return show(`Invoke ${sel.value}`, `Parameters are not valid JSON: ${(err as Error).message}`, true);
        }
      }
      void act(`Invoke ${sel.value} on ${n.displayName ?? n.nodeId}`, NodeInvoke, { nodeId: n.nodeId, command: sel.value, params: text || undefined });
    });
    r.append(form);
  }
  return r;
}

function show(title: string, text: string, error = false) {
  $("sec-output").hidden = false;
  $("output-title").textContent = title;
  $("output").textContent = text;
  $("output").className = error ? "error" : "";
}

async function act<T extends AnyRequestType>(title: string, type: T, ...params: ParamsArg<T>) {
  show(title, "…");
  try {
    const result: unknown = await bridge.request(type, ...params);
    show(title, typeof result === "string" ? result : JSON.stringify(result, null, 2));
  } catch (err) {
    show(title, (err as Error).message, true);
  }
}

$("refresh").addEventListener("click", () => void act("Refresh", RefreshDashboard).then(() => ($("sec-output").hidden = true)));

// Restore the last view at once (panel restored after a reload), then ask the host for fresh data.
const saved = DashboardViewSchema.safeParse(bridge.getState<{ dashboard: unknown }>().dashboard);
if (saved.success) {
  dash = saved.data;
  render();
}
mountChat($("chat"), bridge, "dashboard");
bridge.post({ type: "ready", view: "dashboard", sessionKey: bridge.getState<{ sessionKey: string }>().sessionKey });
