// Actions on one message of the chat transcript (the side panel's): "Fork from here" on a user message
// (sessions.fork). Its own module, imported only by the side panel's row actions and the host, so the dashboard
// bundle (no message actions) leaves the schema out (see index.ts on bundle budgets). Whether the gateway offers
// it comes with the `connection` notification (`messageActions`, notifications.ts).
import * as z from "zod/mini";
import { request, str } from "./protocol";
import { SessionKeySchema } from "./views";

/**
 * webview → host: fork `sessionKey` at one of its user messages — named by its transcript entry id, or by its
 * idempotency key when sent from here and not yet re-read from history — and show the fork in this webview.
 * `editorText`: the message, handed back by the gateway for the composer.
 */
export const ForkAtMessage = request(
  "forkAtMessage",
  { sessionKey: SessionKeySchema, entryId: z.optional(str(512)), idempotencyKey: z.optional(str(512)) },
  z.object({ sessionKey: z.string(), editorText: z.optional(z.string()) }),
);

/** Every request of this module. */
export const MESSAGE_ACTION_REQUESTS = [ForkAtMessage] as const;
