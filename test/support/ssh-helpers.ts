// Helpers the SSH tests share (the in-thread tunnel's and the worker tunnel's): prompts that fail the test when
// asked, and a raw HTTP GET through a tunnel's local port.
import net from "node:net";
import type { SshPrompts } from "../../src/gateway/ssh";

/** A plain HTTP/1.1 GET to 127.0.0.1:`port`, answered in full once the server closes. */
export function httpGet(port: number, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let buf = "";
    s.on("data", (d) => (buf += d.toString()));
    s.on("end", () => resolve(buf));
    s.on("error", reject);
    s.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

/** Prompts that fail the test when called (each case overrides the ones it expects). */
export function refusingPrompts(over: Partial<SshPrompts> = {}): SshPrompts {
  return {
    confirmHostKey: async (i) => {
      throw new Error(`unexpected host key prompt for ${i.knownHostsName}`);
    },
    passphrase: async (f) => {
      throw new Error(`unexpected passphrase prompt for ${f}`);
    },
    password: async (u) => {
      throw new Error(`unexpected password prompt for ${u}`);
    },
    ...over,
  };
}
