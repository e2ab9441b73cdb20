// The composer: a multi-line box (Enter sends, Shift+Enter is a newline, ↑/↓ walk through what was sent), images
// from the picker or the clipboard (checked against the gateway's attachment policy before they are read), and
// editor context as chips. A failed send gives everything back to the composer with the error.
import { Abort, AddEditorContext, Send } from "../shared/contract/requests";
import type { AttachmentPolicy, AttachmentView, ContextSnippet } from "../shared/contract/views";
import { attachmentProblem, formatBytes, readAsAttachment } from "./attachments";
import type { HostBridge } from "./vscode-api";

export interface ComposerDeps {
  root: HTMLElement;
  bridge: HostBridge;
  call: <T>(p: Promise<T>) => Promise<T | undefined>;
  showError: (text: string | null) => void;
  policy: () => AttachmentPolicy | undefined;
  activeRunId: () => string | null;
  onSend: () => void;
}

export interface Composer {
  addContext(c: ContextSnippet): void;
  insertAtCursor(text: string): void;
  focus(): void;
}

export function mountComposer(d: ComposerDeps): Composer {
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => d.root.querySelector<T>(`#${id}`)!;
  const input = $<HTMLTextAreaElement>("input");
  const fileInput = $<HTMLInputElement>("file");
  const saved = d.bridge.getState<{ draft: string; sent: string[] }>();
  let sent: string[] = Array.isArray(saved.sent) ? saved.sent.filter((t) => typeof t === "string").slice(0, 50) : [];
  input.value = typeof saved.draft === "string" ? saved.draft : "";
  let recall = -1;
  const attachments: AttachmentView[] = [];
  const contexts: ContextSnippet[] = [];
  const previews = new Map<AttachmentView, string>();

  function renderChips() {
    const chips = $("chips");
    chips.replaceChildren(
      ...contexts.map((c, i) => chip("codicon-file-code", c.label, formatBytes(c.text.length), () => contexts.splice(i, 1))),
      ...attachments.map((a, i) => {
        let url = previews.get(a);
        if (!url) {
          url = URL.createObjectURL(new Blob([Uint8Array.from(atob(a.content), (ch) => ch.charCodeAt(0))], { type: a.mimeType }));
          previews.set(a, url);
        }
        const el = chip("codicon-file-media", a.fileName, formatBytes(a.sizeBytes), () => {
          URL.revokeObjectURL(previews.get(a)!);
          previews.delete(a);
          attachments.splice(i, 1);
        });
        const img = document.createElement("img");
        img.src = url;
        img.alt = "";
        el.prepend(img);
        return el;
      }),
    );
  }
  function chip(icon: string, label: string, title: string, remove: () => void): HTMLElement {
    const el = document.createElement("span");
    el.className = "chip";
    el.title = title;
    const i = document.createElement("span");
    i.className = `codicon ${icon}`;
    const t = document.createElement("span");
    t.textContent = label;
    const x = document.createElement("button");
    x.type = "button";
    x.className = "icon-btn";
    x.title = "Remove";
    x.append(Object.assign(document.createElement("span"), { className: "codicon codicon-close" }));
    x.addEventListener("click", () => (remove(), renderChips()));
    el.append(i, t, x);
    return el;
  }
  function addContext(c: ContextSnippet) {
    if (contexts.length >= 10) return d.showError("At most 10 context snippets per message.");
    contexts.push(c);
    renderChips();
    input.focus();
  }
  async function addFiles(files: Iterable<File>) {
    for (const f of files) {
      const problem = attachmentProblem(f, d.policy(), attachments);
      if (problem) {
        d.showError(problem);
        continue;
      }
      try {
        attachments.push(await readAsAttachment(f));
      } catch (err) {
        d.showError((err as Error).message);
      }
    }
    renderChips();
  }
  $("attach").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    void addFiles(fileInput.files ?? []);
    fileInput.value = "";
  });
  input.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.items ?? [])].filter((i) => i.kind === "file").map((i) => i.getAsFile()).filter((f): f is File => !!f);
    if (files.length) {
      e.preventDefault();
      void addFiles(files);
    }
  });
  $("ctx-selection").addEventListener("click", () => void d.call(d.bridge.request(AddEditorContext, { what: "selection" })).then((c) => c && addContext(c)));
  $("ctx-file").addEventListener("click", () => void d.call(d.bridge.request(AddEditorContext, { what: "file" })).then((c) => c && addContext(c)));

  function insertAtCursor(text: string) {
    const s = input.selectionStart ?? input.value.length;
    input.setRangeText(text, s, input.selectionEnd ?? s, "end");
    input.focus();
    saveDraft();
  }
  let draftTimer = 0;
  function saveDraft() {
    clearTimeout(draftTimer);
    draftTimer = window.setTimeout(() => d.bridge.patchState({ draft: input.value }), 300);
  }
  input.addEventListener("input", () => {
    recall = -1;
    saveDraft();
  });

  async function send() {
    const text = input.value.trim();
    if (!text && attachments.length === 0) return;
    const sentAttachments = attachments.splice(0);
    const sentContexts = contexts.splice(0);
    input.value = "";
    if (text) {
      sent = [text, ...sent.filter((t) => t !== text)].slice(0, 50);
      d.bridge.patchState({ sent: sent, draft: "" });
    }
    recall = -1;
    d.showError(null);
    renderChips();
    d.onSend();
    try {
      await d.bridge.request(
        Send,
        { text, attachments: sentAttachments.length ? sentAttachments : undefined, context: sentContexts.length ? sentContexts : undefined },
      );
      for (const a of sentAttachments) {
        URL.revokeObjectURL(previews.get(a) ?? "");
        previews.delete(a);
      }
    } catch (err) {
      // Nothing is lost: the text, images and context come back to the composer.
      if (!input.value) input.value = text;
      attachments.push(...sentAttachments);
      contexts.push(...sentContexts);
      renderChips();
      d.showError((err as Error).message);
    }
  }
  $("send").addEventListener("click", () => void send());
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    } else if (e.key === "ArrowUp" && input.selectionStart === 0 && input.selectionEnd === 0 && sent.length && (recall >= 0 || !input.value)) {
      recall = Math.min(recall + 1, sent.length - 1);
      input.value = sent[recall]!;
      input.setSelectionRange(0, 0);
      e.preventDefault();
    } else if (e.key === "ArrowDown" && recall >= 0 && !input.value.slice(input.selectionEnd).includes("\n")) {
      recall -= 1;
      input.value = recall >= 0 ? sent[recall]! : "";
      e.preventDefault();
    } else if (e.key === "Escape" && d.activeRunId()) {
      void d.call(d.bridge.request(Abort));
    }
  });

  return { addContext, insertAtCursor, focus: () => input.focus() };
}
