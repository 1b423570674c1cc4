/**
 * `flatvox`: open a `.fvx` dataset from a URL, a `File`/`Blob` or any byte
 * source, and read it (regions, picking, statistics, features). Runs in
 * browsers and Node; the Node-only parts (files, packing) are in `flatvox/node`.
 */

export type { CachedSourceOptions, CacheStore, OpenCacheOptions } from "./cache/index";
export { CacheManager, IdbCacheStore, MemoryCacheStore, openCache, withCache } from "./cache/index";
export {
  type CatalogHit,
  CatalogIndex,
  parseCatalog,
  parseQuery,
  readCatalog,
  searchCatalog,
} from "./catalog/search";
export type * from "./catalog/types";
export type { FeatureQuery, WhereCondition } from "./index/feature-index-reader";
export type { Feature, FeatureBox, FeatureInstance, Track } from "./index/feature-types";
export { type BlobIdentity, BlobSource, blobKey } from "./io/blob-source";
export type { ByteSource, Purpose, ReadOptions } from "./io/byte-source";
export { type CreateSourceOptions, createSource, createSourceAsync, isHttpUrl } from "./io/create-source";
export { type FetchLike, HttpSource, type HttpSourceOptions } from "./io/http-source";
export { MemorySource } from "./io/memory-source";
export {
  type AccountedSource,
  TransportMeter,
  type TransportStats,
  withAccounting,
} from "./io/with-accounting";
export { type CoalesceOptions, withCoalescing } from "./io/with-coalescing";
export { withConcurrency } from "./io/with-concurrency";
export { withDedupe } from "./io/with-dedupe";
export { type RetryOptions, withRetry } from "./io/with-retry";
export * from "./reader/index";
export { type ErrorContext, type ErrorTag, FlatvoxError, isFlatvoxError } from "./shared/errors";
export type { Box3, DType, FieldKind, TypedArray, Vec3 } from "./shared/types";
