// Model output → safe DOM. markdown-it with raw HTML off renders; DOMPurify then sanitizes the result anyway
// (defence in depth: a markdown-it bug or plugin must not become script execution). Links keep only
// http(s)/mailto hrefs and never navigate the webview: clicks go to the host, which opens them with
// openExternal (VS Code asks the user first). Images are not fetched (CSP allows no remote images).
import DOMPurify from "dompurify";
import MarkdownIt, { type Env } from "markdown-it";
import { escapeHtml, highlight } from "./highlight";

/** Options for one render. `plainFenceLine`: the (0-based) line of a fence that is still open in a streaming
 * reply; it is shown as escaped text so highlight.js (the slowest step, and auto-detection on a half-written
 * block would guess a different language each frame) runs once, when its closing fence arrives. */
export interface RenderEnv extends Env {
  plainFenceLine?: number;
}

export const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });

// Fenced code: highlighted, wrapped with a toolbar the chat wires up (Copy / Insert / Open in editor).
md.renderer.rules.fence = (tokens, idx, _options, env?: RenderEnv) => {
  const token = tokens[idx]!;
  const info = token.info.trim().split(/\s+/)[0]?.toLowerCase() || undefined;
  const open = env?.plainFenceLine !== undefined && token.map?.[0] === env.plainFenceLine;
  const { html, language } = open ? { html: escapeHtml(token.content), language: info } : highlight(token.content, info);
  const label = escapeHtml(language ?? info ?? "text");
  return `<div class="codeblock" data-lang="${label}"><div class="codebar"><span class="lang">${label}</span><span class="spacer"></span><button type="button" class="code-action" data-action="copy" title="Copy"><span class="codicon codicon-copy"></span></button><button type="button" class="code-action" data-action="insert" title="Insert at Cursor"><span class="codicon codicon-insert"></span></button><button type="button" class="code-action" data-action="open" title="Open in Editor"><span class="codicon codicon-go-to-file"></span></button></div><pre><code class="hljs">${html}</code></pre></div>`;
};

// Aligned table columns: markdown-it writes style="text-align:…", which the webview's CSP (no inline style)
// refuses with a console error, losing the alignment. The presentational `align` attribute says the same and is
// allowed by both the CSP and DOMPurify's list.
md.core.ruler.push("table_align", (state) => {
  for (const t of state.tokens) {
    if (t.type !== "th_open" && t.type !== "td_open") continue;
    const m = /^text-align:(left|right|center)$/.exec(String(t.attrGet("style") ?? ""));
    if (!m) continue;
    t.attrs = (t.attrs ?? []).filter(([name]) => name !== "style");
    t.attrSet("align", m[1]!);
  }
});

const SAFE_HREF = /^(https?:|mailto:)/i;
md.validateLink = (url) => SAFE_HREF.test(url.trim());

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (!SAFE_HREF.test(href.trim())) node.removeAttribute("href");
    else node.setAttribute("data-external", "1");
    node.removeAttribute("target");
  }
});

const PURIFY: Parameters<typeof DOMPurify.sanitize>[1] = {
  ALLOWED_TAGS: ["a", "b", "blockquote", "br", "button", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"],
  ALLOWED_ATTR: ["href", "title", "class", "data-action", "data-lang", "type", "start", "align"],
  // Inert data-* attributes carry our code-block actions; model output cannot create attributes (html: false).
  ALLOW_DATA_ATTR: true,
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  // DOMPurify checks the value of every attribute that is not "URI-safe" against ALLOWED_URI_REGEXP, so with
  // ours `align="left"`, `<ol start="3">` and `type="button"` were dropped. None of them is a URL on the tags we
  // allow; their values are inert.
  ADD_URI_SAFE_ATTR: ["align", "start", "type"],
};

const PURIFY_FRAGMENT = { ...PURIFY, RETURN_DOM_FRAGMENT: true } as const;

/** Sanitized HTML for a markdown string. */
export function renderMarkdown(text: string): string {
  return DOMPurify.sanitize(md.render(text), PURIFY);
}

/** The rendered markdown as a sanitized fragment: the only way markdown reaches the DOM (never raw innerHTML). */
export function markdownFragment(text: string, env: RenderEnv = {}): DocumentFragment {
  return DOMPurify.sanitize(md.render(text, env), PURIFY_FRAGMENT);
}

/** Replaces the children of `el` with the rendered markdown. */
export function setMarkdown(el: HTMLElement, text: string): void {
  el.replaceChildren(markdownFragment(text));
}
