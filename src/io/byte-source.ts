/**
 * The one seam between transport and format. Format code reads bytes only
 * through this interface; HTTP, files, memory, caching, coalescing, retries and
 * accounting are implementations or decorators of it.
 */
export type Purpose = "open" | "header" | "hierarchy" | "brick" | "index" | "feature" | "prefetch" | "other";

export interface ReadOptions {
  signal?: AbortSignal;
  /** What the bytes are for; used by request accounting. */
  purpose?: Purpose;
  /**
   * Integrity check supplied by the format layer (it knows the checksums).
   * Throws (ChecksumError) when the bytes are corrupt. Caching decorators call
   * it before storing, so nothing corrupt is ever cached; plain sources ignore it.
   */
  verify?: (bytes: Uint8Array) => void;
  /**
   * Return up to `length` bytes when the object ends sooner, instead of a
   * TruncatedError. Used by the single opening request (first 64 KiB of a file
   * that may be smaller); the result's length then tells the size.
   */
  upTo?: boolean;
  /**
   * Called by a transport that reports what really went over the wire
   * (`reportsTransfer`), once per request it made for this read, with the body
   * bytes that request carried. A server that ignores Range sends the whole
   * file once; later reads are served from memory and make no request.
   */
  onTransfer?: (bytes: number) => void;
}

export interface ByteSource {
  /** Stable identity of the underlying object (URL or absolute path). */
  readonly id: string;
  /**
   * Exactly `length` bytes starting at `offset`. Fewer bytes available is a
   * TruncatedError, never a short read. The result may be a view: callers must not mutate it.
   */
  getBytes(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Validator of the current content (HTTP ETag, file mtime+size), once known. */
  readonly etag?: string;
  /** Total size in bytes, once known (may be undefined before the first read). */
  readonly size?: number;
  /** True when getBytes calls `onTransfer` for every request it makes (HTTP). */
  readonly reportsTransfer?: boolean;
  /**
   * True while reads through this source may go several ranges to one request
   * (HTTP to a server not yet seen to refuse it, where that costs no CORS
   * preflight). Decorators mirror it; only those below the coalescer offer
   * `getRanges` itself.
   */
  readonly multiRange?: boolean;
  /**
   * One request for several byte ranges (sorted by offset, disjoint). Per
   * range: its bytes, or undefined where the answer did not cover it (the
   * caller then reads those with getBytes). `onTransfer` is called once for the
   * request. Only `signal`, `purpose` and `onTransfer` of the options apply.
   * `onRange(i, bytes)`, if given, hands over range i as soon as its bytes are
   * in and their framing is checked, before the whole answer is (a retried
   * request may hand the same range again).
   */
  getRanges?(
    ranges: ReadonlyArray<{ offset: number; length: number }>,
    options?: ReadOptions,
    onRange?: (index: number, bytes: Uint8Array) => void,
  ): Promise<Array<Uint8Array | undefined>>;
  /** Release resources (file handles). */
  close?(): Promise<void>;
}
