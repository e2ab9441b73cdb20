// The chat's "Review changes" (one tool call, or a run) and the session review command: the change set is
// built from the transcript the view shows (src/gateway/changes), completed with the gateway's
// sessions.files.* where offered and, failing that, this window's own copy of the file; ChangeReview shows it.
import type { ChatSnapshot, OperatorClient, ReviewClient, ReviewPick, RunToolCard } from "../../gateway";
import { sessionChangeSet, toolChangeSet } from "../../gateway";
import { ReviewChanges } from "../../shared/contract";
import type { WebviewChannel } from "../webviews/webview-channel";
import { ChangeReview } from "./change-review";
import { readLocal } from "./local-files";

export interface ReviewSource {
  snapshot(): ChatSnapshot;
  client(): OperatorClient | null | undefined;
}

/** No connection: the tool events alone (nothing is asked of the gateway). */
const OFFLINE = { hello: null } as unknown as ReviewClient;

function cardsOf(snap: ChatSnapshot): RunToolCard[] {
  return snap.items.flatMap((i) => (i.tools ?? []).map((card) => ({ card, runId: i.runId })));
}

function review(): ChangeReview {
  if (!ChangeReview.current) throw new Error("Reviewing changes is not available yet.");
  return ChangeReview.current;
}

async function reviewPick(src: ReviewSource, pick: ReviewPick, title: string): Promise<number> {
  const snap = src.snapshot();
  const set = await toolChangeSet(src.client() ?? OFFLINE, snap.sessionKey, cardsOf(snap), pick, { readFallback: readLocal });
  return review().show(set, title);
}

/** Registers the chat's review request on its channel. */
export function handleReviewRequests(channel: WebviewChannel, src: ReviewSource): void {
  channel.handle(ReviewChanges, async (m) => {
    if (m.toolCallId) return { files: await reviewPick(src, { toolCallId: m.toolCallId }, "The agent's change") };
    if (m.runId) return { files: await reviewPick(src, { runId: m.runId }, "The agent's changes in this reply") };
    throw new Error("Say which tool call or reply to review.");
  });
}

/**
 * Every change of the session: the checkout's diff against git HEAD (sessions.diff) where the gateway offers it
 * and the workspace is a git checkout, else every file change of the transcript the view shows.
 */
export async function reviewSession(src: ReviewSource): Promise<number> {
  const client = src.client();
  const snap = src.snapshot();
  if (client?.hello?.methods.includes("sessions.diff")) {
    const set = await sessionChangeSet(client, snap.sessionKey).catch(() => undefined);
    if (set?.files.length) return review().show(set, "The session's changes (git)");
  }
  return reviewPick(src, { all: true }, "The session's changes");
}
