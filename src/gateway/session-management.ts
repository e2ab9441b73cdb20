// Session management and the slash-command inventory, on the gateway's own methods: rename (sessions.patch
// label), fork (sessions.create with parentSessionKey + fork), fork at a message (sessions.fork), delete
// (sessions.delete) and commands.list.
// Which of them a gateway offers is read from hello-ok.features.methods, never assumed. Plain Node: the
// extension's commands and its webviews' host both use these, and the real-gateway tests call them directly.
import { readSessionMessageIdentity } from "@openclaw/gateway-client";
import * as z from "zod/mini";
import type { OperatorClient } from "./client";
import { stripInboundEnvelope } from "./chat-history";
import { GatewayIssueError } from "./errors";

const optStr = z.optional(z.string());

// ---- tolerant schemas of the answers (unknown fields are kept, see schemas.ts) ----

export const CommandEntrySchema = z.looseObject({
  name: z.string(),
  nativeName: optStr,
  textAliases: z.optional(z.array(z.string())),
  description: optStr,
  category: optStr,
  source: optStr,
  scope: optStr,
  acceptsArgs: z.optional(z.boolean()),
  args: z.optional(
    z.array(
      z.looseObject({
        name: z.string(),
        description: optStr,
        required: z.optional(z.boolean()),
        choices: z.optional(z.array(z.looseObject({ value: z.string(), label: optStr }))),
      }),
    ),
  ),
});
export type CommandEntry = z.infer<typeof CommandEntrySchema>;
export const CommandsListSchema = z.looseObject({ commands: z.array(CommandEntrySchema) });
export const SessionsPatchResultSchema = z.looseObject({
  ok: z.optional(z.boolean()),
  key: optStr,
  entry: z.optional(z.looseObject({ label: z.optional(z.nullable(z.string())) })),
});
export const SessionsCreateResultSchema = z.looseObject({ ok: z.optional(z.boolean()), key: z.string(), sessionId: optStr });
export const SessionsForkResultSchema = z.looseObject({ sessionKey: z.string(), editorText: optStr });
export const SessionsDeleteResultSchema = z.looseObject({ ok: z.optional(z.boolean()), key: optStr, deleted: z.optional(z.boolean()) });
/** sessions.describe: the row in `session` (null for a key with nothing stored), or the row itself; either carries the ids. */
export const DescribedRowSchema = z.looseObject({ key: optStr, sessionId: optStr, isMain: z.optional(z.boolean()) });
export const SessionsDescribeSchema = z.looseObject({ ...DescribedRowSchema.shape, session: z.optional(z.nullable(DescribedRowSchema)) });

// ---- slash commands ----

/** One slash command as the composer offers it. */
export interface SlashCommand {
  /** What is typed, with its slash: "/help". */
  name: string;
  /** Other spellings that select it ("/m" for "/model"). */
  aliases: string[];
  description: string;
  /** An argument hint: "<name> [input]", "[compact|verbose]". */
  args?: string;
  category?: string;
}

/** The typed (text) commands of a commands.list answer, in the gateway's order; native-only commands are left out. */
export function slashCommands(entries: readonly CommandEntry[]): SlashCommand[] {
  const out: SlashCommand[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.scope === "native") continue;
    const spellings = (e.textAliases ?? []).filter((a) => /^\/\S+$/.test(a));
    if (spellings.length === 0 && /^\S+$/.test(e.name)) spellings.push(`/${e.name}`);
    const fresh = spellings.filter((a) => !seen.has(a.toLowerCase()));
    if (fresh.length === 0) continue;
    for (const a of fresh) seen.add(a.toLowerCase());
    const hint = (e.args ?? [])
      .map((a) => {
        const choices = a.choices && a.choices.length > 0 && a.choices.length <= 5 ? a.choices.map((c) => c.value).join("|") : a.name;
        return a.required ? `<${choices}>` : `[${choices}]`;
      })
      .join(" ");
    out.push({ name: fresh[0]!, aliases: fresh.slice(1), description: e.description ?? "", ...(hint ? { args: hint } : e.acceptsArgs ? { args: "…" } : {}), ...(e.category ? { category: e.category } : {}) });
  }
  return out;
}

/**
 * The gateway's slash commands for a session's agent (commands.list, scope "text"); [] when the gateway has no
 * commands.list. Asked by agent, not by session key: the gateway refuses the key of a session that has no
 * message yet ("Session not found"), and a new chat is exactly where one types /help.
 */
export async function listSlashCommands(client: OperatorClient, sessionKey?: string): Promise<SlashCommand[]> {
  if (!client.hello?.methods.includes("commands.list")) return [];
  const agentId = sessionKey ? /^agent:([^:]+):/.exec(sessionKey)?.[1] : undefined;
  const res = await client.commandsList({ scope: "text", includeArgs: true, ...(agentId ? { agentId } : {}) });
  return slashCommands(res.commands);
}

/**
 * What commands.list answered, per connection and agent: keyed by the connection's hello-ok (a new object for
 * every hello-ok, so a reconnect — possibly to an updated gateway with other plugins — asks again) and then by
 * the agent. The composer asks on every "/"; the gateway's inventory changes only with its config or plugins.
 */
const commandCache = new WeakMap<object, Map<string, Promise<SlashCommand[]>>>();

/** listSlashCommands, cached per connection (hello-ok) and agent; a failed answer is not remembered. */
export function cachedSlashCommands(client: OperatorClient, sessionKey?: string): Promise<SlashCommand[]> {
  const hello = client.hello;
  if (!hello) return listSlashCommands(client, sessionKey);
  const agent = (sessionKey && /^agent:([^:]+):/.exec(sessionKey)?.[1]) || "";
  let byAgent = commandCache.get(hello);
  if (!byAgent) commandCache.set(hello, (byAgent = new Map<string, Promise<SlashCommand[]>>()));
  let p = byAgent.get(agent);
  if (!p) {
    const entries = byAgent;
    p = listSlashCommands(client, sessionKey);
    entries.set(agent, p);
    p.catch(() => entries.get(agent) === p && entries.delete(agent));
  }
  return p;
}

// ---- session management ----

export type SessionAction = "rename" | "fork" | "delete";

/** What this gateway lets this connection do with its sessions (hello-ok.features.methods; all need operator.write). */
export function sessionActionsOffered(client: OperatorClient): SessionAction[] {
  const m = new Set(client.hello?.methods ?? []);
  const out: SessionAction[] = [];
  if (!client.hasScopes("operator.write")) return out; // hasScopes counts operator.admin as every scope
  if (m.has("sessions.patch")) out.push("rename");
  if (m.has("sessions.create")) out.push("fork");
  // Without operator.admin a session is archived (sessions.patch) before the write-scoped archived-only delete.
  if (m.has("sessions.delete") && (client.hasScopes("operator.admin") || m.has("sessions.patch"))) out.push("delete");
  return out;
}

/** A gateway agent's main session ("main", "agent:<id>:main"): the gateway refuses to delete it. */
export function isMainSessionKey(key: string): boolean {
  return key === "main" || /^agent:[^:]+:main$/.test(key);
}

function requireMethod(client: OperatorClient, method: string, what: string): void {
  if (!client.hello?.methods.includes(method)) {
    throw new GatewayIssueError({ kind: "gateway-error", method, message: `This gateway does not offer ${method}, so it cannot ${what}.`, nextStep: "Update the gateway to a release that has it.", retrying: false });
  }
}

/** Renames a session; an empty or null label clears the custom name (the gateway's generated title shows again). */
export async function renameSession(client: OperatorClient, key: string, label: string | null): Promise<void> {
  requireMethod(client, "sessions.patch", "rename sessions");
  const name = label?.trim() || null;
  await client.sessionsPatch({ key, label: name });
}

/**
 * Forks `parentKey` into a new session `key` (its transcript copied). A parent whose run is still going (or
 * just finished and not yet settled) is refused with UNAVAILABLE: then it forks through the parent's last
 * completed reply instead, as the gateway's own UI does while a run is active.
 */
export async function forkSession(client: OperatorClient, parentKey: string, key: string, label?: string): Promise<{ key: string }> {
  requireMethod(client, "sessions.create", "fork sessions");
  const params = { key, parentSessionKey: parentKey, fork: true, ...(label?.trim() ? { label: label.trim() } : {}) };
  try {
    const r = await client.sessionsCreate(params);
    return { key: r.key };
  } catch (err) {
    if (!(err instanceof GatewayIssueError) || err.issue.gatewayCode !== "UNAVAILABLE") throw err;
    const r = await client.sessionsCreate({ ...params, forkFrom: "last-completed" });
    return { key: r.key };
  }
}

/** Whether this connection may fork a session at one of its user messages (sessions.fork needs operator.write). */
export function canForkAtMessage(client: OperatorClient): boolean {
  return client.hasScopes("operator.write") && (client.hello?.methods.includes("sessions.fork") ?? false);
}

/** A user message of a session: its transcript entry id, or (sent from here, history not re-read yet) its idempotency key. */
export interface MessageRef {
  entryId?: string;
  idempotencyKey?: string;
}

/**
 * Forks `sessionKey` at one of its user messages (sessions.fork): the new session holds the conversation before
 * that message, the parent stays as it is, and the gateway hands the message's text back (`editorText`) to be
 * edited and sent again — the gateway's own "Fork from here". It refuses while the session's agent is working.
 * A message sent from this window is known by its idempotency key until history is re-read: its entry id is
 * then looked up in chat.history (the gateway stores the key with the message).
 */
export async function forkAtMessage(client: OperatorClient, sessionKey: string, ref: MessageRef): Promise<{ key: string; editorText?: string }> {
  requireMethod(client, "sessions.fork", "fork a session at a message");
  const entryId = ref.entryId ?? (ref.idempotencyKey ? await entryIdOf(client, sessionKey, ref.idempotencyKey) : undefined);
  if (!entryId) {
    throw new GatewayIssueError({ kind: "invalid-request", method: "sessions.fork", message: "The gateway has not stored this message (yet), so the session cannot be forked there.", nextStep: "Wait until the message is sent and answered, then try again.", retrying: false });
  }
  const r = await client.sessionsFork({ sessionKey, entryId });
  // The gateway stores the turn as the model saw it (a timestamp envelope in front): the composer gets the words.
  return { key: r.sessionKey, ...(r.editorText !== undefined ? { editorText: stripInboundEnvelope(r.editorText) } : {}) };
}

/** The transcript entry id of the user message sent with `idempotencyKey`, from the session's recent history. */
async function entryIdOf(client: OperatorClient, sessionKey: string, idempotencyKey: string): Promise<string | undefined> {
  const history = await client.chatHistory({ sessionKey, limit: 200 });
  for (const m of history.messages) {
    const ident = readSessionMessageIdentity(m);
    if (ident?.role === "user" && ident.id && (ident.idempotencyKey === idempotencyKey || ident.sendId === idempotencyKey)) return ident.id;
  }
  return undefined;
}

/**
 * Deletes a session and its transcript (the gateway keeps a `.deleted` archive of it). With operator.admin
 * that is one sessions.delete; with operator.write the gateway deletes only archived sessions, so the session
 * is archived first (sessions.patch archived, fenced by its current sessionId) — the write-scoped path the
 * gateway documents. Returns whether the gateway removed a session.
 */
export async function deleteSession(client: OperatorClient, key: string): Promise<{ deleted: boolean }> {
  requireMethod(client, "sessions.delete", "delete sessions");
  if (client.hasScopes("operator.admin")) {
    const r = await client.sessionsDelete({ key, deleteTranscript: true });
    return { deleted: r.deleted !== false };
  }
  requireMethod(client, "sessions.patch", "archive a session before deleting it");
  const sessionId = await currentSessionId(client, key);
  if (!sessionId) return { deleted: false }; // nothing stored under that key
  await client.sessionsPatch({ key, archived: true, expectedSessionId: sessionId });
  const r = await client.sessionsDelete({ key, archivedOnly: true, deleteTranscript: true });
  return { deleted: r.deleted !== false };
}

/** The id of the transcript generation stored under `key` (what an archive must name), if the session exists. */
async function currentSessionId(client: OperatorClient, key: string): Promise<string | undefined> {
  if (client.hello?.methods.includes("sessions.describe")) {
    try {
      const d = await client.sessionsDescribe(key);
      return d.sessionId ?? d.session?.sessionId;
    } catch (err) {
      if (!(err instanceof GatewayIssueError) || err.issue.kind !== "invalid-request") throw err;
      return undefined; // an unknown key
    }
  }
  const canonical = (k: string) => k.replace(/^agent:[^:]+:/, "");
  const rows = (await client.sessionsList({ limit: 500 })).sessions;
  const row = rows.find((s) => s.key === key) ?? rows.find((s) => canonical(s.key) === canonical(key));
  return typeof row?.sessionId === "string" ? row.sessionId : undefined;
}
