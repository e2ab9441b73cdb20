// The chat's "Review changes" (one tool call, or a run) and the session review command: the change set is
// built from the transcript the view shows (src/gateway/changes), completed with the gateway's
// sessions.files.* where offered and, failing that, this window's own copy of the file; ChangeReview shows it.
import * as vscode from "vscode";
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
 * Every change of the session: what the agent's file tools changed in the conversation the view shows, or —
 * where the gateway offers sessions.diff — the session checkout's uncommitted changes against git HEAD (which
 * also has what the agent changed with shell commands, and anyone else's edits of that checkout). Asked when
 * both are there.
 */
export async function reviewSession(src: ReviewSource): Promise<number> {
  const client = src.client();
  const snap = src.snapshot();
  if (client?.hello?.methods.includes("sessions.diff")) {
    const tools = { label: "$(tools) What the agent's file tools changed", detail: "The edits and writes of this conversation, call by call", git: false };
    const git = { label: "$(git-compare) The checkout's uncommitted changes", detail: "sessions.diff: the agent's workspace against git HEAD, however the files changed", git: true };
    const pick = await vscode.window.showQuickPick([tools, git], { title: "KrabKrab: review the session's changes", placeHolder: "Which changes?" });
    if (!pick) return 0;
    if (pick.git) {
      const set = await sessionChangeSet(client, snap.sessionKey);
      if (!set.files.length) throw new Error("The agent's checkout has no uncommitted changes.");
      return review().show(set, "The checkout's changes");
    }
  }
  return reviewPick(src, { all: true }, "The session's changes");
}
