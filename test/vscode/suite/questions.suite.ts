// An agent question end to end in real VS Code (real gateway, stand-in model): the model calls ask_user, the
// extension (a question client: operator.questions) shows a notification because no chat shows that
// session, "Answer…" opens a quick pick of the options, and the answer resumes the run — the model's reply
// quotes it. The inline card in the chat webview is covered in Chromium (test/webview/chat.test.ts).
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { answerMessages, api, connectLocalToTestGateway, until } from "./helpers";

describe("agent questions (real gateway)", function () {
  this.timeout(240_000);

  before(() => connectLocalToTestGateway());
  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect", { all: true });
  });

  it("ask_user raises a notification; Answer… picks an option in a quick pick; the run continues with the answer", async () => {
    const { connections, questions } = await api();
    const client = connections.current!;
    assert.ok(client.hello?.methods.includes("question.resolve"), "the gateway offers questions");
    assert.ok(client.hasScopes("operator.questions"), "the extension asks for operator.questions by default");
    const nonce = randomUUID().slice(0, 8);
    const key = `vscode-questions-${nonce}`;
    const chat = connections.chat(key)!;
    await chat.open();
    const w = vscode.window as unknown as Record<string, unknown>;
    const originalPick = w.showQuickPick;
    const picks: string[] = [];
    // The quick pick offers the options plus "Type an answer…"; the test picks "Production".
    w.showQuickPick = async (items: readonly vscode.QuickPickItem[], opts?: vscode.QuickPickOptions) => {
      picks.push(`${opts?.title}: ${items.map((i) => i.label).join(" | ")}`);
      return items.find((i) => i.label === "Production");
    };
    const ui = answerMessages((m) => (m.items.includes("Answer…") && m.message.includes(nonce) ? "Answer…" : undefined));
    try {
      const args = { questions: [{ id: "target", header: "Target", question: `Deploy ${nonce} where?`, options: [{ label: "Staging" }, { label: "Production" }] }] };
      chat.send(`Ask me [[tool:ask_user ${JSON.stringify(args)}]]`);
      const q = await until("the question", () => questions.list(key).find((s) => s.record.questions[0]?.question.includes(nonce)), 180_000);
      assert.ok(questions.notified.includes(q.record.id), "a notification was shown (no chat view shows this session)");
      const final = await until("the reply with the answer", () => chat.snapshot().items.find((i) => i.role === "assistant" && i.status === "final" && /Tool ask_user returned/.test(i.text)), 120_000);
      assert.ok(final.text.includes("Production"), final.text);
      assert.ok(picks.some((p) => p.includes(`Deploy ${nonce} where?`) && p.includes("Staging | Production | Type an answer…")), JSON.stringify(picks));
      await until("answered state", () => questions.list(key).find((s) => s.record.id === q.record.id && s.status === "answered"), 30_000);
    } finally {
      ui.restore();
      w.showQuickPick = originalPick;
    }
  });
});
