// highlight.js core plus a handful of languages: the full build is ~900 KB, this is ~45 KB.
// Unknown languages fall back to auto-detection among these only.
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import diff from "highlight.js/lib/languages/diff";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

for (const [name, lang] of Object.entries({ bash, diff, json, python, typescript, xml, yaml })) hljs.registerLanguage(name, lang);
// The TypeScript grammar highlights JavaScript well; one grammar instead of two.
hljs.registerAliases(["javascript", "js", "jsx", "mjs", "cjs"], { languageName: "typescript" });
hljs.registerAliases(["sh", "shell", "zsh", "console"], { languageName: "bash" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });

/** Highlighted HTML (escaped by highlight.js) for `code`; plain escaped text past a size where it would stall. */
export function highlight(code: string, language: string | undefined): { html: string; language: string | undefined } {
  if (code.length > 100_000) return { html: escapeHtml(code), language };
  const lang = language && hljs.getLanguage(language) ? language : undefined;
  try {
    if (lang) return { html: hljs.highlight(code, { language: lang, ignoreIllegals: true }).value, language: lang };
    const auto = hljs.highlightAuto(code);
    return { html: auto.value, language: auto.language };
  } catch {
    return { html: escapeHtml(code), language };
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
