// @-mentions in the composer (webview → host): what an "@query" can mention (the editor selection, open
// editors, workspace files from VS Code's file search) and the mentioned content, which goes with the next
// message as context. Its own module, imported only by the chat bundle's mention code and by the host: the
// dashboard bundle leaves these schemas out (see index.ts on bundle budgets).
import * as z from "zod/mini";
import { request, str } from "./protocol";
import { ContextSnippetSchema } from "./views";

/** Lines `start`..`end` (1-based, inclusive): `@file#L10-20`. */
export const LineRangeSchema = z.object({ start: z.int().check(z.gte(1)), end: z.int().check(z.gte(1)) });
export type LineRange = z.infer<typeof LineRangeSchema>;

export const MentionItemSchema = z.object({
  kind: z.enum(["selection", "editor", "file"]),
  /** What the popup shows and the composer inserts after "@": a workspace-relative path, with "#L10-20" for a range. */
  label: str(1000),
  /** The document (a URI string) the host reads when the mention is accepted. */
  ref: str(4096),
  range: z.optional(LineRangeSchema),
  detail: z.optional(str(500)),
});
export type MentionItem = z.infer<typeof MentionItemSchema>;

/** webview → host: what "@query" can mention ("path#L10-20" narrows to lines). */
export const MentionSearch = request("mentionSearch", { query: str(1000) }, z.object({ items: z.array(MentionItemSchema).check(z.maxLength(50)) }));
/** webview → host: the content of a mention (checked against the gateway's limits), as a context snippet. */
export const MentionResolve = request("mentionResolve", { ref: str(4096), range: z.optional(LineRangeSchema) }, ContextSnippetSchema);

/** Every request of this module. */
export const MENTION_REQUESTS = [MentionSearch, MentionResolve] as const;
