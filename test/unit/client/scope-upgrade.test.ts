// Which way a connection gets more scopes (client/scope-upgrade.ts upgradeRoute): the gateway's request flow off
// loopback where offered, the silently approved reconnect on loopback (local gateway, SSH tunnel) and on
// gateways without the flow. The flow itself runs against the real gateway in test/gateway/client/.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { upgradeRoute, type OperatorClient } from "../../../src/gateway";

const both = ["health", "device.scopes.requestUpgrade", "device.scopes.waitUpgrade"];
const fake = (url: string, methods: string[]) => ({ url, hello: { methods } }) as unknown as OperatorClient;

test("upgradeRoute: request off loopback when offered; reconnect on loopback or without the methods", () => {
  assert.equal(upgradeRoute(fake("wss://gw.example.com", both)), "request");
  assert.equal(upgradeRoute(fake("ws://100.101.102.103:18789", both)), "request", "tailnet");
  assert.equal(upgradeRoute(fake("ws://192.168.1.20:18789", both)), "request", "LAN");
  assert.equal(upgradeRoute(fake("ws://127.0.0.1:40111", both)), "reconnect", "an SSH tunnel's local end");
  assert.equal(upgradeRoute(fake("ws://localhost:18789", both)), "reconnect");
  assert.equal(upgradeRoute(fake("ws://[::1]:18789", both)), "reconnect");
  assert.equal(upgradeRoute(fake("wss://gw.example.com", ["health", "device.scopes.requestUpgrade"])), "reconnect", "half the flow is no flow");
  assert.equal(upgradeRoute(fake("wss://gw.example.com", [])), "reconnect", "an older gateway");
});
