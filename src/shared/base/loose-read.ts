// Readers for payloads we only partly know (gateway answers and events we render): a wrong type reads as
// absent instead of throwing, so a newer or older gateway shows less rather than breaking a view.
export type Rec = Record<string, unknown>;
export const rec = (v: unknown): Rec => (v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
/** A string as is, a number or boolean as its text, anything else (an object, null) as `fallback`. */
export const asText = (v: unknown, fallback = ""): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : fallback;
/** A non-blank string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v : undefined);
