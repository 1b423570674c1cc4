import { throwIfAborted } from "../shared/errors";
import { abortError } from "./abort-utils";
import type { ByteSource, ReadOptions } from "./byte-source";
import { decorate } from "./decorate";
import type { ByteRange } from "./range-coalescing";

interface Waiter {
  start: () => void;
}

export interface ConcurrencyStats {
  /** Requests running now. */
  readonly active: number;
  /** Requests waiting for a slot. */
  readonly queued: number;
  /** Most requests ever running at once. */
  readonly peak: number;
}

/**
 * At most `limit` reads in flight; the rest wait in FIFO order. A waiting read
 * whose signal aborts leaves the queue at once and never reaches the source.
 */
export function withConcurrency(
  src: ByteSource,
  limit: number,
): ByteSource & { concurrency(): ConcurrencyStats } {
  if (!Number.isInteger(limit) || limit < 1)
    throw new TypeError(`concurrency limit must be ≥ 1, got ${limit}`);
  let active = 0;
  let peak = 0;
  const queue: Waiter[] = [];

  function acquire(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (active < limit) {
      active++;
      peak = Math.max(peak, active);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(abortError());
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  function release(): void {
    const next = queue.shift();
    if (next) {
      // The slot passes straight to the next waiter; `active` is unchanged.
      next.start();
    } else {
      active--;
    }
  }

  const getBytes = async (offset: number, length: number, options: ReadOptions = {}) => {
    await acquire(options.signal);
    try {
      return await src.getBytes(offset, length, options);
    } finally {
      release();
    }
  };

  // A multi-range request is one request: it takes one slot.
  const inner = src.getRanges?.bind(src);
  const getRanges = inner
    ? async (
        ranges: ReadonlyArray<ByteRange>,
        options: ReadOptions = {},
        onRange?: (i: number, b: Uint8Array) => void,
      ) => {
        await acquire(options.signal);
        try {
          return await inner(ranges, options, onRange);
        } finally {
          release();
        }
      }
    : undefined;

  return decorate(src, getBytes, {
    concurrency: (): ConcurrencyStats => ({ active, queued: queue.length, peak }),
    ...(getRanges ? { getRanges } : {}),
  });
}
