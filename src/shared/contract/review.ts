// The chat's "Review changes" requests (webview → host): open the agent's file changes of one tool call or
// of a whole run in VS Code's diff editor. Its own module, imported only by the chat bundle's review code and
// by the host (webview-messages.ts, requests-index below): the dashboard bundle, which has no review, leaves
// these schemas out (see index.ts on bundle budgets).
import * as z from "zod/mini";
import { request, str } from "./protocol";

/** webview → host: review the files one tool call (`toolCallId`) or one run (`runId`) changed; the host opens the diff(s). */
export const ReviewChanges = request("reviewChanges", { toolCallId: z.optional(str(512)), runId: z.optional(str(512)) }, z.object({ files: z.int() }));

/** Every request of this module. */
export const REVIEW_REQUESTS = [ReviewChanges] as const;
