// The SSH transport's public shapes: what a caller passes to SshTunnel.open (options, prompts) and what it
// gets back (state, remote check results). Plain Node; never imports `vscode`.
import type { Logger } from "../logger";
import type { Platform } from "../platform";

export interface HostKeyPromptInfo {
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:…` as OpenSSH prints it. */
  fingerprint: string;
  /** The name it will be recorded under in known_hosts (`host` or `[host]:port`, or the HostKeyAlias). */
  knownHostsName: string;
  /** Key types already known for this host (a new type is not a changed key, but worth a mention). */
  otherKeyTypes: string[];
}

export interface SshPrompts {
  confirmHostKey(info: HostKeyPromptInfo): Promise<boolean>;
  /** undefined = cancelled (the key is skipped). */
  passphrase(keyFile: string): Promise<string | undefined>;
  /** undefined = cancelled (no password auth). */
  password(userAtHost: string): Promise<string | undefined>;
  /** Without it, a single hidden prompt is answered through `password`. */
  keyboardInteractive?(name: string, instructions: string, prompts: { prompt: string; echo: boolean }[]): Promise<string[] | undefined>;
}

export interface SshTunnelOptions {
  /** `user@host[:port]` or a ~/.ssh/config alias. */
  target: string;
  /** A private key the user named explicitly (profile); tried first after the agent. Missing → error. */
  identityFile?: string;
  /** The gateway's port on the remote host's loopback. */
  remotePort: number;
  /** Local end; 0/absent = an ephemeral port. Kept across re-establishment. */
  localPort?: number;
  /** Default `<home>/.ssh/config`. */
  sshConfigPath?: string;
  /** The user known_hosts file (read and appended). Default: UserKnownHostsFile from the config, else `<home>/.ssh/known_hosts`. */
  knownHostsPath?: string;
  /** Read-only system files. Default `/etc/ssh/ssh_known_hosts{,2}` (Windows: `%ProgramData%\ssh\…`). */
  globalKnownHostsPaths?: string[];
  /** ssh-agent: undefined = IdentityAgent from the config, else $SSH_AUTH_SOCK, else (Windows) the OpenSSH
   *  agent pipe or Pageant (platform/ssh-locations.ts); null = no agent. */
  agent?: string | null;
  prompts: SshPrompts;
  logger?: Logger;
  /** Per hop, for TCP connect + handshake + authentication, not counting time spent in prompts. Default: ConnectTimeout from the config, else 20 s. */
  readyTimeoutMs?: number;
  /** Default os.homedir(). */
  home?: string;
  /** Default os.userInfo().username. */
  localUser?: string;
  /** Default process.env (SSH_AUTH_SOCK, ${VAR} in paths). */
  env?: NodeJS.ProcessEnv;
  /** Default Infinity: keep trying (state says so). */
  maxReconnectAttempts?: number;
  /** Backoff bounds for re-establishment. Defaults 500 and 15000 ms. */
  reconnectMinDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Aborting cancels a pending open() (e.g. the user disconnects while a prompt is up); open() then rejects with kind "closed". */
  signal?: AbortSignal;
  /** SSH keepalive. Defaults 15000 ms × 3. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** The laptop's OS rules (agent, file locations, paths); default the machine this runs on. */
  platform?: Platform;
}

export type TunnelState =
  | { status: "connecting" }
  | { status: "open"; localPort: number }
  | { status: "reconnecting"; attempt: number; error: string }
  | { status: "closed"; error?: string };

export interface HostKeyChangedInfo {
  host: string;
  port: number;
  knownHostsName: string;
  keyType: string;
  expectedFingerprint: string;
  offeredFingerprint: string;
  knownHostsPath: string;
  line: number;
}


export interface RemoteTestResult {
  /** `krabkrab` or `openclaw` when found on the remote PATH (of a non-interactive SSH session). */
  cli: string | null;
  /** The CLI's `status --json` output, parsed; null when absent or not JSON. */
  statusJson: unknown;
  /** GET /readyz through a forward to 127.0.0.1:<remotePort> answered 200. */
  gatewayReachable: boolean;
  /** The HTTP status of /readyz, when any. */
  readyzStatus: number | null;
  /** One readable paragraph. */
  detail: string;
}

