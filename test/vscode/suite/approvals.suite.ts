// The agent asks to run a command (real gateway, a session in "guarded" permission mode so exec needs a
// human): the extension, an approval client, shows the notification for exactly that request; the answer
// (sent here through the same client, as the notification's Deny button does) ends the run denied.
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { api, connectLocalToTestGateway, gateway, until } from "./helpers";

describe("exec approvals (real gateway)", function () {
  this.timeout(240_000);

  before(() => connectLocalToTestGateway());
  after(async () => {
    await vscode.commands.executeCommand("krabkrab.disconnect");
  });

  it("exec.approval.requested becomes a notification; Deny is sent back and the tool reports it", async () => {
    const { connections, notifications } = await api();
    const client = connections.current!;
    const key = `vscode-approvals-${randomUUID().slice(0, 8)}`;
    await client.call("sessions.patch", { key, permissionMode: "guarded" });
    const chat = connections.chat(key)!;
    await chat.open();
    const before = notifications.shown.length;
    const requested: { id: string }[] = [];
    client.on("execApprovalRequested", (p) => requested.push(p));
    chat.send(`Run it [[tool:exec {"command":"printf %s kk-vscode-approval"}]]`);
    const req = await until("exec.approval.requested", () => requested[0], 180_000);
    const shown = await until("the notification", () => notifications.shown.slice(before).find((s) => s.kind === "exec"), 5_000);
    assert.equal(shown.id, req.id);
    await client.execApprovalResolve(req.id, "deny");
    const denied = await until(
      "the denied tool result",
      () => chat.snapshot().items.flatMap((i) => i.tools ?? []).find((t) => t.phase === "result" && t.isError),
      120_000,
    );
    assert.match(JSON.stringify(denied.result), /denied/i);
  });
});
