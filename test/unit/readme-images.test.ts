// The README's screenshots (docs/screenshots/, written by the UI smoke with KRABKRAB_UPDATE_SCREENSHOTS=1): every
// image the README references exists, is a PNG and stays small; none is left behind that the README dropped.
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Relative image paths of the README's markdown images and <img src>, in order. */
function referencedImages(md: string): string[] {
  const md1 = [...md.matchAll(/!\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  const html = [...md.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
  return [...md1, ...html].filter((src) => !/^[a-z][a-z0-9+.-]*:/i.test(src));
}

test("every image the README shows exists in the checkout, is a PNG and under 150 KB", () => {
  const images = referencedImages(readme);
  assert.ok(images.length >= 7, `the chat section shows its screenshots (${images.join(", ")})`);
  for (const src of images) {
    const file = path.join(repoRoot, decodeURIComponent(src));
    assert.ok(existsSync(file), `${src} exists`);
    assert.ok(readFileSync(file).subarray(0, 8).equals(PNG), `${src} is a PNG`);
    assert.ok(statSync(file).size < 150 * 1024, `${src} is ${Math.round(statSync(file).size / 1024)} KB`);
  }
});

test("docs/screenshots holds only images the README shows", () => {
  const shown = new Set(referencedImages(readme).map((s) => path.normalize(decodeURIComponent(s))));
  const dir = path.join(repoRoot, "docs", "screenshots");
  const files = existsSync(dir) ? readdirSync(dir).map((f) => path.join("docs", "screenshots", f)) : [];
  assert.deepEqual(files.filter((f) => !shown.has(path.normalize(f))), [], "unreferenced screenshots");
});
