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
  /**
   * Runs of one batch that stay apart after merging go to a source that offers
   * multi-range requests (`getRanges`, HTTP) several per request: at most
   * `maxRanges` runs (default 32) and `maxBytes` bytes (default `maxRequest`)
   * in one request. false: one request per run.
   */
  multiRange?: { maxRanges?: number; maxBytes?: number } | false;
}

export const DEFAULT_GAP = 64 * 1024;
export const DEFAULT_MAX_REQUEST = 4 * 1024 * 1024;
export const DEFAULT_MAX_RANGES = 32;

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
 * Pack runs (in offset order) into groups for multi-range requests: each group
 * holds at most `maxRanges` runs and `maxBytes` bytes (a run larger than that
 * is a group of its own).
 */
export function planMultiRange(runs: readonly RangeRun[], maxRanges: number, maxBytes: number): RangeRun[][] {
  const groups: RangeRun[][] = [];
  let cur: RangeRun[] = [];
  let bytes = 0;
  for (const run of runs) {
    const n = run.end - run.start;
    if (cur.length && (cur.length >= maxRanges || bytes + n > maxBytes)) {
      groups.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(run);
    bytes += n;
  }
  if (cur.length) groups.push(cur);
  return groups;
}

/**
 * Reads issued within one batching window whose ranges lie within `gap` bytes
 * of each other become one read of their union (capped at `maxRequest`), then
 * each caller gets its slice. The runs that remain apart go, where the source
 * offers it, several to one multi-range request (bounded in ranges and bytes);
 * a run the answer does not cover is read on its own. A caller that aborts
 * leaves at once; a request is cancelled only when all its callers have aborted.
 */
export function withCoalescing(
  src: ByteSource,
  options: CoalesceOptions = {},
): ByteSource & { coalescing(): { calls: number; requests: number } } {
  const gap = options.gap ?? DEFAULT_GAP;
  const maxRequest = options.maxRequest ?? DEFAULT_MAX_REQUEST;
  const window = options.window ?? "macrotask";
  const multi = options.multiRange === false ? undefined : (options.multiRange ?? {});
  const maxRanges = Math.max(2, multi?.maxRanges ?? DEFAULT_MAX_RANGES);
  const maxMultiBytes = multi?.maxBytes ?? maxRequest;
  let pending: Pending[] = [];
  let calls = 0;
  let requests = 0;

  function flush(): void {
    const batch = pending.filter((p) => !p.options.signal?.aborted);
    for (const p of pending) if (p.options.signal?.aborted) p.reject(abortError());
    pending = [];
    batch.sort((a, b) => a.offset - b.offset || b.length - a.length);
    const runs = planRuns(batch, gap, maxRequest);
    const groups =
      multi && runs.length > 1 && src.getRanges && src.multiRange
        ? planMultiRange(runs, maxRanges, maxMultiBytes)
        : runs.map((r) => [r]);
    for (const group of groups) {
      requests++;
      if (group.length === 1)
        issueRun(
          group[0],
          group[0].members.map((i) => batch[i]),
        );
      else
        issueMulti(
          group,
          group.map((run) => run.members.map((i) => batch[i])),
        );
    }
  }

  function issueRun(run: RangeRun, members: Pending[]): void {
    if (members.length === 1) {
      // The caller's own range: its verify, upTo and signal go down unchanged.
      const m = members[0];
      src.getBytes(m.offset, m.length, m.options).then(m.resolve, m.reject);
    } else {
      issueMerged(run, members);
    }
  }

  /** Hand each member its slice of a run's bytes. */
  function deliver(run: RangeRun, members: Pending[], bytes: Uint8Array): void {
    for (const m of members) {
      const at = m.offset - run.start;
      const slice = bytes.subarray(Math.min(at, bytes.length), Math.min(at + m.length, bytes.length));
      if (slice.length < m.length && !m.options.upTo) {
        m.reject(truncated(m.offset, m.length, slice.length, src.id, src.size));
      } else {
        m.resolve(slice);
      }
    }
  }

  /**
   * Several runs in one multi-range request. Each run's callers get their
   * bytes as soon as its part is in (decoding overlaps the rest of the body);
   * runs the answer does not cover are read on their own.
   */
  function issueMulti(group: RangeRun[], members: Pending[][]): void {
    const all = members.flat();
    const shared = new SharedAbort();
    for (const m of all) shared.join(m.options.signal, () => m.reject(abortError()));
    const done = group.map(() => false);
    const handOver = (j: number, bytes: Uint8Array) => {
      if (done[j]) return; // a retried request may hand a run over again
      done[j] = true;
      deliver(group[j], members[j], bytes);
    };
    src.getRanges!(
      group.map((r) => ({ offset: r.start, length: r.end - r.start })),
      { purpose: dominantPurpose(all), signal: shared.signal },
      handOver,
    )
      .then(
        (parts) => {
          group.forEach((run, j) => {
            if (done[j]) return;
            const part = parts[j];
            if (part && part.length === run.end - run.start) {
              handOver(j, part);
              return;
            }
            done[j] = true;
            const live = members[j].filter((m) => !m.options.signal?.aborted);
            if (live.length === 0) return;
            requests++;
            issueRun(run, live);
          });
        },
        (e) => {
          group.forEach((_, j) => {
            if (!done[j]) for (const m of members[j]) m.reject(e);
          });
        },
      )
      .finally(() => shared.dispose());
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
        (bytes) => deliver(run, members, bytes),
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
