// How real-peer tests find the peers that scripts/test.mjs started once for the whole run. A test that
// needs a peer which is not there fails loudly with the reason — it never skips.
import { attachGateway, type GatewayHandle } from "../fixtures/gateway";
import { createDeviceIdentity, MemorySecretStore, OperatorClient, type OperatorClientOptions } from "../../src/gateway";

export function realGateway(): GatewayHandle {
  const handle = process.env.KRABKRAB_TEST_GATEWAY_HANDLE;
  if (!handle) {
    throw new Error("The real gateway is not running: KRABKRAB_TEST_GATEWAY_HANDLE is unset. Run the suite through `npm test` (scripts/test.mjs starts the gateway once per run).");
  }
  return attachGateway(handle);
}

export function modelUrl(): string {
  const url = process.env.KRABKRAB_TEST_MODEL_URL;
  if (!url) throw new Error("The test model server is not running: KRABKRAB_TEST_MODEL_URL is unset. Run the suite through `npm test`.");
  return url;
}

/** A fresh operator client (new device identity unless one is given) against the real gateway. */
export function operator(over: Partial<OperatorClientOptions> = {}): OperatorClient {
  const gw = realGateway();
  return new OperatorClient({
    url: gw.url,
    token: gw.token,
    identity: over.identity ?? createDeviceIdentity(),
    secrets: over.secrets ?? new MemorySecretStore(),
    clientVersion: "0.0.0-test",
    ...over,
  });
}

export { waitFor } from "./wait";
