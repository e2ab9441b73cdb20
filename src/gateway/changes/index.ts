// Reviewing the agent's file changes: what its file tools did (tool-edits), the before/after of each file
// (change-set), the text operations behind them (text-diff) and the gateway's session-file methods (review).
export * from "./change-set";
export * from "./review";
export { FILE_TOOLS, changesFiles, opsOfCard, opsOfTranscript, parseApplyPatch, type FileOp, type RunToolCard, type TextEdit } from "./tool-edits";
export { applyEdits, applyUnifiedDiff, lineStats, undoEdits } from "./text-diff";
export { fileText, type SessionFile, type SessionsDiff } from "./session-files";
