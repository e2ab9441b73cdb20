// Feature scripts loaded on first use, from next to the main bundle (dist/webview/lazy-<name>.js): what a user
// reaches only sometimes (the slash-command menu, the session picker and its actions) stays out of the main
// bundles — their size budget and their parse time at every webview load. The webview's CSP runs only scripts
// that carry the page's nonce, so the new script tag gets the nonce of the script that is running now (a
// property of the element, which the browser hides from attribute reads, not from the element itself).
import type { ChatTools } from "./lazy-chat-tools";

/** What each lazy script registers on `window.krabkrabLazy` when it has run. */
export interface LazyScripts {
  "chat-tools": ChatTools;
}
declare global {
  interface Window {
    krabkrabLazy?: Partial<LazyScripts>;
  }
}

// Only defined while the main bundle's own top level runs: read once, now.
const self = document.currentScript as HTMLScriptElement | null;
const loading = new Map<string, Promise<unknown>>();

export function lazy<K extends keyof LazyScripts>(name: K): Promise<LazyScripts[K]> {
  let p = loading.get(name) as Promise<LazyScripts[K]> | undefined;
  if (!p) {
    p = new Promise<LazyScripts[K]>((resolve, reject) => {
      const s = document.createElement("script");
      s.nonce = self?.nonce ?? "";
      s.src = new URL(`lazy-${name}.js`, self?.src ?? location.href).href;
      s.onload = () => {
        const m = window.krabkrabLazy?.[name];
        if (m) resolve(m);
        else reject(new Error(`The ${name} script loaded but did not register itself.`));
      };
      s.onerror = () => reject(new Error(`Could not load the ${name} script (dist/webview/lazy-${name}.js).`));
      document.head.append(s);
    });
    // A failed load is tried again next time.
    p.catch(() => loading.delete(name));
    loading.set(name, p);
  }
  return p;
}
