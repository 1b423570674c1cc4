/** The persistent cache beneath the reader: public surface. */

export { xxhash32 as xxh32 } from "../format/xxhash32";
export type {
  CacheEstimate,
  CacheManagerOptions,
  CacheManagerStats,
  DatasetSummary,
  LookupResult,
} from "./cache-manager";
export { CacheManager } from "./cache-manager";
export type { CacheStore, DatasetRecord, EntryInfo, EntryKey, StoredEntry, WriteBatch } from "./cache-types";
export type { CachedSourceOptions, CachedSourceStats } from "./cached-source";
export { CachedSource, managerFor, withCache } from "./cached-source";
export { IdbCacheStore } from "./idb-store";
export type { MemoryStoreOptions } from "./memory-store";
export { MemoryCacheStore } from "./memory-store";
export { isNetworkError } from "./network-error";
export type {
  DownloadOptions,
  DownloadResult,
  OfflineEstimate,
  OfflineProgress,
  OfflineRange,
  RangeList,
} from "./offline-download";
export { downloadForOffline, estimateOfflineSize } from "./offline-download";
export type { CacheKind, OpenCacheOptions } from "./open-cache";
export { openCache, resetOpenCaches } from "./open-cache";
