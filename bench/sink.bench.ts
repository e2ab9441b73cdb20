// The loopback sink for the raw-transfer bench, in its own process so its CPU never counts as the
// host's. Each connection starts with an 8-byte big-endian length; once that many bytes have arrived the
// sink answers "<bytes>\n" and ends. (A length, not a half-close: the ssh2 forward does not pass a
// half-close through — see the bench notes.) Prints the port on stdout.
import net from "node:net";

const server = net.createServer((sock) => {
  let header = Buffer.alloc(0);
  let want = -1;
  let n = 0;
  sock.on("data", (b: Buffer) => {
    if (want < 0) {
      header = Buffer.concat([header, b]);
      if (header.length < 8) return;
      want = Number(header.readBigUInt64BE(0));
      b = header.subarray(8);
    }
    n += b.length;
    if (n >= want) sock.end(`${n}\n`);
  });
  sock.on("error", () => {});
});
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
