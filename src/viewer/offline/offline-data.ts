/**
 * The data side of the viewer's offline features, reached through the
 * dataset adapter: "make available offline" for an open dataset (estimate,
 * download with progress and pause/resume) and the cache manager (datasets,
 * sizes, last use, deletion, quota, persistence). The React panels only see
 * the interfaces below.
 */
import {
  type CachedSource,
  type CacheEstimate,
  type CacheManager,
  type CacheManagerStats,
  type DatasetSummary,
  downloadForOffline,
  estimateOfflineSize,
  type OfflineProgress,
  openCache,
} from "../../cache";
import { type ByteRangeNeed, type Dataset, offlineRanges } from "../../reader";
import { loadQuotaSetting } from "./settings";

export interface OfflineChoice {
  /** Closed range of timestep indices. */
  times: [number, number];
  /** LOD levels (0 = full resolution). */
  levels: number[];
}

export interface OfflineSizeEstimate {
  ranges: number;
  bytes: number;
  cachedBytes: number;
  /** Still to download. */
  missingBytes: number;
}

export type { OfflineProgress };

export interface DatasetOffline {
  estimate(choice: OfflineChoice, signal?: AbortSignal): Promise<OfflineSizeEstimate>;
  /**
   * Download the choice into the persistent cache. Aborting pauses; calling
   * again with the last progress' cursor as `from` resumes (cached ranges are
   * skipped either way).
   */
  download(
    choice: OfflineChoice,
    opts: { onProgress?: (p: OfflineProgress) => void; signal?: AbortSignal; from?: number },
  ): Promise<OfflineProgress>;
  /** Bytes this dataset holds in the cache. */
  cachedBytes(): Promise<number>;
  /** Corrupt cached entries found (and discarded) this session. */
  corruptFound(): number;
}

/** A dataset in the cache, as the cache manager lists it. */
export type CachedDatasetInfo = Omit<DatasetSummary, "etag">;

/** This cache's size and quota, and the origin's, as the cache manager estimates them. */
export type CacheUsage = CacheEstimate;

/** The cache manager's counters the viewer shows. */
const SHOWN_STATS = [
  "transactions",
  "entriesWritten",
  "bytesWritten",
  "evictedEntries",
  "evictedBytes",
  "quotaErrors",
  "corrupt",
] as const;

export type ViewerCacheStats = Pick<CacheManagerStats, (typeof SHOWN_STATS)[number]>;

export interface ViewerCache {
  list(): Promise<CachedDatasetInfo[]>;
  remove(key: string): Promise<void>;
  clear(): Promise<void>;
  usage(): Promise<CacheUsage>;
  /** Ask the browser to keep this origin's storage (navigator.storage.persist()). */
  persist(): Promise<boolean>;
  setQuota(bytes: number): Promise<void>;
  /** Write pending entries now. */
  flush(): Promise<void>;
  stats(): ViewerCacheStats;
}

const key = (c: OfflineChoice) => `${c.times[0]}-${c.times[1]}|${[...c.levels].sort().join(",")}`;

export function datasetOffline(ds: Dataset, source: CachedSource): DatasetOffline {
  // Listing a selection walks hierarchy pages: remember the last few answers.
  const listed = new Map<string, Promise<ByteRangeNeed[]>>();
  const ranges = (c: OfflineChoice, signal?: AbortSignal) => {
    let p = listed.get(key(c));
    if (!p) {
      p = offlineRanges(ds, { times: c.times, levels: c.levels }, { signal });
      listed.set(key(c), p);
      p.catch(() => listed.delete(key(c)));
      if (listed.size > 8) listed.delete(listed.keys().next().value!);
    }
    return p;
  };
  return {
    async estimate(c, signal) {
      const e = await estimateOfflineSize(await ranges(c, signal), source);
      return { ranges: e.entries, bytes: e.bytes, cachedBytes: e.cachedBytes, missingBytes: e.missingBytes };
    },
    async download(c, opts) {
      const list = await ranges(c, opts.signal);
      const r = await downloadForOffline({
        ranges: list,
        source,
        onProgress: opts.onProgress,
        signal: opts.signal,
        from: opts.from,
        concurrency: 6,
      });
      return r;
    },
    async cachedBytes() {
      const all = await source.cache.listDatasets();
      return all.find((d) => d.key === source.datasetKey)?.bytes ?? 0;
    },
    corruptFound: () => source.stats.corrupt,
  };
}

export function wrapManager(m: CacheManager): ViewerCache {
  return {
    list: async () => (await m.listDatasets()).map(({ etag: _etag, ...d }) => d),
    remove: (k) => m.deleteDataset(k),
    clear: () => m.clearAll(),
    usage: () => m.estimate(),
    persist: () => m.requestPersistence(),
    async setQuota(bytes) {
      m.quotaBytes = bytes;
      // Apply it now rather than at the next write.
      await m.flush();
      await m.enforceQuota();
    },
    flush: () => m.flush(),
    // A copy: the manager's counters keep changing.
    stats: () => Object.fromEntries(SHOWN_STATS.map((k) => [k, m.stats[k]])) as ViewerCacheStats,
  };
}

/** The browser's persistent cache (IndexedDB), with the user's quota applied. */
export async function openViewerCache(): Promise<ViewerCache | undefined> {
  if (typeof indexedDB === "undefined") return undefined;
  try {
    return wrapManager(await openCache("indexeddb", { quotaBytes: loadQuotaSetting() }));
  } catch {
    return undefined;
  }
}
