import { type ErrorContext, FlatvoxError, throwIfAborted } from "../shared/errors";
import { abortError, isAbortLike } from "./abort-utils";
import type { ByteSource, ReadOptions } from "./byte-source";
import {
  type AskedRange,
  ByterangesParser,
  byterangesBoundary,
  MAX_PART_HEADER_BYTES,
  MERGE_ALLOWANCE_BYTES,
} from "./multipart";
import { checkRange, truncated } from "./range-check";
import { transientError } from "./transient";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpSourceOptions {
  /** fetch implementation (default: the global one). */
  fetch?: FetchLike;
  /**
   * Largest body accepted when a server ignores Range and answers 200 with the
   * whole file. The body is then kept and later reads are served from it.
   * Default 32 MiB; anything larger is a RangeNotSupportedError.
   */
  maxFullBody?: number;
  /**
   * When `getRanges` may send several ranges in one request (`Range: bytes=a-b,c-d`).
   * A multi-range Range header is not CORS-safelisted, so a cross-origin request
   * carrying one needs a preflight. "auto" (default): in Node always; in a
   * browser only for URLs of the page's own origin (no preflight). "always":
   * also cross-origin (the server must answer the preflight and expose
   * Content-Type and Content-Range). "never": one range per request.
   */
  multiRange?: MultiRangeMode;
}

export type MultiRangeMode = "auto" | "always" | "never";

export const DEFAULT_MAX_FULL_BODY = 32 * 1024 * 1024;

/**
 * URLs whose server answered a multi-range request with something unusable
 * (200 with the whole file, as S3 does; a malformed body; a 206 we could not
 * place). Kept for the life of the page or process, so reopening the same URL
 * does not pay for the refusal again.
 */
const multiRangeRefused = new Set<string>();

/** Forget which URLs refused multi-range requests (tests). */
export function resetMultiRangeMemory(): void {
  multiRangeRefused.clear();
}

/** True when a multi-range request to `url` costs no CORS preflight here. */
function preflightFree(url: string): boolean {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  if (!loc?.origin || loc.origin === "null") return true; // Node (no CORS)
  try {
    return new URL(url).origin === loc.origin;
  } catch {
    return false;
  }
}

interface ContentRange {
  start: number;
  end: number;
  total?: number;
}

/** Parse `bytes start-end/total` (total may be `*`); undefined when absent or malformed. */
export function parseContentRange(v: string | null): ContentRange | undefined {
  const m = v ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end, total: m[3] === "*" ? undefined : Number(m[3]) };
}

/** Parse the `*\/total` form a 416 carries. */
function parseUnsatisfiedTotal(v: string | null): number | undefined {
  const m = v ? /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** Weak and strong forms of one validator compare equal (some CDNs switch between them). */
function normalizeEtag(v: string | null): string | undefined {
  return v ? v.replace(/^W\//, "") : undefined;
}

/**
 * Reads byte ranges over HTTP(S) with one `Range: bytes=N-M` header and no
 * other request header, so cross-origin reads never need a CORS preflight.
 * `cache: "no-store"` bypasses the browser HTTP cache, which does not cache
 * range responses usefully and serialises concurrent ranges to one URL.
 */
export class HttpSource implements ByteSource {
  readonly id: string;
  /** True once the server answered a range request with 200 (it ignores Range). */
  rangesUnsupported = false;
  readonly reportsTransfer = true;
  private readonly fetchFn: FetchLike;
  private readonly maxFullBody: number;
  private readonly multiRangeMode: MultiRangeMode;
  private currentEtag?: string;
  private currentSize?: number;
  private whole?: Uint8Array;

  constructor(url: string, options: HttpSourceOptions = {}) {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    this.id = base ? new URL(url, base).href : url;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.maxFullBody = options.maxFullBody ?? DEFAULT_MAX_FULL_BODY;
    this.multiRangeMode = options.multiRange ?? "auto";
  }

  /** True while getRanges sends several ranges per request (see HttpSourceOptions.multiRange). */
  get multiRange(): boolean {
    if (this.multiRangeMode === "never" || this.whole || multiRangeRefused.has(this.id)) return false;
    return this.multiRangeMode === "always" || preflightFree(this.id);
  }

  get etag(): string | undefined {
    return this.currentEtag;
  }

  get size(): number | undefined {
    return this.currentSize;
  }

  async getBytes(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    checkRange(offset, length, this.id);
    const { signal, upTo = false } = options;
    throwIfAborted(signal);
    if (length === 0) return new Uint8Array(0);
    if (this.whole) return this.sliceWhole(offset, length, upTo);

    const ctx: ErrorContext = { offset, length, url: this.id };
    let res: Response;
    try {
      res = await this.fetchFn(this.id, {
        headers: { Range: `bytes=${offset}-${offset + length - 1}` },
        cache: "no-store",
        signal,
      });
    } catch (e) {
      if (signal?.aborted || isAbortLike(e)) throw abortError(ctx);
      throw transientError(`network error: ${(e as Error)?.message ?? e}`, ctx, e);
    }
    ctx.status = res.status;

    if (res.status === 206) return this.onPartial(res, offset, length, ctx, options);
    if (res.status === 200) return this.onWhole(res, offset, length, ctx, options);
    discard(res);
    options.onTransfer?.(0);
    if (res.status === 416) {
      const total = parseUnsatisfiedTotal(res.headers.get("content-range"));
      this.observe(res, total, ctx);
      const size = total ?? this.currentSize;
      if (upTo && (size === undefined || offset >= size)) return new Uint8Array(0);
      throw new FlatvoxError("RangeNotSatisfiableError", "server says the range is not satisfiable", {
        ...ctx,
        size,
      });
    }
    throw statusError(res, ctx);
  }

  /**
   * One request for several ranges (sorted, disjoint), answered as the server
   * chooses: 206 multipart/byteranges (parts in any order, possibly merged),
   * 206 with one range (what it covers is used), or 200 with the whole file
   * (the body is dropped at once and the URL is remembered as refusing
   * multi-range requests). Ranges the answer did not cover come back undefined.
   */
  async getRanges(
    ranges: ReadonlyArray<AskedRange>,
    options: ReadOptions = {},
    onRange?: (index: number, bytes: Uint8Array) => void,
  ): Promise<Array<Uint8Array | undefined>> {
    const { signal } = options;
    throwIfAborted(signal);
    for (const r of ranges) checkRange(r.offset, r.length, this.id);
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i].offset < ranges[i - 1].offset + ranges[i - 1].length) {
        throw new TypeError("getRanges: ranges must be sorted by offset and disjoint");
      }
    }
    const none = () => ranges.map(() => undefined);
    if (this.whole) {
      const whole = this.whole;
      return ranges.map((r) =>
        r.offset + r.length <= whole.length ? whole.subarray(r.offset, r.offset + r.length) : undefined,
      );
    }
    if (ranges.length === 0 || !this.multiRange || ranges.some((r) => r.length === 0)) return none();

    const first = ranges[0].offset;
    const last = ranges[ranges.length - 1];
    const ctx: ErrorContext = {
      offset: first,
      length: last.offset + last.length - first,
      ranges: ranges.length,
      url: this.id,
    };
    // Our own controller, to drop an unwanted body (200) at once.
    const drop = new AbortController();
    const fetchSignal = signal ? AbortSignal.any([signal, drop.signal]) : drop.signal;
    let res: Response;
    try {
      res = await this.fetchFn(this.id, {
        headers: { Range: `bytes=${ranges.map((r) => `${r.offset}-${r.offset + r.length - 1}`).join(",")}` },
        cache: "no-store",
        signal: fetchSignal,
      });
    } catch (e) {
      if (signal?.aborted || isAbortLike(e)) throw abortError(ctx);
      throw transientError(`network error: ${(e as Error)?.message ?? e}`, ctx, e);
    }
    ctx.status = res.status;
    const refuse = (): Array<Uint8Array | undefined> => {
      multiRangeRefused.add(this.id);
      drop.abort();
      discard(res);
      options.onTransfer?.(0);
      return none();
    };
    if (res.status === 200) return refuse();
    if (res.status === 416) {
      // At least one range lies past the end: single reads sort out which (and upTo).
      discard(res);
      options.onTransfer?.(0);
      return none();
    }
    if (res.status !== 206) {
      discard(res);
      options.onTransfer?.(0);
      throw statusError(res, ctx);
    }
    const boundary = (() => {
      try {
        return byterangesBoundary(res.headers.get("content-type"), ctx);
      } catch (e) {
        multiRangeRefused.add(this.id);
        discard(res);
        options.onTransfer?.(0);
        throw e;
      }
    })();
    if (boundary === undefined) return this.onSingleOfMany(res, ranges, ctx, options, refuse);

    this.observe(res, undefined, ctx);
    const declared = Number(res.headers.get("content-length") ?? Number.NaN);
    let reported = false;
    const report = (bytes: number) => {
      if (!reported) options.onTransfer?.(bytes);
      reported = true;
    };
    const parser = new ByterangesParser(boundary, ranges, ctx, {
      onTotal: (total) => this.observe(res, total, ctx),
      onRange,
      // The request is counted before its last ranges reach their callers (only an epilogue is left).
      // Content-Length then tells the whole body (a short epilogue at most is not parsed yet).
      onDone: () => {
        const c = parser.consumed;
        report(declared >= c && declared <= c + MAX_PART_HEADER_BYTES ? declared : c);
      },
    });
    if (!res.body) {
      report(0);
      throw new FlatvoxError("HttpError", "multipart/byteranges response without a body", ctx);
    }
    const reader = res.body.getReader();
    try {
      for (;;) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          if (signal?.aborted || isAbortLike(e)) throw abortError(ctx);
          throw transientError(
            `connection lost while reading the body: ${(e as Error)?.message ?? e}`,
            ctx,
            e,
          );
        }
        if (step.done) break;
        parser.push(step.value);
      }
      parser.finish();
    } catch (e) {
      reader.cancel().catch(() => {});
      drop.abort();
      report(parser.consumed);
      // A body we cannot parse (not a cut or a cancel) means this server's multipart answers are not to be used.
      if ((e as { context?: { multipart?: unknown } })?.context?.multipart === true)
        multiRangeRefused.add(this.id);
      throw e;
    }
    report(parser.consumed);
    return parser.results();
  }

  /** A 206 with one Content-Range to a multi-range request: use what it covers. */
  private async onSingleOfMany(
    res: Response,
    ranges: ReadonlyArray<AskedRange>,
    ctx: ErrorContext,
    options: ReadOptions,
    refuse: () => Array<Uint8Array | undefined>,
  ): Promise<Array<Uint8Array | undefined>> {
    const cr = parseContentRange(res.headers.get("content-range"));
    const asked = ranges.reduce((s, r) => s + r.length, 0);
    const lo = ranges[0].offset;
    const hi = ranges[ranges.length - 1].offset + ranges[ranges.length - 1].length;
    // Without a readable Content-Range the bytes cannot be placed; a range beyond what was asked is not read.
    if (!cr || cr.start < lo || cr.end + 1 > hi || cr.end - cr.start + 1 > asked + MERGE_ALLOWANCE_BYTES) {
      return refuse();
    }
    this.observe(res, cr.total, ctx);
    const expected = cr.end - cr.start + 1;
    const body = await readBounded(res, expected, ctx, options.signal);
    options.onTransfer?.(body?.length ?? expected);
    if (body === undefined) {
      throw new FlatvoxError(
        "HttpError",
        `server sent more than the ${expected} bytes of its Content-Range`,
        ctx,
      );
    }
    if (body.length < expected)
      throw transientError(`response cut short: ${body.length} of ${expected} bytes`, ctx);
    return ranges.map((r) =>
      r.offset >= cr.start && r.offset + r.length <= cr.end + 1
        ? body.subarray(r.offset - cr.start, r.offset - cr.start + r.length)
        : undefined,
    );
  }

  private async onPartial(
    res: Response,
    offset: number,
    length: number,
    ctx: ErrorContext,
    options: ReadOptions,
  ): Promise<Uint8Array> {
    const { signal, upTo = false } = options;
    // Content-Range is unreadable cross-origin unless exposed; then trust the body length.
    const cr = parseContentRange(res.headers.get("content-range"));
    this.observe(res, cr?.total, ctx);
    if (cr && (cr.start > offset || cr.end < offset)) {
      discard(res);
      throw new FlatvoxError("HttpError", `server returned bytes ${cr.start}-${cr.end} instead`, ctx);
    }
    const expected = cr ? cr.end - cr.start + 1 : length;
    const body = await readBounded(res, expected, ctx, signal);
    options.onTransfer?.(body?.length ?? expected);
    if (body === undefined) {
      throw new FlatvoxError("HttpError", `server sent more than the ${expected} bytes of the range`, ctx);
    }
    if (cr && body.length < expected) {
      throw transientError(`response cut short: ${body.length} of ${expected} bytes`, ctx);
    }
    const skip = cr ? offset - cr.start : 0;
    const got = body.subarray(skip, Math.min(body.length, skip + length));
    if (got.length === length) return got;
    const atEof = cr ? cr.total !== undefined && cr.end + 1 >= cr.total : true;
    if (!atEof) {
      // A server may send less than asked; ask again for the rest.
      const rest = await this.getBytes(offset + got.length, length - got.length, {
        signal,
        upTo,
        onTransfer: options.onTransfer,
      });
      const out = new Uint8Array(got.length + rest.length);
      out.set(got);
      out.set(rest, got.length);
      return out;
    }
    if (upTo) return got;
    throw truncated(offset, length, got.length, this.id, this.currentSize);
  }

  private async onWhole(
    res: Response,
    offset: number,
    length: number,
    ctx: ErrorContext,
    options: ReadOptions,
  ): Promise<Uint8Array> {
    const { signal, upTo = false } = options;
    this.rangesUnsupported = true;
    const declared = Number(res.headers.get("content-length") ?? Number.NaN);
    const tooBig = () =>
      new FlatvoxError(
        "RangeNotSupportedError",
        `this server does not support range requests: it answered 200 with the whole file, ` +
          `larger than the ${this.maxFullBody}-byte limit for reading whole files`,
        { ...ctx, declaredLength: Number.isNaN(declared) ? undefined : declared },
      );
    if (declared > this.maxFullBody) {
      discard(res);
      throw tooBig();
    }
    const body = await readBounded(res, this.maxFullBody, ctx, signal);
    options.onTransfer?.(body?.length ?? this.maxFullBody);
    if (body === undefined) throw tooBig();
    if (!Number.isNaN(declared) && body.length < declared) {
      throw transientError(`response cut short: ${body.length} of ${declared} bytes`, ctx);
    }
    this.observe(res, body.length, ctx);
    this.whole = body;
    return this.sliceWhole(offset, length, upTo);
  }

  private sliceWhole(offset: number, length: number, upTo: boolean): Uint8Array {
    const whole = this.whole!;
    const end = Math.min(whole.length, offset + length);
    const got = offset >= whole.length ? new Uint8Array(0) : whole.subarray(offset, end);
    if (got.length === length || upTo) return got;
    throw truncated(offset, length, got.length, this.id, whole.length);
  }

  /** Record the first validator and size; any later difference means the file changed. */
  private observe(res: Response, total: number | undefined, ctx: ErrorContext): void {
    const etag = normalizeEtag(res.headers.get("etag"));
    const etagChanged = etag !== undefined && this.currentEtag !== undefined && etag !== this.currentEtag;
    const sizeChanged = total !== undefined && this.currentSize !== undefined && total !== this.currentSize;
    if (etagChanged || sizeChanged) {
      discard(res);
      throw new FlatvoxError(
        "ETagChangedError",
        "the file changed on the server while it was open; reopen it",
        { ...ctx, etag: this.currentEtag, newEtag: etag, size: this.currentSize, newSize: total },
      );
    }
    this.currentEtag ??= etag;
    this.currentSize ??= total;
  }
}

/** The error for a status that carries no bytes: transient (5xx, 408, 429) or final. */
function statusError(res: Response, ctx: ErrorContext): FlatvoxError {
  if (res.status >= 500 || res.status === 408 || res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    return transientError(`server error ${res.status} ${res.statusText}`.trim(), { ...ctx, retryAfterMs });
  }
  const what = res.status === 404 ? "not found" : res.status === 403 ? "forbidden" : "request failed";
  return new FlatvoxError("HttpError", `${what}: HTTP ${res.status} ${res.statusText}`.trim(), ctx);
}

function discard(res: Response): void {
  res.body?.cancel().catch(() => {});
}

/**
 * Read a response body, giving up (undefined) once it exceeds `limit` bytes, so
 * a misbehaving server cannot make us buffer an unbounded body.
 */
async function readBounded(
  res: Response,
  limit: number,
  ctx: ErrorContext,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } catch (e) {
    if (signal?.aborted || isAbortLike(e)) throw abortError(ctx);
    throw transientError(`connection lost while reading the body: ${(e as Error)?.message ?? e}`, ctx, e);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
