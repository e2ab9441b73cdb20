// The agent asks to run a command (real gateway, a session in "guarded" permission mode so exec needs a
// human). The extension, an approval client, announces exactly that request with a notification whose only
// button is Review…; the review (a modal) shows the whole command, cwd, host, agent, session and the
// gateway's warning before any allow button, with Deny first. The suite presses the buttons (answerMessages)
// and the gateway's tool result proves which decision went back.
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { answerMessages, api, connectLocalToTestGateway, until, type ShownMessage } from "./helpers";

describe("exec approvals (real gateway)", function () {
  this.timeout(240_000);

  before(() => connectLocalToTestGateway());
  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  /** Starts a guarded session whose model calls `exec {command}`; resolves with the raw request the gateway sent. */
  async function askToRun(command: string) {
    const { connections, notifications } = await api();
    const client = connections.current!;
    const key = `vscode-approvals-${randomUUID().slice(0, 8)}`;
    await client.call("sessions.patch", { key, permissionMode: "guarded" });
    const chat = connections.chat(key)!;
    await chat.open();
    const before = notifications.shown.length;
    const requested: (Record<string, unknown> & { id: string })[] = [];
    client.on("execApprovalRequested", (p) => requested.push(p));
    chat.send(`Run it [[tool:exec ${JSON.stringify({ command })}]]`);
    const req = await until("exec.approval.requested", () => requested[0], 180_000);
    const shown = await until("the notification", () => notifications.shown.slice(before).find((s) => s.kind === "exec"), 5_000);
    assert.equal(shown.id, req.id);
    const denied = () => until("the denied tool result", () => chat.snapshot().items.flatMap((i) => i.tools ?? []).find((t) => t.phase === "result" && t.isError), 120_000);
    return { req, key, denied };
  }

  const isNotice = (m: ShownMessage) => !m.modal && m.items.includes("Review…") && /wants to run a command/.test(m.message);
  const isReview = (m: ShownMessage) => m.modal && /wants to run a command/.test(m.message);

  it("the notification only offers Review…; the review shows the full command (> 400 chars), cwd, host, agent, session and the warning; Deny is sent back", async () => {
    const nonce = randomUUID().slice(0, 8);
    // `sh -c` makes the gateway warn (shell-wrapper); the tail past 400 characters is what the old notification cut.
    const command = `sh -c 'printf %s kk-vscode-approval-${nonce}-${"a".repeat(450)}-tail-${nonce}'`;
    const ui = answerMessages((m) => (isNotice(m) ? "Review…" : isReview(m) ? "Deny" : undefined));
    try {
      const { req, key, denied } = await askToRun(command);
      const result = await denied();
      assert.match(JSON.stringify(result.result), /denied/i);
      const notice = ui.seen.find(isNotice);
      assert.ok(notice, `no exec notification among ${JSON.stringify(ui.seen)}`);
      assert.deepEqual(notice.items, ["Review…"], "the notification itself offers no decision");
      const review = ui.seen.find(isReview);
      assert.ok(review?.detail, "no review modal");
      const r = req.request as { command: string; cwd: string; host: string; agentId: string; commandAnalysis?: { warningLines?: string[] }; unavailableDecisions?: string[] };
      assert.equal(r.command, command, "the gateway sent the command whole");
      assert.ok(review.detail.includes(`Command:\n${command}`), `the full command is in the review:\n${review.detail}`);
      assert.ok(review.detail.includes(`Working directory: ${r.cwd}`), review.detail);
      assert.ok(review.detail.includes(`Host: ${r.host}`), review.detail);
      assert.ok(review.detail.includes(`Agent: ${r.agentId}`), review.detail);
      assert.ok(review.detail.includes(`Session: agent:main:${key}`), review.detail);
      const warnings = r.commandAnalysis?.warningLines ?? [];
      assert.ok(warnings.length > 0, "the gateway warns about sh -c (else this test checks no warning)");
      for (const w of warnings) assert.ok(review.detail.includes(w), `warning “${w}” is in the review`);
      assert.equal(review.items[0], "Deny", "Deny is the default button");
      for (const d of r.unavailableDecisions ?? []) assert.ok(!review.items.includes(d === "allow-always" ? "Always Allow" : d), `${d} is not offered`);
    } finally {
      ui.restore();
    }
  });

  it("a command too long for a dialog: the review says so, opens the complete text read-only first, then the decision is asked next to it", async () => {
    const nonce = randomUUID().slice(0, 8);
    const command = `printf %s kk-vscode-long-${nonce}-${"b".repeat(2500)}-end-${nonce}`;
    const ui = answerMessages((m) => {
      if (isNotice(m)) return "Review…";
      if (isReview(m)) return "Open Full Command…";
      if (!m.modal && /complete command is open in the editor/.test(m.message)) return "Deny";
      return undefined;
    });
    try {
      const { denied } = await askToRun(command);
      await denied();
      const review = ui.seen.find(isReview);
      assert.ok(review?.detail);
      assert.match(review.detail, /too long to show here/);
      assert.equal(review.items[0], "Open Full Command…");
      const decide = ui.seen.find((m) => /complete command is open in the editor/.test(m.message));
      assert.ok(decide, "the decision was asked after the document opened");
      const editor = await until("the full command document", () => (vscode.window.activeTextEditor?.document.uri.scheme === "krabkrab" ? vscode.window.activeTextEditor : null));
      assert.ok(editor.document.getText().includes(command), "the document holds the complete command");
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    } finally {
      ui.restore();
    }
  });

  it("gateway error text shown in a notification cannot plant a link (VS Code renders [x](command:…) in messages)", async () => {
    const attack = "[Fix it](command:krabkrab.clearCredentials)";
    const ui = answerMessages((m) => (m.kind === "error" ? "Show Log" : undefined));
    try {
      // The gateway quotes a malformed session key in its error (`malformed session key "…"`); the command
      // shows that error as a notification.
      await vscode.commands.executeCommand("krabkrab.callMethod", { method: "agent.identity.get", params: { sessionKey: `agent:x::${attack}` } });
      const shown = await until("the error notification", () => ui.seen.find((m) => m.kind === "error"), 30_000);
      assert.match(shown.message, /malformed session key/, "the gateway's own error text is what is shown");
      assert.match(shown.message, /fix it/i, `the attack text reached the message: ${shown.message}`);
      assert.deepEqual([...shown.message.matchAll(/\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^\)\s]+)/gi)].map((m) => m[0]), [], shown.message);
      assert.ok(!/command:krabkrab/.test(shown.message), shown.message);
    } finally {
      ui.restore();
    }
  });
});
