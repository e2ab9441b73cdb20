// Loads a second script of the chat side panel (main-mentions.js, main-models.js: code kept out of the chat
// bundle's size budget) from the folder of this bundle's own <script>, with its nonce (the page's CSP allows
// nothing else), and runs `onload` once it has run.
const me = document.currentScript as HTMLScriptElement | null;

export function loadScript(name: string, onload: () => void): void {
  if (!me) return;
  const s = document.createElement("script");
  s.nonce = me.nonce;
  s.src = me.src.replace(/main-chat\.js/, `${name}.js`);
  s.onload = onload;
  document.head.append(s);
}
