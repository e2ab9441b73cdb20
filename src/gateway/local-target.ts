// The gateway's default loopback port and the one port parser every source (settings, env, config file)
// goes through, so they all fail with the same specific message.
export const DEFAULT_GATEWAY_PORT = 18789;

export function parsePort(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN; // digits only: no "0x50", "1e3"
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${what} must be a port number from 1 to 65535, got "${raw.slice(0, 40)}".`);
  return n;
}
