import { throwIfAborted } from "../shared/errors";
import { abortError, sleep } from "./abort-utils";
import type { ByteSource, ReadOptions } from "./byte-source";
import { decorate } from "./decorate";
import type { ByteRange } from "./range-coalescing";
import { isTransient, retryAfterMs, transientError } from "./transient";

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff delay in ms (default 100); doubles per retry. */
  baseMs?: number;
  /** Backoff ceiling in ms (default 2000). A server's Retry-After may exceed it, up to 10×. */
  maxMs?: number;
  /**
   * Per-attempt timeout in ms (default 15000), plus `length / minBytesPerSecond`
   * so large requests on slow links are not cut off. A timeout is a stall and
   * counts as transient.
   */
  timeoutMs?: number;
  /** Throughput below which an attempt counts as stalled (default 64 KiB/s). */
  minBytesPerSecond?: number;
  /** Source of randomness for jitter (default Math.random). */
  random?: () => number;
  /** Told about each retry (for logs and tests). */
  onRetry?: (info: {
    attempt: number;
    delayMs: number;
    error: unknown;
    offset: number;
    length: number;
  }) => void;
}

/**
 * Retry transient failures (5xx, 408, 429, resets, stalls) with exponential
 * backoff and jitter. Never retries 4xx, 416, ETag changes, checksum errors or
 * aborts: repeating those cannot help.
 */
export function withRetry(src: ByteSource, options: RetryOptions = {}): ByteSource {
  const retries = options.retries ?? 4;
  const baseMs = options.baseMs ?? 100;
  const maxMs = options.maxMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const minRate = options.minBytesPerSecond ?? 64 * 1024;
  const random = options.random ?? Math.random;

  async function attempt<T>(
    offset: number,
    length: number,
    opts: ReadOptions,
    read: (o: ReadOptions) => Promise<T>,
  ): Promise<T> {
    const limit = timeoutMs + (length / minRate) * 1000;
    const timer = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal;
    const handle = setTimeout(() => timer.abort(), limit);
    try {
      return await read({ ...opts, signal });
    } catch (e) {
      if (timer.signal.aborted && !opts.signal?.aborted) {
        throw transientError(`request timed out after ${Math.round(limit)} ms`, {
          offset,
          length,
          url: src.id,
        });
      }
      throw e;
    } finally {
      clearTimeout(handle);
    }
  }

  /** Attempts of one request (single- or multi-range) covering `length` bytes from `offset`. */
  async function withAttempts<T>(
    offset: number,
    length: number,
    opts: ReadOptions,
    read: (o: ReadOptions) => Promise<T>,
  ): Promise<T> {
    for (let n = 0; ; n++) {
      throwIfAborted(opts.signal);
      try {
        return await attempt(offset, length, opts, read);
      } catch (e) {
        if (opts.signal?.aborted) throw abortError({ offset, length, url: src.id });
        if (!isTransient(e) || n >= retries) throw e;
        const ceiling = Math.min(maxMs, baseMs * 2 ** n);
        // "Equal jitter": at least half the backoff, so retries stay spaced,
        // the rest random, so many clients do not retry in lockstep.
        let delayMs = ceiling / 2 + (random() * ceiling) / 2;
        const asked = retryAfterMs(e);
        if (asked !== undefined) delayMs = Math.max(delayMs, Math.min(asked, maxMs * 10));
        options.onRetry?.({ attempt: n + 1, delayMs, error: e, offset, length });
        await sleep(delayMs, opts.signal);
      }
    }
  }

  const inner = src.getRanges?.bind(src);
  return decorate(
    src,
    (offset, length, opts: ReadOptions = {}) =>
      withAttempts(offset, length, opts, (o) => src.getBytes(offset, length, o)),
    inner
      ? {
          // A multi-range request is retried as a whole; its timeout allows for all its bytes.
          getRanges: (
            ranges: ReadonlyArray<ByteRange>,
            opts: ReadOptions = {},
            onRange?: (i: number, b: Uint8Array) => void,
          ) => {
            const first = ranges[0]?.offset ?? 0;
            const bytes = ranges.reduce((s, r) => s + r.length, 0);
            return withAttempts(first, bytes, opts, (o) => inner(ranges, o, onRange));
          },
        }
      : {},
  );
}
