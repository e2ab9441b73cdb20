// scripts/build.mjs rewrites @openclaw/gateway-protocol while bundling (schema calls marked pure, TypeBox's
// namespace imported directly) so unused schemas tree-shake. The tests are bundled the same way: these cases
// prove the validators we use still accept and refuse what they should after that rewrite.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { validateChatHistoryParams, validateChatSendParams, validateNodeInvokeParams, validateSessionsListParams } from "@openclaw/gateway-protocol";

test("protocol param validators survive the build's tree-shaking rewrite", () => {
  assert.equal(validateChatSendParams({ sessionKey: "main", message: "hi", idempotencyKey: "k1" }), true);
  assert.equal(validateChatSendParams({ sessionKey: "main", message: "hi" }), false, "idempotencyKey is required");
  assert.equal(validateChatSendParams({ sessionKey: "main", message: "hi", idempotencyKey: "k", bogus: 1 }), false, "closed object");
  assert.equal(validateChatHistoryParams({ sessionKey: "main", limit: 1000 }), true);
  assert.equal(validateChatHistoryParams({ sessionKey: "main", limit: 1001 }), false, "CHAT_HISTORY_MAX_ENTRIES");
  assert.equal(validateSessionsListParams({ limit: 5 }), true);
  assert.equal(validateNodeInvokeParams({ nodeId: "n", command: "system.which", idempotencyKey: "i" }), true);
  assert.equal(validateNodeInvokeParams({ nodeId: "n", command: "system.which" }), false);
});
