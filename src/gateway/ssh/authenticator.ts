// SSH authentication, driven by ssh2's authHandler, in OpenSSH's order: `none` (to learn the server's
// methods), ssh-agent, identity files (explicit, then IdentityFile entries, then ~/.ssh/id_ed25519, id_ecdsa,
// id_rsa; encrypted ones through the passphrase prompt, 3 tries), password (3 tries), keyboard-interactive.
// Decrypted keys and a password that worked stay in memory for re-establishment, never on disk or in a log
// (each secret is added to the redactor the moment it is typed). Plain Node; never imports `vscode`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { utils, type AnyAuthMethod, type AuthHandlerMiddleware, type KeyboardInteractiveCallback, type ParsedKey, type Prompt } from "ssh2";
import type { Logger } from "../logger";
import { agentProblem, type Platform } from "../platform";
import { redactor } from "../redact";
import { expandPath, type SshHop } from "./config-resolve";
import { runPrompt } from "./deadline";
import { errCode, identityFileError, SshTunnelError } from "./errors";
import type { HopCtx } from "./hop";
import type { SshPrompts } from "./types";

const DEFAULT_IDENTITIES = ["id_ed25519", "id_ecdsa", "id_rsa"];

/** What one hop's authentication went through, for the handler and for the error message. */
export class HopAuth {
  noneDone = false;
  agentDone = false;
  keyIdx = 0;
  passwordTries = 0;
  passwordCancelled = false;
  kbdTries = 0;
  kbdCancelled = false;
  tried: string[] = [];
  notes: string[] = [];
  serverMethods: string[] | null = null;
  current: "none" | "agent" | "publickey" | "password" | "keyboard-interactive" | null = null;
  lastPassword: string | undefined;
  wrongPassphrase: string | undefined;
  fatal: SshTunnelError | undefined;
}

export interface AuthenticatorOptions {
  /** A private key the user named explicitly (profile); tried first after the agent. */
  identityFile?: string;
  prompts: SshPrompts;
  home: string;
  localUser: string;
  env: NodeJS.ProcessEnv;
  platform: Platform;
  /** The agent to offer (null = none), and why there is none. */
  agent: { path: string | null; note?: string };
  log: Logger;
  /** The tunnel is closing: offer nothing more. */
  isClosing(): boolean;
}

export function tilde(file: string, home: string): string {
  return file === home ? "~" : file.startsWith(home + path.sep) ? "~" + file.slice(home.length) : file;
}

export class Authenticator {
  private readonly keyCache = new Map<string, ParsedKey>();
  private readonly passwordCache = new Map<string, string>();

  constructor(private readonly o: AuthenticatorOptions) {}

  /** The explicit identity file, expanded (~, %-tokens, ${ENV}); undefined when the profile names none. */
  explicitIdentity(): string | undefined {
    const { home, localUser, env, platform } = this.o;
    return this.o.identityFile ? expandPath(this.o.identityFile, { home, localUser, env, platform }) : undefined;
  }

  /** ssh2's authHandler for one hop. A failure while choosing (an explicit key that cannot be read) is fatal. */
  handler(ctx: HopCtx): AuthHandlerMiddleware {
    return (methodsLeft, _partial, next) => {
      this.nextAuth(ctx, methodsLeft).then(
        (m) => next(m as AnyAuthMethod),
        (err: unknown) => {
          ctx.auth.fatal = err instanceof SshTunnelError ? err : new SshTunnelError(`Authentication to ${ctx.hop.label} failed: ${(err as Error).message}`, "auth-failed");
          ctx.recorded = ctx.auth.fatal;
          next(false as never);
        },
      );
    };
  }

  /** The hop accepted us: keep a password that worked for re-establishing the link. */
  succeeded(ctx: HopCtx): void {
    if (ctx.auth.current === "password" && ctx.auth.lastPassword !== undefined) this.passwordCache.set(ctx.hop.label, ctx.auth.lastPassword);
  }

  /** Forgets decrypted keys and passwords (the tunnel closed). */
  forget(): void {
    this.keyCache.clear();
    this.passwordCache.clear();
  }

  /** Why authentication failed, with what was tried and what the server accepts. */
  failure(ctx: HopCtx): SshTunnelError {
    const a = ctx.auth;
    if (a.fatal) return a.fatal;
    const accepts = a.serverMethods ? ` The server accepts: ${a.serverMethods.join(", ") || "nothing"}.` : "";
    const notes = a.notes.length ? ` (${[...new Set(a.notes)].join("; ")})` : "";
    if (a.wrongPassphrase) {
      return new SshTunnelError(
        `The passphrase for ${a.wrongPassphrase} is wrong (3 attempts), and ${ctx.hop.label} accepted nothing else${a.tried.length ? ` (tried: ${a.tried.join(", ")})` : ""}.${accepts}`,
        "passphrase-wrong",
      );
    }
    if (a.tried.length === 0) return new SshTunnelError(`No credentials to offer ${ctx.hop.label}${notes}.${accepts}`, "auth-failed");
    return new SshTunnelError(`Authentication to ${ctx.hop.label} failed. Tried: ${a.tried.join(", ")}.${accepts}${notes ? " Notes" + notes + "." : ""}`, "auth-failed");
  }

  private identityCandidates(hop: SshHop): { file: string; explicit: boolean }[] {
    const out: { file: string; explicit: boolean }[] = [];
    const add = (file: string, explicit: boolean) => {
      if (!out.some((c) => c.file === file)) out.push({ file, explicit });
    };
    const explicit = this.explicitIdentity();
    if (explicit) add(explicit, true);
    for (const f of hop.identityFiles) add(f, false);
    for (const n of DEFAULT_IDENTITIES) add(path.join(this.o.home, ".ssh", n), false);
    return out;
  }

  private async nextAuth(ctx: HopCtx, methodsLeft: string[] | null): Promise<AnyAuthMethod | false> {
    const a = ctx.auth;
    const hop = ctx.hop;
    const username = hop.user;
    if (methodsLeft) a.serverMethods = methodsLeft;
    const allowed = (m: string) => !a.serverMethods || a.serverMethods.includes(m);
    if (this.o.isClosing()) return false;

    if (!a.noneDone) {
      a.noneDone = true;
      a.current = "none";
      return { type: "none", username };
    }

    if (!a.agentDone) {
      a.agentDone = true;
      const agentPath = this.o.agent.path;
      const problem = agentPath ? agentProblem(agentPath, this.o.platform) : (this.o.agent.note ?? "no ssh-agent");
      if (!agentPath) a.notes.push(problem!);
      else if (allowed("publickey")) {
        if (problem) a.notes.push(problem);
        else {
          a.current = "agent";
          a.tried.push("ssh-agent");
          return { type: "agent", username, agent: agentPath };
        }
      }
    }

    if (allowed("publickey")) {
      const candidates = this.identityCandidates(hop);
      while (a.keyIdx < candidates.length) {
        const c = candidates[a.keyIdx++]!;
        const key = await this.loadKey(ctx, c.file, c.explicit);
        if (key) {
          a.current = "publickey";
          a.tried.push(`key ${tilde(c.file, this.o.home)}`);
          return { type: "publickey", username, key };
        }
      }
      if (!a.tried.some((t) => t.startsWith("key "))) a.notes.push(`no usable identity file (looked for ${candidates.map((c) => tilde(c.file, this.o.home)).join(", ")})`);
    }

    if (allowed("password") && !a.passwordCancelled && a.passwordTries < 3) {
      a.passwordTries++;
      let pw = a.passwordTries === 1 ? this.passwordCache.get(hop.label) : undefined;
      if (pw === undefined) {
        this.passwordCache.delete(hop.label);
        pw = await runPrompt(ctx.deadline, this.o.log, () => this.o.prompts.password(hop.label));
      }
      if (pw === undefined) {
        a.passwordCancelled = true;
        a.notes.push("the password prompt was cancelled");
      } else {
        redactor.add(pw);
        a.current = "password";
        a.lastPassword = pw;
        if (!a.tried.includes("password")) a.tried.push("password");
        return { type: "password", username, password: pw };
      }
    }

    if (allowed("keyboard-interactive") && !a.kbdCancelled && a.kbdTries < 3) {
      a.kbdTries++;
      a.current = "keyboard-interactive";
      if (!a.tried.includes("keyboard-interactive")) a.tried.push("keyboard-interactive");
      return {
        type: "keyboard-interactive",
        username,
        prompt: (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
          void this.answerKeyboard(ctx, name, instructions, prompts).then((answers) => finish(answers));
        },
      };
    }
    return false;
  }

  private async answerKeyboard(ctx: HopCtx, name: string, instructions: string, prompts: Prompt[]): Promise<string[]> {
    if (prompts.length === 0) return [];
    let answers: string[] | undefined;
    const { prompts: p, log } = this.o;
    if (p.keyboardInteractive) {
      const questions = prompts.map((q) => ({ prompt: q.prompt, echo: Boolean(q.echo) }));
      answers = await runPrompt(ctx.deadline, log, () => p.keyboardInteractive!(name, instructions, questions));
    }
    else if (prompts.length === 1 && !prompts[0]!.echo) {
      const pw = await runPrompt(ctx.deadline, log, () => p.password(ctx.hop.label));
      answers = pw === undefined ? undefined : [pw];
    } else ctx.auth.notes.push("the server asked keyboard-interactive questions that no prompt can answer");
    if (!answers) {
      ctx.auth.kbdCancelled = true;
      return [];
    }
    for (const s of answers) redactor.add(s);
    return answers;
  }

  /** Loads (and if needed decrypts) a private key; null = skip it. Explicit keys fail loudly instead. */
  private async loadKey(ctx: HopCtx, file: string, explicit: boolean): Promise<ParsedKey | null> {
    const cached = this.keyCache.get(file);
    if (cached) return cached;
    const home = this.o.home;
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (err) {
      if (explicit) throw identityFileError(file, err);
      if (errCode(err) === "ENOENT") return null;
      ctx.auth.notes.push(`${tilde(file, home)} cannot be read (${errCode(err) ?? (err as Error).message})`);
      this.o.log.warn(`skipping ${file}`, err);
      return null;
    }
    let parsed = firstKey(utils.parseKey(data));
    if (parsed instanceof Error && /no passphrase given/i.test(parsed.message)) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        if (this.o.isClosing()) return null;
        const pass = await runPrompt(ctx.deadline, this.o.log, () => this.o.prompts.passphrase(file));
        if (pass === undefined) {
          ctx.auth.notes.push(`the passphrase prompt for ${tilde(file, home)} was cancelled`);
          return null;
        }
        redactor.add(pass);
        parsed = firstKey(utils.parseKey(data, pass));
        if (!(parsed instanceof Error)) break;
        if (!/bad passphrase|integrity check failed|decrypt|passphrase/i.test(parsed.message)) break;
        this.o.log.warn(`wrong passphrase for ${file} (attempt ${attempt} of 3)`);
        if (attempt === 3) {
          ctx.auth.wrongPassphrase = file;
          ctx.auth.notes.push(`the passphrase for ${tilde(file, home)} was wrong 3 times`);
          return null;
        }
      }
    }
    if (parsed instanceof Error) {
      if (explicit) throw new SshTunnelError(`The identity file ${file} is not a private key ssh2 can use: ${parsed.message}.`, "identity-unreadable");
      this.o.log.debug(`skipping ${file}: ${parsed.message}`);
      return null;
    }
    if (!parsed.isPrivateKey()) {
      if (explicit) throw new SshTunnelError(`The identity file ${file} holds a public key; name the private key (without .pub).`, "identity-unreadable");
      return null;
    }
    this.keyCache.set(file, parsed);
    return parsed;
  }
}

function firstKey(k: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (Array.isArray(k)) return k[0] ?? new Error("no key in file");
  return k;
}
