import { throwIfAborted } from "../shared/errors";
import { abortError, SharedAbort } from "./abort-utils";
import type { ByteSource, Purpose, ReadOptions } from "./byte-source";
import { decorate } from "./decorate";
import { checkRange, truncated } from "./range-check";
import { coalesceRanges } from "./range-coalescing";
import { type BatchWindow, scheduleFlush } from "./schedule";

export interface CoalesceOptions {
  /** Ranges separated by at most this many bytes are merged (default 64 KiB). */
  gap?: number;
  /** A merged request never exceeds this many bytes (default 4 MiB). */
  maxRequest?: number;
  /** How long reads are collected before a batch is issued (default one macrotask). */
  window?: BatchWindow;
}

export const DEFAULT_GAP = 64 * 1024;
export const DEFAULT_MAX_REQUEST = 4 * 1024 * 1024;

interface Pending {
  offset: number;
  length: number;
  options: ReadOptions;
  resolve: (b: Uint8Array) => void;
  reject: (e: unknown) => void;
}

export interface RangeRun {
  start: number;
  end: number;
  /** Indices into the (offset-sorted) input. */
  members: number[];
}

/**
 * Group ranges into runs: a range joins the current run when it starts within
 * `gap` bytes of the run's end and the run stays ≤ `maxRequest`. The same
 * planner the index readers use (src/io/range-coalescing.ts), in run form.
 */
export function planRuns(
  ranges: ReadonlyArray<{ offset: number; length: number }>,
  gap: number,
  maxRequest: number,
): RangeRun[] {
  return coalesceRanges(ranges, gap, maxRequest).map((c) => ({
    start: c.offset,
    end: c.offset + c.length,
    members: c.members,
  }));
}

/**
 * Reads issued within one batching window whose ranges lie within `gap` bytes
 * of each other become one read of their union (capped at `maxRequest`), then
 * each caller gets its slice. A caller that aborts leaves at once; the merged
 * read is cancelled only when all its callers have aborted.
 */
export function withCoalescing(
  src: ByteSource,
  options: CoalesceOptions = {},
): ByteSource & { coalescing(): { calls: number; requests: number } } {
  const gap = options.gap ?? DEFAULT_GAP;
  const maxRequest = options.maxRequest ?? DEFAULT_MAX_REQUEST;
  const window = options.window ?? "macrotask";
  let pending: Pending[] = [];
  let calls = 0;
  let requests = 0;

  function flush(): void {
    const batch = pending.filter((p) => !p.options.signal?.aborted);
    for (const p of pending) if (p.options.signal?.aborted) p.reject(abortError());
    pending = [];
    batch.sort((a, b) => a.offset - b.offset || b.length - a.length);
    for (const run of planRuns(batch, gap, maxRequest)) {
      const members = run.members.map((i) => batch[i]);
      requests++;
      if (members.length === 1) {
        // The caller's own range: its verify, upTo and signal go down unchanged.
        const m = members[0];
        src.getBytes(m.offset, m.length, m.options).then(m.resolve, m.reject);
      } else {
        issueMerged(run, members);
      }
    }
  }

  function issueMerged(run: RangeRun, members: Pending[]): void {
    const shared = new SharedAbort();
    for (const m of members) shared.join(m.options.signal, () => m.reject(abortError()));
    // verify belongs to each caller's own slice, so it is not passed for the union.
    // upTo lets a run that reaches past the end still serve the members inside it.
    src
      .getBytes(run.start, run.end - run.start, {
        purpose: dominantPurpose(members),
        signal: shared.signal,
        upTo: true,
      })
      .then(
        (bytes) => {
          for (const m of members) {
            const at = m.offset - run.start;
            const slice = bytes.subarray(Math.min(at, bytes.length), Math.min(at + m.length, bytes.length));
            if (slice.length < m.length && !m.options.upTo) {
              m.reject(truncated(m.offset, m.length, slice.length, src.id, src.size));
            } else {
              m.resolve(slice);
            }
          }
        },
        (e) => {
          for (const m of members) m.reject(e);
        },
      )
      .finally(() => shared.dispose());
  }

  const getBytes = (offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> => {
    checkRange(offset, length, src.id);
    throwIfAborted(opts.signal);
    calls++;
    if (length === 0) return src.getBytes(offset, length, opts);
    return new Promise<Uint8Array>((resolve, reject) => {
      if (pending.length === 0) scheduleFlush(window, flush);
      pending.push({ offset, length, options: opts, resolve, reject });
    });
  };

  return decorate(src, getBytes, { coalescing: () => ({ calls, requests }) });
}

/** The purpose that accounts for most bytes in a merged read (for accounting). */
function dominantPurpose(members: Pending[]): Purpose | undefined {
  const bytes = new Map<Purpose | undefined, number>();
  for (const m of members) bytes.set(m.options.purpose, (bytes.get(m.options.purpose) ?? 0) + m.length);
  let best: Purpose | undefined;
  let most = -1;
  for (const [p, n] of bytes) {
    if (n > most) {
      best = p;
      most = n;
    }
  }
  return best;
}
