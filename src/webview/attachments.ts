// Image attachments for the composer: read (picker or paste), checked against the gateway's
// `hello-ok.policy.attachments` ceilings before anything is sent, with a message that says which limit.
import type { AttachmentPolicy, AttachmentView } from "../shared/contract/views";

export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;
type ImageMime = (typeof IMAGE_TYPES)[number];
const MAX_COUNT = 10;

import { formatBytes } from "../shared/base/format";
export { formatBytes };

/** Why this file cannot be attached, or null. */
export function attachmentProblem(
  file: { name: string; type: string; size: number },
  policy: AttachmentPolicy | undefined,
  already: AttachmentView[],
): string | null {
  if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) return `“${file.name}” is not a PNG, JPEG, GIF or WebP image.`;
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (already.length >= MAX_COUNT) return `At most ${MAX_COUNT} images per message.`;
  const ceiling = policy?.maxImageBytes ?? policy?.maxBytes;
  if (ceiling !== undefined && file.size > ceiling) return `“${file.name}” is ${formatBytes(file.size)}; this gateway accepts images up to ${formatBytes(ceiling)} (policy.attachments.maxImageBytes).`;
  // Attachments travel as base64 (4/3 larger) inside one frame.
  const frame = policy?.maxPayload;
  const total = already.reduce((s, a) => s + a.content.length, 0) + Math.ceil(file.size / 3) * 4;
  if (frame !== undefined && total > frame * 0.95) return `These images together (${formatBytes(total)} as base64) would exceed the gateway's ${formatBytes(frame)} message limit.`;
  return null;
}

export function readAsAttachment(file: File): Promise<AttachmentView> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onerror = () => reject(new Error(`Could not read “${file.name}”.`));
    r.onload = () => {
      const url = typeof r.result === "string" ? r.result : "";
      const comma = url.indexOf(",");
      resolve({ fileName: (file.name || "pasted-image").slice(0, 255), mimeType: file.type as ImageMime, content: url.slice(comma + 1), sizeBytes: file.size });
    };
    r.readAsDataURL(file);
  });
}
