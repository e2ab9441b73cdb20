// The words of every prompt that asks the operator to allow something (an agent's command, a pairing, an SSH
// host key) and the escaping of remote text put into notifications. No `vscode` here, so the unit tests
// check exactly what the user will read (test/unit/approval-text.test.ts).
//
// Where text ends up decides how it is treated:
// - A notification message is parsed by VS Code for links: `[label](https://…|command:…|file:…)` becomes a
//   clickable link, and a `command:` link runs a command with arguments. Remote text (display names, error
//   strings, commands) could plant one, so it goes through escapeNotificationText.
// - A modal dialog's message and detail are set as plain text (innerText) by VS Code: nothing is rendered,
//   so the review shows the command verbatim (only invisible characters are made visible).
import type { ExecApprovalDecision, ExecApprovalSummary, PairRequest } from "../../gateway";

/**
 * Remote text made inert for a notification message: link syntax `](` is split, scheme-looking words a link
 * could run (`command:`, `file:`, `vscode:`, `javascript:`) lose their colon adjacency, newlines and
 * control characters become spaces, and the result is cut to `max` characters (a notification is one line).
 */
export function escapeNotificationText(text: string, max = 300): string {
  let t = String(text)
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ")
    .replace(/\]\s*\(/g, "] (")
    .replace(/\b(command|file|vscode[\w.-]*|javascript):(?=\S)/gi, "$1 :")
    .replace(/\s+/g, " ")
    .trim();
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t;
}

/**
 * Invisible and direction-changing characters shown as \u{…} escapes, so what a modal displays is what runs
 * (a right-to-left override could make `rm -rf ~` read as something else). Newlines and tabs stay.
 */
export function revealInvisibles(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => (c === "\n" || c === "\t" ? c : `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`));
}

/** A pairing request id as the gateway's CLI takes it; anything else is not put into a shell command. */
export const PAIRING_REQUEST_ID = /^[\w-]{1,128}$/;

export const DECISION_LABELS: Record<ExecApprovalDecision, string> = { "allow-once": "Allow Once", "allow-always": "Always Allow", deny: "Deny" };

/** Past this the modal says the command is long and offers the full text as a document first. */
export const LONG_COMMAND_CHARS = 2000;
export const LONG_COMMAND_LINES = 25;
export const OPEN_FULL_COMMAND = "Open Full Command…";

export interface ExecReview {
  /** The notification that announces the request (escaped); its only button opens the review. */
  notice: string;
  /** The modal: its message and detail (plain text) and its buttons, in order. */
  message: string;
  detail: string;
  buttons: string[];
  /** The command is too long to read in a dialog: the review offers OPEN_FULL_COMMAND before deciding. */
  long: boolean;
  /** The complete text for the read-only document. */
  document: string;
}

/** Everything the operator approves, before any allow button: command, cwd, host, agent/session, warning. */
export function execReview(d: ExecApprovalSummary, now = Date.now()): ExecReview {
  const command = revealInvisibles(d.command);
  const lines = command.split("\n").length;
  const long = command.length > LONG_COMMAND_CHARS || lines > LONG_COMMAND_LINES;
  const facts = [
    ["Host", d.host],
    ["Node", d.nodeId],
    ["Working directory", d.cwd],
    ["Executable", d.resolvedPath],
    ["Agent", d.agentId],
    ["Session", d.sessionKey],
    ["Expires", d.expiresAtMs ? `in ${Math.max(0, Math.round((d.expiresAtMs - now) / 60_000))} min` : undefined],
  ]
    .filter((f): f is [string, string] => Boolean(f[1]))
    .map(([k, v]) => `${k}: ${revealInvisibles(v)}`);
  const warning = d.warning ? `⚠ The gateway warns:\n${revealInvisibles(d.warning)}` : undefined;
  const commandBlock = long
    ? `The command is ${d.command.length.toLocaleString("en-US")} characters on ${lines} lines — too long to show here. Open the full command and read it before you decide.\nIt starts with:\n${command.slice(0, 300)}…`
    : `Command:\n${command}`;
  // Deny is offered first: it is the dialog's default (focused) button, so Enter never allows.
  const decisions = [...d.decisions].sort((a, b) => (a === "deny" ? -1 : b === "deny" ? 1 : 0)).map((x) => DECISION_LABELS[x]);
  const preview = d.command.length > 80 ? `${d.command.slice(0, 79)}…` : d.command;
  const agent = d.agentId ? `the agent “${d.agentId}”` : "the agent";
  return {
    notice: escapeNotificationText(`KrabKrab: ${agent} wants to run a command${d.host ? ` on ${d.host}` : ""}: ${preview}${d.warning ? " — the gateway warns about it" : ""}. Review it to allow or deny.`, 400),
    message: revealInvisibles(`KrabKrab: ${d.agentId ? `agent “${d.agentId}”` : "an agent"} wants to run a command${d.host ? ` on ${d.host}` : ""}.`),
    detail: [warning, commandBlock, facts.join("\n")].filter(Boolean).join("\n\n"),
    buttons: long ? [OPEN_FULL_COMMAND, ...decisions] : decisions,
    long,
    document: [`# Exec approval request`, "", ...(warning ? [warning, ""] : []), ...facts, "", "Command (complete, exactly as the gateway sent it):", "", revealInvisibles(d.command), ""].join("\n"),
  };
}

type Pairing = Pick<PairRequest, "requestId" | "displayName" | "nodeId" | "deviceId" | "platform" | "role" | "scopes" | "remoteIp" | "clientId" | "clientMode" | "version" | "commands">;

/** A short name for a pairing request, for a notification (escaped). */
export function pairingWho(r: Pairing): string {
  return escapeNotificationText(r.displayName ?? r.nodeId ?? r.deviceId?.slice(0, 12) ?? r.requestId, 80);
}

/** The notification announcing a pairing request (escaped: display name and platform come from an unauthenticated peer). */
export function pairingNotice(kind: "node" | "device", r: Pairing): string {
  const facts = [r.platform, r.role ? `role ${r.role}` : undefined, r.remoteIp ? `from ${r.remoteIp}` : undefined, r.scopes?.length ? `scopes ${r.scopes.join(", ")}` : undefined].filter(Boolean).join(" · ");
  return escapeNotificationText(`KrabKrab: ${kind === "node" ? "a node" : "a device"} wants to pair: ${r.displayName ?? r.nodeId ?? r.deviceId?.slice(0, 12) ?? r.requestId}${facts ? ` (${facts})` : ""}.`, 500);
}

export const APPROVE_PAIRING = "Approve";

/** The confirmation before approving a pairing: who, from where, and exactly which role and scopes it gets. */
export function pairingReview(kind: "node" | "device", r: Pairing): { message: string; detail: string; buttons: string[] } {
  const t = (v: string | undefined) => (v ? revealInvisibles(v) : undefined);
  const facts = [
    ["Name", t(r.displayName)],
    ["Role", t(r.role) ?? "(not stated)"],
    ["Scopes", r.scopes?.length ? r.scopes.map(revealInvisibles).join(", ") : "(none requested)"],
    ["Platform", t(r.platform)],
    ["Client", [t(r.clientId), t(r.clientMode), t(r.version)].filter(Boolean).join(" · ") || undefined],
    ["From", t(r.remoteIp)],
    ["Node id", t(r.nodeId)],
    ["Device id", t(r.deviceId)],
    ["Commands", r.commands?.length ? r.commands.map(revealInvisibles).join(", ") : undefined],
    ["Request", t(r.requestId)],
  ]
    .filter((f): f is [string, string] => Boolean(f[1]))
    .map(([k, v]) => `${k}: ${v}`);
  return {
    message: `KrabKrab: approve this ${kind} pairing request?`,
    detail: `${facts.join("\n")}\n\nApproving lets it connect to the gateway with this role and these scopes. The name and platform are what the requester says about itself: approve only a request you expected.`,
    buttons: [APPROVE_PAIRING],
  };
}

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** Key types this host is already known under in known_hosts (another type than the one offered). */
  otherKeyTypes?: string[];
}

export const TRUST_HOST_KEY = "Trust and Connect";
export const TRUST_HOST_KEY_ANYWAY = "Trust Anyway and Connect";
export const REFUSE_HOST_KEY = "Don't Connect";

/**
 * The unknown-host-key question. Refusing is the first button, so it is the dialog's default (Enter, the
 * focused button). When the host is known under another key type, the warning OpenSSH prints for that case
 * comes first: a man in the middle can offer only a type the client has no key for, to look "new".
 */
export function hostKeyPrompt(info: HostKeyInfo): { message: string; detail: string; buttons: string[]; trust: string } {
  const where = info.port === 22 ? info.host : `[${info.host}]:${info.port}`;
  const compare = `Compare it with the one the server's owner gave you (ssh-keygen -lf /etc/ssh/ssh_host_${info.keyType.replace(/^ssh-/, "").replace(/-sha2-nistp\d+$/, "")}_key.pub on the host).`;
  const others = (info.otherKeyTypes ?? []).filter((t) => t && t !== info.keyType);
  if (others.length) {
    return {
      message: `WARNING: ${where} is known with a different key type — this could be a man-in-the-middle attack.`,
      detail:
        `known_hosts has a ${others.join(", ")} key for ${where}, but the server now offers only a ${info.keyType} key (fingerprint ${info.fingerprint}).\n\n` +
        `Someone could be eavesdropping on you right now, offering a key type you have no record of so the host looks new. ` +
        `Do not connect unless the server's owner confirms they changed its host keys. ${compare}`,
      buttons: [REFUSE_HOST_KEY, TRUST_HOST_KEY_ANYWAY],
      trust: TRUST_HOST_KEY_ANYWAY,
    };
  }
  return {
    message: `KrabKrab: the authenticity of host ${where} can't be established.`,
    detail: `${info.keyType} key fingerprint is ${info.fingerprint}.\n\n${compare} Trust it and add it to ~/.ssh/known_hosts?`,
    buttons: [REFUSE_HOST_KEY, TRUST_HOST_KEY],
    trust: TRUST_HOST_KEY,
  };
}
