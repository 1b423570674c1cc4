/** The persistent cache beneath the reader: public surface. */
export { CacheManager } from "./cache-manager";
export type {
  CacheEstimate,
  CacheManagerOptions,
  CacheManagerStats,
  DatasetSummary,
  LookupResult,
} from "./cache-manager";
export type { CacheStore, DatasetRecord, EntryInfo, EntryKey, StoredEntry, WriteBatch } from "./cache-types";
export { CachedSource, managerFor, withCache } from "./cached-source";
export type { CachedSourceOptions, CachedSourceStats } from "./cached-source";
export { IdbCacheStore } from "./idb-store";
export { MemoryCacheStore } from "./memory-store";
export type { MemoryStoreOptions } from "./memory-store";
export { isNetworkError } from "./network-error";
export { downloadForOffline, estimateOfflineSize } from "./offline-download";
export type {
  DownloadOptions,
  DownloadResult,
  OfflineEstimate,
  OfflineProgress,
  OfflineRange,
  RangeList,
} from "./offline-download";
export { openCache, resetOpenCaches } from "./open-cache";
export type { CacheKind, OpenCacheOptions } from "./open-cache";
export { xxhash32 as xxh32 } from "../format/xxhash32";
