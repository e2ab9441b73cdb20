// The SSH transport's bundle entry (dist/ssh-tunnel.js, loaded on the first SSH connect): ssh2 and its crypto
// stay out of the activation path. What the rest of the code may use is re-exported here.
// The same file is the tunnel's worker script (worker-proxy.ts starts it with workerData[WORKER_MARK]), so
// ssh2 ships once: loaded that way it runs the worker side (worker-host.ts) as well.
import { isMainThread, workerData } from "node:worker_threads";
import { runWorkerHost } from "./worker-host";
import { WORKER_MARK } from "./worker-protocol";

export { resolveSshEndpoint, resolveSshTarget, SshConfigError, type ResolvedSshTarget, type SshHop } from "./config-resolve";
export { HostKeyChangedError, SshTunnelError, type SshErrorKind } from "./errors";
export { openSshTunnel, type OpenTunnelWhere } from "./open-tunnel";
export { SshTunnel } from "./tunnel";
export { WorkerSshTunnel, type WorkerTunnelOptions } from "./worker-proxy";
export type { HostKeyChangedInfo, HostKeyPromptInfo, RemoteTestResult, SshPrompts, SshTunnelHandle, SshTunnelOptions, TunnelState } from "./types";

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_MARK] === true) runWorkerHost();
