// The loopback peer for the raw-transfer bench, in its own process so its CPU never counts as the
// host's. Each connection starts with an 8-byte big-endian length L:
//  - upload (top bit clear): once L bytes have arrived the sink answers "<bytes>\n" and ends;
//  - download (top bit set): the sink sends L random bytes and ends.
// (A length, not a half-close, marks the end: the tunnel's local listener does not pass a half-close on.)
// Prints the port on stdout.
import { randomBytes } from "node:crypto";
import net from "node:net";

const DOWNLOAD = 1n << 63n;
const chunk = randomBytes(64 * 1024);

async function send(sock: net.Socket, bytes: number) {
  let sent = 0;
  while (sent < bytes && !sock.destroyed) {
    const c = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
    sent += c.length;
    if (!sock.write(c)) await new Promise((r) => sock.once("drain", r));
  }
  sock.end();
}

const server = net.createServer((sock) => {
  let header = Buffer.alloc(0);
  let want = -1;
  let n = 0;
  sock.on("data", (b: Buffer) => {
    if (want < 0) {
      header = Buffer.concat([header, b]);
      if (header.length < 8) return;
      const h = header.readBigUInt64BE(0);
      if (h & DOWNLOAD) {
        want = 0;
        void send(sock, Number(h & ~DOWNLOAD));
        return;
      }
      want = Number(h);
      b = header.subarray(8);
    }
    if (want === 0) return;
    n += b.length;
    if (n >= want) sock.end(`${n}\n`);
  });
  sock.on("error", () => {});
});
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
