// Decides what to post for a new transcript snapshot: only the changed items (a `chatPatch`) when the items
// before are still there in the same order (a streaming reply, a new message), else the whole snapshot (a
// history re-sync, load older, a session switch). No `vscode` here (unit-tested).
import type { HostMessage, TranscriptItem } from "../../shared/contract";

export interface Snapshot {
  sessionKey: string;
  items: TranscriptItem[];
  hasMore: boolean;
  activeRunId: string | null;
}

export class TranscriptDiff {
  private lastIds: string[] = [];
  private lastSessionKey = "";
  private readonly lastJson = new Map<string, string>();

  /** Forget what was posted (the webview was reloaded or switched session): the next message is a full one. */
  reset(): void {
    this.lastIds = [];
    this.lastSessionKey = "";
    this.lastJson.clear();
  }

  next(snap: Snapshot, forceFull = false): Extract<HostMessage, { type: "chat" | "chatPatch" }> {
    const ids = snap.items.map((i) => i.id);
    const samePrefix = !forceFull && this.lastSessionKey !== "" && snap.sessionKey === this.lastSessionKey && ids.length >= this.lastIds.length && this.lastIds.every((id, i) => ids[i] === id);
    const changed: TranscriptItem[] = [];
    for (const it of snap.items) {
      const j = JSON.stringify(it);
      if (this.lastJson.get(it.id) !== j) {
        this.lastJson.set(it.id, j);
        changed.push(it);
      }
    }
    if (!samePrefix) {
      const keep = new Set(ids);
      for (const id of this.lastJson.keys()) if (!keep.has(id)) this.lastJson.delete(id);
    }
    this.lastIds = ids;
    this.lastSessionKey = snap.sessionKey;
    if (samePrefix) return { type: "chatPatch", patch: { sessionKey: snap.sessionKey, upsert: changed, hasMore: snap.hasMore, activeRunId: snap.activeRunId } };
    return { type: "chat", chat: { sessionKey: snap.sessionKey, items: snap.items, hasMore: snap.hasMore, activeRunId: snap.activeRunId } };
  }
}
