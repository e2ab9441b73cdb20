// The chat's model / thinking / fast-mode picker, context meter and Compact action: the messages between the
// chat side panel and its host, declared like the rest of the contract. A module of its own because only the
// picker's lazily loaded script (src/webview/main-models.ts) bundles these schemas: the chat and dashboard
// entries stay as they were (esbuild keeps every top-level schema of a module it bundles; both entries have a
// size budget). The host lists them in webview-messages.ts (requests) and host-messages.ts (notifications).
import * as z from "zod/mini";
import { notification, request, str } from "./protocol";

/** One model the session may use (models.list), as the picker shows it. */
export const ModelChoiceViewSchema = z.object({
  /** "provider/id": what sessions.patch takes. */
  ref: str(600),
  name: str(500),
  provider: str(200),
  contextWindow: z.optional(z.number()),
  /** Thinking level ids this model offers (none: no thinking control). */
  thinkingLevels: z.array(str(64)).check(z.maxLength(20)),
  /** The gateway's default model (tag "default"). */
  isDefault: z.optional(z.boolean()),
  /** Why it cannot be used now ("missing-auth", "cooldown", …); absent when available. */
  unavailable: z.optional(str(200)),
});
export type ModelChoiceView = z.infer<typeof ModelChoiceViewSchema>;

export const FastModeSchema = z.enum(["on", "off", "auto"]);
export type FastModeView = z.infer<typeof FastModeSchema>;

/** The session shown: its model and settings, and how full its context is. */
export const SessionInfoViewSchema = z.object({
  sessionKey: str(256),
  /** "provider/id" of the model the next message goes to. */
  model: z.optional(str(600)),
  modelName: z.optional(str(500)),
  thinkingLevel: z.optional(str(64)),
  /** The current model's thinking levels. */
  thinkingLevels: z.array(str(64)).check(z.maxLength(20)),
  fastMode: z.optional(FastModeSchema),
  /** Tokens in the context as last sent to the model, and the model's context window. */
  usedTokens: z.optional(z.number()),
  contextWindow: z.optional(z.number()),
  /** false: the token figure predates the last change and is approximate. */
  fresh: z.optional(z.boolean()),
  /** The gateway offers models.list + sessions.patch (the picker), sessions.compact (Compact). */
  canPick: z.boolean(),
  canCompact: z.boolean(),
});
export type SessionInfoView = z.infer<typeof SessionInfoViewSchema>;

/** host → webview: the shown session's model, settings and context use; null hides the picker and meter. */
export const SessionInfoChanged = notification("sessionInfo", { info: z.nullable(SessionInfoViewSchema) });

/** webview → host: the current session info (the picker's script loads after the first `sessionInfo` may have gone by). */
export const GetSessionInfo = request("getSessionInfo", {}, z.object({ info: z.nullable(SessionInfoViewSchema) }));
/** webview → host: the models the session may use (models.list). */
export const ListModels = request("listModels", {}, z.array(ModelChoiceViewSchema).check(z.maxLength(500)));
/** webview → host: change one setting of the shown session (sessions.patch); `default` clears the override. */
export const PatchSession = request(
  "patchSession",
  { model: z.optional(str(600)), thinkingLevel: z.optional(str(64)), fastMode: z.optional(z.enum(["on", "off", "auto", "default"])) },
  z.object({}),
);
/** webview → host: compact the shown session's context (sessions.compact); not compacted comes with the gateway's reason. */
export const CompactSession = request("compactSession", {}, z.object({ compacted: z.boolean(), reason: z.optional(z.string()) }));

export const SESSION_SETTINGS_REQUESTS = [GetSessionInfo, ListModels, PatchSession, CompactSession] as const;
export const SESSION_SETTINGS_NOTIFICATIONS = [SessionInfoChanged] as const;
