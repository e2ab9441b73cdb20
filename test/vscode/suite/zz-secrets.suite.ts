// Runs last: after every other suite has connected, chatted, set and cleared tokens, tunnelled over SSH and
// opened the webviews with the real gateway's token, no file VS Code keeps for this window — extension host
// and window logs, every output channel (KrabKrab, KrabKrab Gateway, gateway logs), user settings, global and
// workspace storage (where webview state lives) — contains a secret the suites used.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { api, gateway } from "./helpers";

/** The user-data dir: the nearest ancestor of the extension's log dir that has a User/ folder. */
function userDataDir(logDir: string): string {
  for (let d = logDir; d !== path.dirname(d); d = path.dirname(d)) {
    try {
      if (statSync(path.join(d, "User")).isDirectory()) return d;
    } catch {
      /* keep climbing */
    }
  }
  throw new Error(`no VS Code user-data dir above ${logDir}`);
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) files(p, out);
    else if (st.isFile() && st.size < 50 * 1024 * 1024) out.push(p);
  }
  return out;
}

describe("no secret in any file VS Code keeps (runs last)", function () {
  this.timeout(60_000);

  it("the gateway token and the test's wrong token appear in no log, output channel, settings or storage file", async () => {
    const { logUri } = await api();
    const root = userDataDir(logUri.fsPath);
    const secrets = [gateway().token, "wrong-token-for-this-test"];
    const all = files(root);
    assert.ok(all.some((f) => /KrabKrab\.log$/.test(f)), `the KrabKrab output channel's file was not found under ${root}`);
    assert.ok(all.some((f) => f.endsWith(path.join("User", "settings.json"))), "the user settings file was not found");
    const hits: string[] = [];
    for (const f of all) {
      const text = readFileSync(f).toString("latin1");
      for (const s of secrets) if (text.includes(s)) hits.push(`${path.relative(root, f)} contains ${s === secrets[0] ? "the gateway token" : "the wrong test token"}`);
    }
    assert.deepEqual(hits, [], `scanned ${all.length} files under ${root}`);
    console.log(`      scanned ${all.length} files under ${root}: no secret`);
  });
});
