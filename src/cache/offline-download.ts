/**
 * "Make available offline": fetch a list of byte ranges (chosen by the reader
 * for a time range / LOD levels) into the persistent cache, with progress,
 * bounded concurrency and pause/resume. Pausing is aborting; resuming is
 * calling again: ranges already cached are skipped without a request, and
 * `from` (the last progress' `cursor`) skips the prefix known to be done.
 */
import { FlatvoxError, isFlatvoxError, throwIfAborted } from "../shared/errors";
import type { CachedSource } from "./cached-source";

export interface OfflineRange {
  offset: number;
  length: number;
  /** Integrity check of this range (the brick's checksum); nothing failing it is cached. */
  verify?: (bytes: Uint8Array) => void;
}

export type RangeList = Iterable<OfflineRange> | AsyncIterable<OfflineRange>;

export interface OfflineProgress {
  /** Ranges done (fetched or already cached) and their bytes. */
  doneEntries: number;
  doneBytes: number;
  /** Known when the ranges were given as an array. */
  totalEntries?: number;
  totalBytes?: number;
  fetchedEntries: number;
  fetchedBytes: number;
  skippedEntries: number;
  /** Every range before this index is done: pass it as `from` to resume. */
  cursor: number;
}

export interface DownloadOptions {
  ranges: RangeList;
  source: CachedSource;
  onProgress?: (p: OfflineProgress) => void;
  signal?: AbortSignal;
  /** Parallel reads. Default 4. */
  concurrency?: number;
  /** Skip the first `from` ranges (a previous run's cursor). */
  from?: number;
}

export interface DownloadResult extends OfflineProgress {
  /** Bytes and ranges now cached (fetched + already there). */
  bytes: number;
  entries: number;
}

export interface OfflineEstimate {
  entries: number;
  bytes: number;
  /** Of which already cached (only when a source is given). */
  cachedEntries: number;
  cachedBytes: number;
  /** Bytes still to download. */
  missingBytes: number;
}

/** Size of a download; with a source, how much of it is cached already. */
export async function estimateOfflineSize(
  ranges: RangeList,
  source?: CachedSource,
): Promise<OfflineEstimate> {
  const est: OfflineEstimate = { entries: 0, bytes: 0, cachedEntries: 0, cachedBytes: 0, missingBytes: 0 };
  for await (const r of ranges) {
    est.entries++;
    est.bytes += r.length;
    if (source && (await source.has(r.offset, r.length))) {
      est.cachedEntries++;
      est.cachedBytes += r.length;
    } else {
      est.missingBytes += r.length;
    }
  }
  return est;
}

export async function downloadForOffline(opts: DownloadOptions): Promise<DownloadResult> {
  const { source, signal, onProgress } = opts;
  const from = opts.from ?? 0;
  throwIfAborted(signal);
  const p: OfflineProgress = {
    doneEntries: 0,
    doneBytes: 0,
    fetchedEntries: 0,
    fetchedBytes: 0,
    skippedEntries: 0,
    cursor: 0,
  };
  if (Array.isArray(opts.ranges)) {
    const list = opts.ranges as OfflineRange[];
    p.totalEntries = list.length;
    p.totalBytes = list.reduce((s, r) => s + r.length, 0);
    if (p.totalBytes > source.cache.quotaBytes) {
      throw new FlatvoxError(
        "QuotaError",
        `selection needs ${p.totalBytes} bytes but the cache quota is ${source.cache.quotaBytes} bytes`,
        { url: source.id, section: "cache" },
      );
    }
  }

  // One controller stops every in-flight read on the first failure or on the caller's abort.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort);
  const iter = (Symbol.asyncIterator in opts.ranges ? opts.ranges : toAsync(opts.ranges))[
    Symbol.asyncIterator
  ]();
  let pulling: Promise<unknown> = Promise.resolve();
  let next = 0;
  const done = new Set<number>();
  const pull = (): Promise<{ i: number; r: OfflineRange } | undefined> => {
    const got = pulling.then(async () => {
      const it = await iter.next();
      return it.done ? undefined : { i: next++, r: it.value };
    });
    pulling = got.catch(() => undefined);
    return got;
  };
  const finish = (i: number, length: number) => {
    done.add(i);
    while (done.has(p.cursor)) done.delete(p.cursor++);
    p.doneEntries++;
    p.doneBytes += length;
    onProgress?.({ ...p });
  };

  const worker = async () => {
    for (;;) {
      if (stop.signal.aborted) return;
      const item = await pull();
      if (!item) return;
      const { i, r } = item;
      if (i < from) {
        finish(i, r.length);
        continue;
      }
      if (await source.has(r.offset, r.length)) {
        p.skippedEntries++;
      } else {
        await source.getBytes(r.offset, r.length, {
          signal: stop.signal,
          verify: r.verify,
          purpose: "prefetch",
        });
        p.fetchedEntries++;
        p.fetchedBytes += r.length;
      }
      finish(i, r.length);
    }
  };

  const n = Math.max(1, Math.floor(opts.concurrency ?? 4));
  let failure: { reason: unknown } | undefined;
  await Promise.all(
    Array.from({ length: n }, () =>
      worker().catch((e) => {
        // The first failure is the cause; the others are the aborts it triggered.
        failure ??= { reason: e };
        stop.abort(e);
      }),
    ),
  );
  signal?.removeEventListener("abort", onAbort);
  // Keep what was fetched, whatever happened.
  await source.flush();
  if (signal?.aborted) {
    await iter.return?.();
    throw new FlatvoxError("AbortError", `offline download paused after ${p.doneEntries} ranges`, {
      url: source.id,
      cursor: p.cursor,
    });
  }
  if (failure) {
    await iter.return?.();
    throw isFlatvoxError(failure.reason)
      ? failure.reason
      : new FlatvoxError(
          "HttpError",
          "offline download failed",
          { url: source.id },
          { cause: failure.reason },
        );
  }
  return { ...p, bytes: p.doneBytes, entries: p.doneEntries };
}

async function* toAsync<T>(it: Iterable<T>): AsyncGenerator<T> {
  yield* it;
}
