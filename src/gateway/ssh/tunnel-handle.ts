// What both tunnels (tunnel.ts in this thread, worker-proxy.ts for one in a worker) hold the same way: the local
// port the WebSocket connects to, and the state they announce. No ssh2 here: the main-thread bundle has it.
import { EventEmitter } from "node:events";
import type { TunnelState } from "./types";

export abstract class TunnelHandleBase extends EventEmitter<{ state: [TunnelState] }> {
  protected _localPort = 0;
  protected _state: TunnelState = { status: "connecting" };

  get localPort(): number {
    return this._localPort;
  }
  get url(): string {
    return `ws://127.0.0.1:${this._localPort}`;
  }
  get state(): TunnelState {
    return this._state;
  }
}
