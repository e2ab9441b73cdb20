// A .vsix without @vscode/vsce (Node ≥ 22 and keyring/azure dependencies we do not want): a .vsix is a zip of
// `extension/<files>` plus `extension.vsixmanifest` and `[Content_Types].xml`. VS Code's installer reads
// `extension/package.json` from it; the manifest carries what the Marketplace would show. Used by the bench
// (its size, and `--install-extension` into the real VS Code server for the activation item).
import { crc32, deflateRawSync } from "node:zlib";
import { writeFileSync } from "node:fs";

const xml = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function manifest(pkg) {
  const props = [
    ["Microsoft.VisualStudio.Code.Engine", pkg.engines?.vscode ?? "*"],
    ["Microsoft.VisualStudio.Code.ExtensionDependencies", ""],
    ["Microsoft.VisualStudio.Code.ExtensionPack", ""],
    ["Microsoft.VisualStudio.Code.ExtensionKind", (pkg.extensionKind ?? ["workspace"]).join(",")],
    ["Microsoft.VisualStudio.Code.LocalizedLanguages", ""],
    ["Microsoft.VisualStudio.Services.GitHubFlavoredMarkdown", "true"],
  ];
  return `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="${xml(pkg.name)}" Version="${xml(pkg.version)}" Publisher="${xml(pkg.publisher)}" />
    <DisplayName>${xml(pkg.displayName ?? pkg.name)}</DisplayName>
    <Description xml:space="preserve">${xml(pkg.description ?? "")}</Description>
    <Tags>${xml((pkg.keywords ?? []).join(","))}</Tags>
    <Categories>${xml((pkg.categories ?? []).join(","))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
${props.map(([k, v]) => `      <Property Id="${k}" Value="${xml(v)}" />`).join("\n")}
    </Properties>${pkg.icon ? `\n    <Icon>extension/${xml(pkg.icon)}</Icon>` : ""}
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code"/>
  </Installation>
  <Dependencies/>
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />${pkg.icon ? `\n    <Asset Type="Microsoft.VisualStudio.Services.Icons.Default" Path="extension/${xml(pkg.icon)}" Addressable="true" />` : ""}
  </Assets>
</PackageManifest>
`;
}

function contentTypes(names) {
  const exts = [...new Set(names.map((n) => /\.[^./]+$/.exec(n)?.[0]).filter(Boolean))].sort();
  const type = (e) => ({ ".json": "application/json", ".js": "application/javascript", ".css": "text/css", ".md": "text/markdown", ".png": "image/png", ".svg": "image/svg+xml", ".ttf": "font/ttf", ".vsixmanifest": "text/xml", ".xml": "text/xml" })[e] ?? "application/octet-stream";
  return `<?xml version="1.0" encoding="utf-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${exts.map((e) => `<Default Extension="${e}" ContentType="${type(e)}"/>`).join("")}</Types>\n`;
}

/** A plain zip (deflate, no zip64: fine below 4 GB). `entries`: [name, Buffer][]. */
function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBuf = Buffer.from(name, "utf8");
    const deflated = deflateRawSync(data, { level: 9 });
    const stored = deflated.length >= data.length;
    const body = stored ? data : deflated;
    const crc = crc32(data);
    const common = (b, at) => {
      b.writeUInt16LE(20, at); // version needed
      b.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      b.writeUInt16LE(stored ? 0 : 8, at + 4);
      b.writeUInt32LE(0x00210000, at + 6); // 1980-01-01 00:00: reproducible
      b.writeUInt32LE(crc, at + 10);
      b.writeUInt32LE(body.length, at + 14);
      b.writeUInt32LE(data.length, at + 18);
      b.writeUInt16LE(nameBuf.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    common(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * Writes a .vsix of `files` (Map: path relative to the extension root → Buffer; must hold package.json).
 * @returns {number} its size in bytes
 */
export function writeVsix(files, outFile) {
  const pkg = JSON.parse(files.get("package.json").toString("utf8"));
  const names = [...files.keys()].sort();
  const entries = [
    ["extension.vsixmanifest", Buffer.from(manifest(pkg))],
    ["[Content_Types].xml", Buffer.from(contentTypes(["x.vsixmanifest", ...names]))],
    ...names.map((n) => [`extension/${n.split("\\").join("/")}`, files.get(n)]),
  ];
  const buf = zip(entries);
  writeFileSync(outFile, buf);
  return buf.length;
}
