/**
 * One error base for the whole project. Every failure carries a `tag` (which
 * survives structured cloning across the worker boundary, unlike `instanceof`)
 * and context fields that say where it happened.
 */
export type ErrorTag =
  | "FormatError" // structurally invalid bytes (bad magic, impossible field, keys out of order)
  | "VersionError" // unknown major version
  | "ChecksumError" // section or brick checksum mismatch
  | "TruncatedError" // fewer bytes than the structure declares
  | "LimitError" // a declared size beyond a safety bound (decompression bombs, absurd counts)
  | "RangeError" // a request outside the dataset (box, field, timestep, level)
  | "HttpError" // non-retryable or exhausted HTTP failure
  | "RangeNotSupportedError" // server cannot serve byte ranges usefully
  | "RangeNotSatisfiableError" // 416
  | "ETagChangedError" // the file changed under an open dataset
  | "AbortError" // cancelled through an AbortSignal
  | "InputError" // bad CLI / packer input
  | "QueryError" // malformed query
  | "CatalogError" // a catalog file that is not a catalog
  | "IndexError" // corrupt index structure (R-tree, B+tree, bloom)
  | "QuotaError" // storage quota could not be satisfied
  | "OfflineError" // data needed is neither cached nor reachable
  | "WorkerError"; // a worker died or returned garbage

export interface ErrorContext {
  /** Byte offset in the file where the problem was found. */
  offset?: number;
  /** Length of the byte range concerned. */
  length?: number;
  /** Which part of the format: "preamble", "header", "root", "hierarchy", "brick", ... */
  section?: string;
  url?: string;
  status?: number;
  [key: string]: unknown;
}

export class FlatvoxError extends Error {
  readonly tag: ErrorTag;
  readonly context: ErrorContext;

  constructor(tag: ErrorTag, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message + describeContext(context), options);
    this.name = tag;
    this.tag = tag;
    this.context = context;
  }

  /** Plain object form that crosses postMessage / Comlink intact. */
  toJSON(): SerializedError {
    return { __flatvoxError: true, tag: this.tag, message: this.message, context: this.context };
  }
}

export interface SerializedError {
  __flatvoxError: true;
  tag: ErrorTag;
  message: string;
  context: ErrorContext;
}

function describeContext(c: ErrorContext): string {
  const parts: string[] = [];
  if (c.section !== undefined) parts.push(`section ${c.section}`);
  if (c.offset !== undefined) parts.push(`offset ${c.offset}`);
  if (c.length !== undefined) parts.push(`length ${c.length}`);
  if (c.url !== undefined) parts.push(`url ${c.url}`);
  if (c.status !== undefined) parts.push(`status ${c.status}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** True when `e` is a flatvox error (optionally of a given tag), also after a worker round trip. */
export function isFlatvoxError(e: unknown, tag?: ErrorTag): e is FlatvoxError {
  if (typeof e !== "object" || e === null) return false;
  const t = (e as { tag?: unknown }).tag;
  const ok =
    e instanceof FlatvoxError ||
    ((e as { __flatvoxError?: unknown }).__flatvoxError === true && typeof t === "string");
  return ok && (tag === undefined || t === tag);
}

/** Rebuild a FlatvoxError from its serialized form (worker → main). */
export function reviveError(e: unknown): unknown {
  if (e instanceof FlatvoxError) return e;
  if (typeof e === "object" && e !== null && (e as SerializedError).__flatvoxError === true) {
    const s = e as SerializedError;
    const err = new FlatvoxError(s.tag, "", s.context);
    err.message = s.message;
    return err;
  }
  return e;
}

/** Throw the AbortError for a signal if it is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new FlatvoxError("AbortError", "operation was cancelled");
}
