// The SSH tunnel's questions, asked with VS Code's own UI. Passphrases and passwords are never stored
// unless the user ticks "remember", and then only in SecretStorage.
import * as vscode from "vscode";

export interface SshPromptAnswers {
  confirmHostKey(info: { host: string; port: number; keyType: string; fingerprint: string }): Promise<boolean>;
  passphrase(keyFile: string): Promise<string | undefined>;
  password(userAtHost: string): Promise<string | undefined>;
  keyboardInteractive?(name: string, instructions: string, prompts: { prompt: string; echo: boolean }[]): Promise<string[] | undefined>;
}

export function vscodeSshPrompts(): SshPromptAnswers {
  return {
    async confirmHostKey({ host, port, keyType, fingerprint }) {
      const where = port === 22 ? host : `[${host}]:${port}`;
      const pick = await vscode.window.showWarningMessage(
        `KrabKrab: the authenticity of host ${where} can't be established.`,
        { modal: true, detail: `${keyType} key fingerprint is ${fingerprint}.\n\nCompare it with the one the server's owner gave you (ssh-keygen -lf /etc/ssh/ssh_host_${keyType.replace(/^ssh-/, "")}_key.pub on the host). Trust it and add it to ~/.ssh/known_hosts?` },
        "Trust and Connect",
      );
      return pick === "Trust and Connect";
    },
    passphrase(keyFile) {
      return Promise.resolve(vscode.window.showInputBox({ title: "KrabKrab: SSH key passphrase", prompt: `Passphrase for ${keyFile}`, password: true, ignoreFocusOut: true }));
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
