// Where the local gateway is and which token it wants, from the environment (KrabKrab's names first,
// OpenClaw's accepted too) and the caller's settings. The full precedence (profile > env > config file
// > defaults) lives in target resolution; this is the loopback case.
export const DEFAULT_GATEWAY_PORT = 18789;

export interface LocalTargetInput {
  env: NodeJS.ProcessEnv;
  /** From settings; undefined when the user did not set it. */
  port?: number;
  /** From the secret store. */
  storedToken?: string;
}

export interface LocalTarget {
  port: number;
  url: string;
  token?: string;
  tokenSource?: "env" | "secret-store";
}

export function parsePort(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN; // digits only: no "0x50", "1e3"
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${what} must be a port number from 1 to 65535, got "${raw.slice(0, 40)}".`);
  return n;
}

export function resolveLocalTarget(input: LocalTargetInput): LocalTarget {
  const envPort = parsePort(input.env.KRABKRAB_GATEWAY_PORT, "KRABKRAB_GATEWAY_PORT") ?? parsePort(input.env.OPENCLAW_GATEWAY_PORT, "OPENCLAW_GATEWAY_PORT");
  const port = input.port ?? envPort ?? DEFAULT_GATEWAY_PORT;
  const envToken = input.env.KRABKRAB_GATEWAY_TOKEN || input.env.OPENCLAW_GATEWAY_TOKEN || undefined;
  const token = envToken ?? input.storedToken;
  return { port, url: `ws://127.0.0.1:${port}`, token, tokenSource: envToken ? "env" : input.storedToken ? "secret-store" : undefined };
}
