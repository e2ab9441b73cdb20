// The gateway's session-file methods as we read them (tolerant schemas: fields we do not use are kept, a
// missing field we need is an "unexpected response"): `sessions.files.get` (a file of the agent's workspace,
// with its content), `sessions.files.list` (the files the session read or modified) and `sessions.diff` (the
// checkout's git changes, one unified patch per file). Shapes from @openclaw/gateway-protocol's
// SessionsFilesGetResult, SessionsFilesListResult and SessionsDiffResult (2026.9.x).
import * as z from "zod/mini";

const optStr = z.optional(z.string());

export const SessionFileSchema = z.looseObject({
  path: z.string(),
  workspacePath: optStr,
  name: optStr,
  kind: optStr,
  missing: z.optional(z.boolean()),
  size: z.optional(z.number()),
  content: optStr,
  contentEncoding: optStr,
  previewKind: optStr,
  hash: optStr,
});
export type SessionFile = z.infer<typeof SessionFileSchema>;

export const SessionsFilesGetSchema = z.looseObject({ sessionKey: z.string(), root: optStr, file: SessionFileSchema });
export const SessionsFilesListSchema = z.looseObject({
  sessionKey: z.string(),
  root: optStr,
  gitCheckout: z.optional(z.boolean()),
  files: z.array(SessionFileSchema),
});

export const SessionDiffFileSchema = z.looseObject({
  path: z.string(),
  oldPath: optStr,
  status: z.string(),
  additions: z.number(),
  deletions: z.number(),
  binary: z.optional(z.boolean()),
  untracked: z.optional(z.boolean()),
  patch: optStr,
  truncated: z.optional(z.boolean()),
});
export const SessionsDiffSchema = z.looseObject({
  sessionKey: z.string(),
  root: optStr,
  branch: optStr,
  files: z.array(SessionDiffFileSchema),
  additions: z.number(),
  deletions: z.number(),
  truncated: z.optional(z.boolean()),
  /** unknown_session | not_git | unknown_commit */
  unavailableReason: optStr,
});
export type SessionsDiff = z.infer<typeof SessionsDiffSchema>;

/** The text of a session file, `null` when it does not exist (any more), `undefined` when it is not text. */
export function fileText(f: SessionFile): string | null | undefined {
  if (f.missing) return null;
  const binary = (f.contentEncoding && f.contentEncoding !== "utf8") || (f.previewKind && f.previewKind !== "text");
  if (typeof f.content !== "string" || binary) return undefined;
  return f.content;
}
