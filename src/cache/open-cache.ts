/**
 * openCache(): the factory behind `openDataset(url, { cache })`. One manager
 * per backing store per process, so every dataset shares the quota, the
 * write batches and the LRU order.
 */
import { FlatvoxError } from "../shared/errors";
import { CacheManager, type CacheManagerOptions } from "./cache-manager";
import { MemoryCacheStore } from "./memory-store";

export type CacheKind = "indexeddb" | "memory" | { dir: string };

export interface OpenCacheOptions extends CacheManagerOptions {
  /** IndexedDB database and object store names. Default "flatvox-cache" / "entries". */
  dbName?: string;
  storeName?: string;
}

const open = new Map<string, Promise<CacheManager>>();

export function openCache(kind: CacheKind, opts: OpenCacheOptions = {}): Promise<CacheManager> {
  const id =
    typeof kind === "object"
      ? `dir:${kind.dir}`
      : kind === "indexeddb"
        ? `idb:${opts.dbName ?? "flatvox-cache"}/${opts.storeName ?? "entries"}`
        : "memory";
  let m = open.get(id);
  if (!m) {
    m = create(kind, opts);
    open.set(id, m);
    m.catch(() => open.delete(id));
  } else if (opts.quotaBytes !== undefined) {
    const quota = opts.quotaBytes;
    m = m.then((mgr) => {
      mgr.quotaBytes = quota;
      return mgr;
    });
  }
  return m;
}

async function create(kind: CacheKind, opts: OpenCacheOptions): Promise<CacheManager> {
  if (kind === "memory") return new CacheManager(new MemoryCacheStore(), opts);
  if (typeof kind === "object") {
    // Node only: keep node:fs out of browser bundles until asked for.
    const { FileCacheStore } = await import("./file-store");
    const mgr = new CacheManager(await FileCacheStore.open(kind.dir), opts);
    await mgr.ready();
    return mgr;
  }
  if (typeof indexedDB === "undefined") {
    throw new FlatvoxError("QuotaError", "IndexedDB is not available here; use a memory or directory cache", {
      section: "cache",
    });
  }
  const { IdbCacheStore } = await import("./idb-store");
  let quotaBytes = opts.quotaBytes;
  if (quotaBytes === undefined && typeof navigator !== "undefined" && navigator.storage?.estimate) {
    // Half of what the browser grants the origin, capped: leave room for the app and other data.
    const est = await navigator.storage.estimate();
    if (est.quota) quotaBytes = Math.min(2 ** 31, Math.floor(est.quota / 2));
  }
  const mgr = new CacheManager(new IdbCacheStore(opts.dbName, opts.storeName), { ...opts, quotaBytes });
  await mgr.ready();
  return mgr;
}

/** Forget opened caches (tests; after deleting a cache directory). */
export function resetOpenCaches(): void {
  open.clear();
}
