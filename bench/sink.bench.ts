// The loopback sink for the raw-transfer bench, in its own process so its CPU never counts as the
// host's. Each connection: count bytes until the sender half-closes, then answer "<bytes>\n" and end.
// Prints the port on stdout.
import net from "node:net";

const server = net.createServer({ allowHalfOpen: true }, (sock) => {
  let n = 0;
  sock.on("data", (b: Buffer) => {
    n += b.length;
  });
  sock.on("end", () => sock.end(`${n}\n`));
  sock.on("error", () => {});
});
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
