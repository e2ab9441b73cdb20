// What the Nodes and Health views share with several gateways: one section (that gateway's data, kept current)
// per gateway connection, created as each connection appears, and a root that regroups when a gateway comes up
// or goes away (one gateway's items at the root, or a row per live gateway).
import * as vscode from "vscode";
import { Disposable } from "../../shared/base/lifecycle";
import type { Logger } from "../../gateway";
import type { ConnectionManager } from "../connection/connection-manager";
import type { Gateways } from "../connection/gateways";

export abstract class GatewayTree<T, S extends vscode.Disposable> extends Disposable implements vscode.TreeDataProvider<T> {
  protected readonly changed = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  protected readonly sections = new Map<ConnectionManager, S>();

  constructor(protected readonly gateways: Gateways) {
    super();
  }

  /**
   * Makes a section per gateway from now on (`changed` redraws the tree). Called by the subclass at the end of
   * its constructor: a section may read the subclass's own fields, which exist only once super() returned.
   */
  protected follow(make: (m: ConnectionManager, changed: { fire(e: undefined): void }) => S): void {
    const gateways = this.gateways;
    const add = (m: ConnectionManager) => this.sections.set(m, this._register(make(m, this.changed)));
    for (const m of gateways.all()) add(m);
    this._register(gateways.onDidAdd(add));
    let shape = "";
    this._register(gateways.onDidChange(() => {
      const now = gateways.live().map((m) => m.key).join("\n");
      if (now !== shape) this.changed.fire(undefined);
      shape = now;
    }));
  }

  protected section(m: ConnectionManager): S {
    return this.sections.get(m)!;
  }

  abstract getTreeItem(e: T): vscode.TreeItem;
  abstract getChildren(e?: T): T[];

  override dispose(): void {
    this.changed.dispose();
    super.dispose();
  }
}

/** One gateway's part of a tree: its connection, its log, and how to redraw the tree. */
export abstract class GatewaySection extends Disposable {
  constructor(
    readonly connections: ConnectionManager,
    protected readonly log: Logger,
    protected readonly changed: { fire(e: undefined): void },
  ) {
    super();
  }
}
