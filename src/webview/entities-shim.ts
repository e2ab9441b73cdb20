// Stands in for the `entities` package inside the webview bundle (esbuild alias in scripts/build.mjs).
// markdown-it imports only decodeHTMLStrict, and only to decode one named entity such as "&copy;";
// the browser's own HTML parser knows every entity, so the 23 KB entity table need not ship.
// DOMParser documents are inert: nothing in them runs or loads.
const cache = new Map<string, string>();
let parser: DOMParser | null = null;

export function decodeHTMLStrict(s: string): string {
  if (!/^&[a-z][a-z0-9]{1,31};$/i.test(s)) return s;
  let out = cache.get(s);
  if (out === undefined) {
    parser ??= new DOMParser();
    const decoded = parser.parseFromString(s, "text/html").body.textContent ?? s;
    // Strict: the whole reference must be one entity. "&notit;" decodes as "¬it;" in legacy mode: keep it as is.
    out = [...decoded].length <= 2 && !decoded.endsWith(";") ? decoded : s;
    if (cache.size < 500) cache.set(s, out);
  }
  return out;
}
