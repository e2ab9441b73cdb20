// The SSH transport's bundle entry (dist/ssh-tunnel.js, loaded on the first SSH connect): ssh2 and its crypto
// stay out of the activation path. What the rest of the code may use is re-exported here.
export { resolveSshEndpoint, resolveSshTarget, SshConfigError, type ResolvedSshTarget, type SshHop } from "./config-resolve";
export { HostKeyChangedError, SshTunnelError, type SshErrorKind } from "./errors";
export { SshTunnel } from "./tunnel";
export type { HostKeyChangedInfo, HostKeyPromptInfo, RemoteTestResult, SshPrompts, SshTunnelOptions, TunnelState } from "./types";
