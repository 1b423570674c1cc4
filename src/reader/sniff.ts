/**
 * What a file that is not `.fvx` most likely is, from its first bytes: a
 * mistyped path on a web server usually answers 200 with an HTML page (an
 * index or a "not found" page), which would otherwise read as "bad magic".
 */
import { MAGIC } from "../format/constants";
import { FlatvoxError } from "../shared/errors";

export function sniffForeign(bytes: Uint8Array): { kind: string; excerpt: string } | undefined {
  if (bytes.length >= MAGIC.length && MAGIC.every((m, i) => bytes[i] === m)) return undefined;
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 256));
  const text = head.replace(/^\uFEFF/, "").trimStart();
  const lower = text.slice(0, 64).toLowerCase();
  const excerpt = text.slice(0, 40).replace(/\s+/g, " ");
  if (
    lower.startsWith("<!doctype html") ||
    lower.startsWith("<html") ||
    /^<(head|body|meta|title)\b/.test(lower)
  )
    return { kind: "HTML", excerpt };
  if (lower.startsWith("<?xml") || lower.startsWith("<")) return { kind: "XML or HTML", excerpt };
  if (lower.startsWith("{") || lower.startsWith("[")) return { kind: "JSON", excerpt };
  return undefined;
}

/** Throw a FormatError naming what the server sent instead, when the bytes are recognisably something else. */
export function rejectForeign(bytes: Uint8Array, url: string): void {
  const f = sniffForeign(bytes);
  if (!f) return;
  throw new FlatvoxError(
    "FormatError",
    `not an .fvx file (server returned ${f.kind}: "${f.excerpt}…"); check the URL`,
    { section: "preamble", offset: 0, url, returned: f.kind },
  );
}
