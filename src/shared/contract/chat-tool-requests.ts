// The requests of the chat's tools — the slash-command menu of the composer and the session picker's rename,
// fork and delete. Declared apart from requests.ts because only the lazily loaded chat-tools script
// (src/webview/lazy-chat-tools.ts) and the host use them: esbuild keeps every top-level declaration of a
// module a bundle imports, and the main chat and dashboard bundles have a size budget.
import * as z from "zod/mini";
import { request, str } from "./protocol";
import { SessionKeySchema } from "./views";

/** One slash command of the gateway (commands.list), as the composer's menu offers it. */
export const SlashCommandViewSchema = z.object({
  /** What is typed, with its slash: "/help". */
  name: z.string().check(z.minLength(2), z.maxLength(201), z.regex(/^\/\S+$/)),
  aliases: z.array(z.string().check(z.maxLength(201))).check(z.maxLength(20)),
  description: str(2000),
  /** An argument hint: "<name> [input]". */
  args: z.optional(str(1000)),
  category: z.optional(str(64)),
});
export type SlashCommandView = z.infer<typeof SlashCommandViewSchema>;

/** webview → host: the gateway's slash commands for the session shown ([] when it has no commands.list). */
export const ListCommands = request("listCommands", {}, z.object({ commands: z.array(SlashCommandViewSchema).check(z.maxLength(500)) }));
/** webview → host: rename a session (sessions.patch label); an empty label clears the custom name. */
export const RenameSession = request("renameSession", { sessionKey: SessionKeySchema, label: str(512) }, z.object({}));
/** webview → host: delete a session, after the host's own modal confirmation; `deleted: false` when not confirmed. */
export const DeleteSession = request("deleteSession", { sessionKey: SessionKeySchema }, z.object({ deleted: z.boolean() }));
/** webview → host: fork a session (sessions.create with fork) and show the fork in this webview. */
export const ForkSession = request("forkSession", { sessionKey: SessionKeySchema }, z.object({ sessionKey: z.string() }));

/** Every chat-tool request (the host accepts these besides requests.ts's REQUESTS). */
export const CHAT_TOOL_REQUESTS = [ListCommands, RenameSession, DeleteSession, ForkSession] as const;
