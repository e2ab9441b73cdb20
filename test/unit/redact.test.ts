import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Redactor, REDACTION_MASK } from "../../src/gateway/redact";

test("known secrets are masked wherever they appear, URL-encoded too", () => {
  const r = new Redactor();
  r.add("s3cr3t-token-value");
  r.add("p@ss word");
  const out = r.redact("connect ws://h?token=s3cr3t-token-value failed; pw p%40ss%20word and p@ss word");
  assert.ok(!out.includes("s3cr3t-token-value"));
  assert.ok(!out.includes("p@ss word"));
  assert.ok(!out.includes("p%40ss%20word"));
  assert.ok(out.includes(REDACTION_MASK));
});

test("credential-shaped values are masked even when not registered", () => {
  const r = new Redactor();
  for (const s of [`{"token":"abcd1234efgh"}`, "password=hunter22", "Authorization: Bearer abcdefghijklmnop", "deviceToken: zzzzyyyyxxxx", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----"]) {
    const out = r.redact(s);
    for (const secret of ["abcd1234efgh", "hunter22", "abcdefghijklmnop", "zzzzyyyyxxxx", "MC4CAQAwBQYDK2VwBCIEI"]) assert.ok(!out.includes(secret), `${secret} leaked in ${out}`);
  }
});

test("ordinary text is left alone; short values are not registered", () => {
  const r = new Redactor();
  r.add("ab");
  assert.equal(r.redact("health ok in 3 ms, ab"), "health ok in 3 ms, ab");
  assert.equal(r.redactValue(new Error("boom")), "Error: boom");
  assert.equal(r.redactValue({ a: 1 }), '{"a":1}');
});
