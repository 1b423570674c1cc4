/**
 * What `metadata.source` records about the inputs: file names without their
 * directories (published files must not carry local paths), and for long
 * series only the first and last few with the count, so the list never grows
 * with the number of inputs.
 */
import { basename } from "node:path";
import type { MetadataValue } from "../pack-types";

const KEEP_FIRST = 4;
const KEEP_LAST = 2;

/** "dir/run_0001.npy" → "run_0001.npy"; "dir/a.npz:rho" → "a.npz:rho"; URLs keep their last path segment. */
export function sourceName(path: string): string {
  const name = path.replace(/\\/g, "/");
  const colon = name.lastIndexOf(":");
  // A Windows drive letter or a URL scheme is not a member separator.
  if (colon > 1 && !name.slice(0, colon).includes("://") && !name.slice(colon + 1).includes("/")) {
    return `${basename(name.slice(0, colon))}:${name.slice(colon + 1)}`;
  }
  return basename(name.replace(/\/+$/, ""));
}

export function sourceList(names: string[]): MetadataValue {
  const short = names.map(sourceName);
  if (short.length <= KEEP_FIRST + KEEP_LAST) return short;
  return { count: short.length, first: short.slice(0, KEEP_FIRST), last: short.slice(-KEEP_LAST) };
}
