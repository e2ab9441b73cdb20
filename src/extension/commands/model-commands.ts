// "KrabKrab: Choose Model for Chat Session": the chat header's picker as a QuickPick — the models, the current
// model's thinking levels and the fast-mode choices of the session the chat view shows; picking one patches the
// session (the same ChatModels the header uses, so the transcript notes it and the header updates).
// A caller (another extension, a test) may pass the change instead: `{ model: "provider/id" }`,
// `{ thinkingLevel: "low" }` or `{ fastMode: "on" | "off" | "auto" | "default" }`.
import * as vscode from "vscode";
import type { FastModeView, ModelChoiceView, SessionInfoView } from "../../shared/contract";
import type { SettingsChange } from "../common/session-info";
import type { CommandSetter } from "../core";
import { showError } from "../views/error-ui";
import { ChatViewProvider } from "../webviews/chat-view";

type Item = vscode.QuickPickItem & { change?: SettingsChange };

const FAST: [FastModeView | "default", string, string][] = [
  ["default", "Default", "the model's or agent's setting"],
  ["on", "On", ""],
  ["off", "Off", ""],
  ["auto", "Auto", ""],
];

/** The QuickPick's rows: the same choices as the header's listbox, current ones checked. */
export function modelPickItems(info: SessionInfoView | null, models: readonly ModelChoiceView[]): Item[] {
  const check = (on: boolean) => (on ? "$(check) " : "");
  const items: Item[] = [{ label: "Model", kind: vscode.QuickPickItemKind.Separator }];
  for (const m of models) {
    items.push({
      label: `${check(m.ref === info?.model)}${m.name}`,
      description: m.ref,
      detail: [m.contextWindow ? `${m.contextWindow.toLocaleString("en-US")} tokens of context` : "", m.isDefault ? "the gateway's default" : "", m.unavailable ? `unavailable: ${m.unavailable}` : ""].filter(Boolean).join(" · ") || undefined,
      change: m.unavailable ? undefined : { model: m.ref },
    });
  }
  if (info?.thinkingLevels.length) {
    items.push({ label: "Thinking", kind: vscode.QuickPickItemKind.Separator });
    for (const l of info.thinkingLevels) items.push({ label: `${check(l === info.thinkingLevel)}${l}`, description: "thinking level", change: { thinkingLevel: l } });
  }
  items.push({ label: "Fast mode", kind: vscode.QuickPickItemKind.Separator });
  for (const [v, label, detail] of FAST) items.push({ label: `${check((info?.fastMode ?? "default") === v)}${label}`, description: detail ? `fast mode: ${detail}` : "fast mode", change: { fastMode: v } });
  return items;
}

function changeOf(arg: unknown): SettingsChange | undefined {
  if (!arg || typeof arg !== "object") return undefined;
  const a = arg as Record<string, unknown>;
  if (typeof a.model === "string" && a.model) return { model: a.model };
  if (typeof a.thinkingLevel === "string" && a.thinkingLevel) return { thinkingLevel: a.thinkingLevel };
  if (a.fastMode === "on" || a.fastMode === "off" || a.fastMode === "auto" || a.fastMode === "default") return { fastMode: a.fastMode };
  return undefined;
}

export function registerModelCommands(command: CommandSetter): void {
  command("krabkrab.chooseModel", async (arg) => {
    const view = ChatViewProvider.current;
    if (!view) return undefined;
    const { models, owned } = view.sessionSettings();
    try {
      let change = changeOf(arg);
      if (!change) {
        const [choices, info] = await Promise.all([models.models(), models.refresh()]);
        const qp = vscode.window.createQuickPick<Item>();
        qp.title = `KrabKrab: model for the chat session “${view.sessionShown.replace(/^agent:[^:]+:/, "")}”`;
        qp.placeholder = info ? `Now: ${info.modelName ?? info.model ?? "default model"}${info.thinkingLevel ? ` · thinking ${info.thinkingLevel}` : ""} · fast ${info.fastMode ?? "default"}` : "Pick a model, thinking level or fast mode";
        qp.matchOnDescription = true;
        qp.items = modelPickItems(info, choices);
        // Start on the current model, as the header's listbox does.
        const current = qp.items.find((i) => i.change && "model" in i.change && i.change.model === info?.model);
        if (current) qp.activeItems = [current];
        change = await new Promise<SettingsChange | undefined>((resolve) => {
          qp.onDidAccept(() => {
            const picked = qp.selectedItems[0] ?? qp.activeItems[0];
            if (!picked?.change) return; // an unavailable model: nothing to do, the list stays open
            resolve(picked.change);
            qp.hide();
          });
          qp.onDidHide(() => {
            resolve(undefined);
            qp.dispose();
          });
          qp.show();
        });
        if (!change) return undefined;
      }
      await models.apply(change);
      return change;
    } catch (err) {
      void showError(err, { showLog: () => vscode.commands.executeCommand("krabkrab.showLog") });
      return undefined;
    } finally {
      if (owned) models.dispose();
    }
  });
}
