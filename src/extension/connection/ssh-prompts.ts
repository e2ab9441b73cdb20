// The SSH tunnel's questions, asked with VS Code's own UI. Passphrases are never stored unless the user
// presses "Remember" in the prompt, and then only in SecretStorage (keyed by the key file); a remembered one
// that no longer works is forgotten and asked for again.
import * as vscode from "vscode";
import type { SecretStore } from "../../gateway";
import { hostKeyPrompt, type HostKeyInfo } from "../common/approval-text";

const passphraseKey = (keyFile: string) => `krabkrab.ssh.passphrase|${keyFile}`;

/** A password input box with a "Remember" toggle in its title bar. Resolves undefined when cancelled. */
function askSecret(title: string, prompt: string, offerRemember: boolean): Promise<{ value: string; remember: boolean } | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    let remember = false;
    const button = () => ({ iconPath: new vscode.ThemeIcon(remember ? "pass-filled" : "circle-large-outline"), tooltip: remember ? "Will be remembered in secret storage (click to not remember)" : "Remember in VS Code's secret storage" });
    box.title = title;
    box.prompt = prompt;
    box.password = true;
    box.ignoreFocusOut = true;
    if (offerRemember) box.buttons = [button()];
    let done = false;
    const finish = (v: { value: string; remember: boolean } | undefined) => {
      if (done) return;
      done = true;
      box.dispose();
      resolve(v);
    };
    box.onDidTriggerButton(() => {
      remember = !remember;
      box.buttons = [button()];
    });
    box.onDidAccept(() => finish({ value: box.value, remember }));
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

export interface SshPromptAnswers {
  confirmHostKey(info: HostKeyInfo): Promise<boolean>;
  passphrase(keyFile: string): Promise<string | undefined>;
  password(userAtHost: string): Promise<string | undefined>;
  keyboardInteractive?(name: string, instructions: string, prompts: { prompt: string; echo: boolean }[]): Promise<string[] | undefined>;
}

export function vscodeSshPrompts(secrets?: SecretStore): SshPromptAnswers {
  const triedStored = new Set<string>();
  return {
    async confirmHostKey(info) {
      // Refusing is the first (default, focused) button; see hostKeyPrompt for the other-key-type warning.
      const q = hostKeyPrompt(info);
      const pick = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, ...q.buttons);
      return pick === q.trust;
    },
    async passphrase(keyFile) {
      // A remembered passphrase is offered once per connection (these prompts are made per connection);
      // asked again means it did not work: forget it.
      if (secrets) {
        if (!triedStored.has(keyFile)) {
          triedStored.add(keyFile);
          const stored = await secrets.get(passphraseKey(keyFile));
          if (stored) return stored;
        } else await secrets.delete(passphraseKey(keyFile));
      }
      const a = await askSecret("KrabKrab: SSH key passphrase", `Passphrase for ${keyFile}`, Boolean(secrets));
      if (a && a.remember && secrets) await secrets.store(passphraseKey(keyFile), a.value);
      return a?.value;
    },
    password(userAtHost) {
      return Promise.resolve(vscode.window.showInputBox({ title: "KrabKrab: SSH password", prompt: `Password for ${userAtHost}`, password: true, ignoreFocusOut: true }));
    },
    async keyboardInteractive(name, instructions, prompts) {
      const answers: string[] = [];
      for (const p of prompts) {
        const a = await vscode.window.showInputBox({ title: `KrabKrab: ${name || "SSH"}`, prompt: [instructions, p.prompt].filter(Boolean).join(" — "), password: !p.echo, ignoreFocusOut: true });
        if (a === undefined) return undefined;
        answers.push(a);
      }
      return answers;
    },
  };
}
