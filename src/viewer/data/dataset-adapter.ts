/**
 * The viewer's only contact with the reader, the transport stack and the
 * persistent cache: opens a dataset by URL and translates the reader's API
 * into ViewerDataset.
 */
import { type CachedSource, openCache, withCache } from "../../cache";
import type { HitTest } from "../../core/ray";
import { BlobSource, blobKey } from "../../io/blob-source";
import type { ByteSource } from "../../io/byte-source";
import { createSource } from "../../io/create-source";
import { withAccounting } from "../../io/with-accounting";
import { type Dataset, type LocatedEntry, openDataset, SectionKind } from "../../reader";
import type { Vec3 } from "../../shared/types";
import { mark } from "../app/marks";
import { Availability, type Unavailable } from "../offline/availability";
import { type DatasetOffline, datasetOffline, type ViewerCache, wrapManager } from "../offline/offline-data";
import { loadQuotaSetting } from "../offline/settings";
import type {
  BrickSummary,
  FeatureHit,
  FeatureQuery,
  TrackInfo,
  ViewerDataset,
  ViewerInfo,
} from "./viewer-types";

const UNIFORM = 0;

export interface OpenOptions {
  signal?: AbortSignal;
  /** Keep fetched bytes in IndexedDB (default true where IndexedDB exists). */
  persistentCache?: boolean;
  onOnlineChange?: (online: boolean) => void;
  /** Read this `File`/`Blob` (drag-and-drop, file picker) instead of fetching `url`, which then only names it. */
  file?: Blob;
  /** The reader's decode executor choice (default "auto"; false decodes on the calling thread). */
  workers?: "auto" | false;
  /** The persistent cache's quota in bytes (default: the user's setting, else half the origin's quota). */
  quotaBytes?: number;
}

export interface OpenedDataset extends ViewerDataset {
  /** False while the server is unreachable and reads come from the cache. */
  online(): boolean;
  /** Bricks that could not be read offline (not cached or corrupt), for the UI to name. */
  unavailable(): Unavailable;
  onUnavailableChange(fn: () => void): () => void;
  /**
   * Called when reads that failed offline may succeed now: the source came
   * back online, or the browser reports the network back.
   */
  onReconnect(fn: () => void): () => void;
  /** The reader's ray pick at level 0 (level-0 voxel space). */
  pick(
    q: {
      field: string;
      t: number;
      origin: Vec3;
      direction: Vec3;
      maxDistance?: number;
      test: HitTest;
      /** Level to pick at (default 0); `ijk` is a voxel of that level. */
      level?: number;
    },
    signal?: AbortSignal,
  ): Promise<{ ijk: Vec3; value: number; level: number } | null>;
  /** "Make available offline"; undefined without a persistent cache. */
  offline?: DatasetOffline;
  /** The persistent cache this dataset reads through (its counters, pending writes, quota). */
  cache?: ViewerCache;
  /**
   * The cache manager to show for this dataset: where the dataset is read in
   * another thread, the page's view of the shared store combined with that
   * thread's writes and counters.
   */
  cacheView?(page: ViewerCache): ViewerCache;
}

export async function openViewerDataset(url: string, opts: OpenOptions = {}): Promise<OpenedDataset> {
  mark("open-start");
  const file = opts.file;
  const href = file ? url : typeof location !== "undefined" ? new URL(url, location.href).href : url;
  // A local file is the same reader over a BlobSource; its cache key is name + size + mtime.
  const http = file ? withAccounting(new BlobSource(file)) : createSource(href);
  const datasetKey = file ? `file:${blobKey(file as Blob & { name?: string; lastModified?: number })}` : href;
  let source: ByteSource = http;
  let cached: CachedSource | undefined;
  if (opts.persistentCache !== false && typeof indexedDB !== "undefined") {
    try {
      const manager = await openCache("indexeddb", { quotaBytes: opts.quotaBytes ?? loadQuotaSetting() });
      cached = withCache(http, manager, { datasetKey, onOnlineChange: opts.onOnlineChange });
      // No network at all (the browser knows): reopen from the cache without waiting on retries.
      if (typeof navigator !== "undefined" && navigator.onLine === false) cached.assumeOffline();
      source = cached;
    } catch {
      // No usable IndexedDB (private mode, quota): stream without persistence.
    }
  }
  mark("cache-ready");
  const ds = await openDataset(source, { signal: opts.signal, workers: opts.workers });
  mark("open-done");
  const opened = adapt(ds, href, http, cached);
  return file ? { ...opened, file } : opened;
}

function adapt(
  ds: Dataset,
  url: string,
  http: ReturnType<typeof createSource>,
  cached?: CachedSource,
): OpenedDataset {
  const i = ds.info;
  const info: ViewerInfo = {
    dims: i.dims,
    origin: i.origin,
    spacing: i.spacing,
    ...(i.transform ? { transform: i.transform } : {}),
    spaceUnits: i.spaceUnits,
    fields: i.fields.map((f) => ({
      name: f.name,
      dtype: f.dtype,
      kind: f.kind,
      units: f.units ?? "",
      fill: f.fill,
      range: f.range ?? undefined,
    })),
    times: i.times,
    timeUnits: i.timeUnits ?? "",
    metadata: (i.metadata ?? {}) as Record<string, unknown>,
    brickSize: i.brickSize,
    levels: i.levels.map((l) => ({ level: l.level, dims: l.dims, bricks: l.bricks })),
    version: `${i.version.major}.${i.version.minor}`,
  };
  const availability = new Availability();
  const reconnectListeners = new Set<() => void>();
  const reconnected = () => {
    for (const l of [...reconnectListeners]) l();
  };
  cached?.onOnlineChange((up) => {
    if (!up) return;
    availability.clear();
    reconnected();
  });
  // The browser says the network is back: let the next miss try it at once.
  const retry = () => {
    cached?.retryOnline();
    reconnected();
  };
  const lost = () => cached?.assumeOffline();
  // The page's window, or the worker's global scope (both say when the network comes and goes).
  const scope = globalThis as Partial<Pick<typeof globalThis, "addEventListener" | "removeEventListener">>;
  const events = typeof scope.addEventListener === "function";
  if (events) {
    scope.addEventListener!("online", retry);
    scope.addEventListener!("offline", lost);
  }
  const kindOf = (field: string) => i.fields.find((f) => f.name === field)?.kind ?? "scalar";
  const summarize = (field: string, e: LocatedEntry): BrickSummary => {
    const uniform = e.encoding === UNIFORM;
    const categorical = kindOf(field) === "categorical";
    return {
      // Same stored bytes (dedup across timesteps share offset+length) = same content.
      contentKey: uniform ? `${field}|u|${e.min}` : `${field}|${e.offset}+${e.length}|${e.refT}`,
      uniform: uniform ? e.min : undefined,
      min: e.min,
      max: e.max,
      mean: categorical ? undefined : e.mean,
      dominant: categorical ? e.mean : undefined,
      homogeneity: categorical ? e.homogeneity : undefined,
      length: e.length,
    };
  };
  return {
    url,
    info,
    async summary(a, signal) {
      const e = await availability.track(a, () => ds.brickEntry(a.field, a.t, a.level, a.brick, { signal }));
      return summarize(a.field, e);
    },
    async readBrick(a, signal, norm) {
      const q = { field: a.field, t: a.t, level: a.level, brick: a.brick };
      if (norm) {
        const r = await availability.track(a, () => ds.readBrickGpu(q, norm, { signal }));
        return { data: r.data, dims: r.dims as Vec3, ready: r.ready };
      }
      const r = await availability.track(a, () => ds.readBrick(q, { signal }));
      return { data: r.data, dims: r.dims as Vec3 };
    },
    sample: (field, t, point, level) => ds.sample({ field, t, point, level }),
    readRegion: (field, t, box, signal) => ds.readRegion({ field, t, box }, { signal }),
    async stats(q, signal) {
      const r = await ds.stats(q, { signal });
      return {
        histogram: r.histogram ?? new Uint32Array(q.bins),
        range: r.range ?? q.range,
        count: r.count,
        below: r.below,
        above: r.above,
        nanCount: r.nanCount,
      };
    },
    probe: (field, box, signal) => ds.probe({ field, box }, { signal }),
    sampleLine: (field, t, from, to, signal) => ds.sampleLine({ field, t, from, to }, { signal }),
    async pick(q, signal) {
      const hit = await ds.pick(
        {
          field: q.field,
          t: q.t,
          ray: { origin: q.origin, direction: q.direction },
          maxDistance: q.maxDistance,
          level: q.level,
          ...("threshold" in q.test ? { threshold: q.test.threshold } : { materials: [...q.test.materials] }),
        },
        { signal },
      );
      return hit ? { ijk: hit.ijk, value: hit.value, level: hit.level } : null;
    },
    features:
      ds.section(SectionKind.FEATURES as number) !== undefined
        ? async (q: FeatureQuery, signal?: AbortSignal): Promise<FeatureHit[]> => ds.features(q, { signal })
        : undefined,
    track:
      ds.section(SectionKind.FEATURES as number) !== undefined
        ? async (id: number, signal?: AbortSignal): Promise<TrackInfo | undefined> => ds.track(id, { signal })
        : undefined,
    transferStats() {
      const s = http.stats();
      const c = cached?.stats;
      return {
        requests: s.requests,
        bytes: s.bytes,
        cacheHits: c ? c.memoryHits + c.storeHits + c.subrangeHits : 0,
      };
    },
    online: () => cached?.online ?? true,
    unavailable: () => availability.snapshot(),
    onUnavailableChange: (fn) => availability.subscribe(fn),
    onReconnect(fn) {
      reconnectListeners.add(fn);
      return () => reconnectListeners.delete(fn);
    },
    offline: cached ? datasetOffline(ds, cached) : undefined,
    cache: cached ? wrapManager(cached.cache) : undefined,
    close() {
      if (events) {
        scope.removeEventListener!("online", retry);
        scope.removeEventListener!("offline", lost);
      }
      void ds.source.close?.();
    },
  };
}
