// Incremental markdown for a reply that is streamed as "the whole text so far" many times a second.
// Re-rendering the whole reply per frame made the cost per frame grow with the reply (issue 17). Instead the
// text is split into its top-level markdown blocks with markdown-it's own block parser (so a split never falls
// inside a fenced code block, a list or a table: the boundaries are the ones a whole render has), and each
// block is rendered and sanitized on its own. A block whose source (and render mode) is unchanged keeps its
// DOM nodes; as a reply grows, only the last block, the one being written, is rendered again.
//
// Why the pieces add up to the whole: markdown-it renders each top-level token subtree independently of its
// neighbours, so the concatenation of the blocks' renders equals the render of the whole text. The one
// cross-block dependency is reference definitions (`[x]: https://…` anywhere defines `[x]` everywhere): the
// definitions found in the whole text are passed to every block's render and are part of each block's key.
// A Chromium test compares the incremental result with a from-scratch render.
//
// Every block's HTML goes through DOMPurify (markdownFragment), as before: caching keeps sanitized nodes,
// it never skips sanitization of new HTML.
import type { Token } from "markdown-it";
import { markdownFragment, md, type RenderEnv } from "./markdown";

interface Block {
  key: string;
  nodes: Node[];
}

interface BlockSource {
  src: string;
  env: RenderEnv;
  key: string;
}

const state = new WeakMap<HTMLElement, Block[]>();

// markdown-it's core `normalize` rule, which a bare block parse skips: line ends and NUL as a render sees them.
const normalize = (s: string) => s.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");

const CLOSING_FENCE = /^(`{3,}|~{3,})[ \t]*$/;

/** The top-level blocks of `text`. `streaming`: the last block may hold an unclosed fence, shown unhighlighted. */
export function splitBlocks(text: string, streaming: boolean): BlockSource[] {
  const src = normalize(text);
  const env: RenderEnv = {};
  const tokens: Token[] = [];
  const st = new md.block.State(src, md, env, tokens);
  md.block.tokenize(st, st.line, st.lineMax);
  const refs = env.references && Object.keys(env.references).length ? env.references : undefined;
  const refsKey = refs ? JSON.stringify(refs) : "";
  const lineStart = (l: number) => (l < st.lineMax ? st.bMarks[l]! : src.length);
  const ranges: [number, number][] = [];
  for (const t of tokens) if (t.level === 0 && t.nesting >= 0 && t.map) ranges.push([t.map[0], t.map[1]]);
  // An open fence can only be in the last block: an unclosed fence runs to the end of the text.
  let openFence: number | undefined;
  if (streaming && ranges.length) {
    for (const t of tokens) {
      if (t.type !== "fence" || !t.map || t.map[1] < st.lineMax) continue;
      const last = t.map[1] - 1;
      // Strip list indentation and blockquote markers: the closing fence of a nested block sits behind them.
      const line = src.slice(st.bMarks[last], st.eMarks[last]).replace(/^[ \t>]*/, "");
      const m = CLOSING_FENCE.exec(line);
      const closed = last > t.map[0] && !!m && m[1]![0] === t.markup[0] && m[1]!.length >= t.markup.length;
      if (!closed) openFence = t.map[0];
    }
  }
  return ranges.map(([a, b], i) => {
    const blockEnv: RenderEnv = {};
    if (refs) blockEnv.references = { ...refs };
    const isLast = i === ranges.length - 1;
    if (isLast && openFence !== undefined && openFence >= a) blockEnv.plainFenceLine = openFence - a;
    const s = src.slice(lineStart(a), lineStart(b));
    return { src: s, env: blockEnv, key: `${blockEnv.plainFenceLine ?? "h"}\u0000${refsKey}\u0000${s}` };
  });
}

/** Whether `el` was filled block by block (so a further render can keep its nodes). */
export function hasBlocks(el: HTMLElement): boolean {
  return state.has(el);
}

/**
 * Renders `text` into `el`, reusing the DOM nodes of blocks that did not change since the last call on `el`.
 * `el` must be filled only through this function (its children are tracked per block).
 */
export function renderMarkdownBlocks(el: HTMLElement, text: string, streaming: boolean): void {
  const next = splitBlocks(text, streaming);
  const prev = state.get(el);
  // Nodes tracked for `el` but no longer its children mean someone else changed it: start over.
  const intact = prev !== undefined && prev.every((b) => b.nodes.every((n) => n.parentNode === el));
  if (!intact) el.replaceChildren();
  const old = intact ? prev : [];
  let same = 0;
  while (same < old.length && same < next.length && old[same]!.key === next[same]!.key) same++;
  // The block being written is usually the first that differs, and it differs by a few characters at its end:
  // its new (sanitized) render is morphed into the old nodes, so the paragraph element stays and its last text
  // node grows in place, which lets Chromium re-lay-out the change instead of a fresh 4,000-word paragraph.
  const blocks = old.slice(0, same);
  let i = same;
  if (i < old.length && i < next.length) {
    const b = next[i]!;
    const frag = markdownFragment(b.src, b.env);
    blocks.push({ key: b.key, nodes: morphChildren(el, old[i]!.nodes, [...frag.childNodes], old[i + 1]?.nodes[0] ?? null) });
    i++;
  }
  for (let j = i; j < old.length; j++) for (const n of old[j]!.nodes) el.removeChild(n);
  for (; i < next.length; i++) {
    const b = next[i]!;
    const frag = markdownFragment(b.src, b.env);
    const nodes = [...frag.childNodes];
    el.append(frag);
    blocks.push({ key: b.key, nodes });
  }
  state.set(el, blocks);
}

/** Same element shape: tag and every attribute equal (then only the children may differ). */
function sameShell(a: Element, b: Element): boolean {
  if (a.tagName !== b.tagName || a.attributes.length !== b.attributes.length) return false;
  for (const at of b.attributes) if (a.getAttribute(at.name) !== at.value) return false;
  return true;
}

/**
 * Makes `parent`'s run of `olds` (followed by `before`) look like `news`, keeping old nodes where they already
 * match. Everything that ends up in the DOM comes from `news` — the sanitized fragment: kept elements have
 * exactly its tag and attributes, kept text nodes take its text. Returns the nodes now in the run.
 */
function morphChildren(parent: Node, olds: Node[], news: Node[], before: Node | null): Node[] {
  const out: Node[] = [];
  const n = Math.max(olds.length, news.length);
  for (let k = 0; k < n; k++) {
    const o = olds[k];
    const w = news[k];
    if (!w) {
      parent.removeChild(o!);
      continue;
    }
    if (o && o.nodeType === Node.TEXT_NODE && w.nodeType === Node.TEXT_NODE) {
      const t = o as Text;
      const data = (w as Text).data;
      if (t.data !== data) {
        if (data.startsWith(t.data)) t.appendData(data.slice(t.data.length));
        else t.data = data;
      }
      out.push(o);
    } else if (o && o.nodeType === Node.ELEMENT_NODE && w.nodeType === Node.ELEMENT_NODE && sameShell(o as Element, w as Element)) {
      morphChildren(o, [...o.childNodes], [...w.childNodes], null);
      out.push(o);
    } else {
      if (o) parent.replaceChild(w, o);
      else parent.insertBefore(w, before);
      out.push(w);
    }
  }
  return out;
}
