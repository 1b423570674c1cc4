/** openDataset: one request for the first 64 KiB, everything else on demand. */

import type { CachedSourceOptions, CacheKind, CacheManager, OpenCacheOptions } from "../cache";
import { OPEN_BLOCK_SIZE } from "../format/constants";
import { initZstd } from "../format/zstd";
import type { ByteSource } from "../io/byte-source";
import { throwIfAborted } from "../shared/errors";
import { adaptiveExecutor } from "../worker/adaptive";
import { type BrickExecutor, inlineExecutor, notAnExecutor } from "../worker/executor";
import { defaultWorkerPool } from "../worker/pool";
import { workersAvailable } from "../worker/spawn";
import { ByteReader } from "./byte-reader";
import { Dataset } from "./dataset";
import { parseOpenBlock } from "./open-block";
import { resolveSource } from "./resolve-source";
import { rejectForeign } from "./sniff";

export interface OpenDatasetOptions {
  signal?: AbortSignal;
  /**
   * Where bricks are decoded (and picks / region stats run): a WorkerPool (or
   * any BrickExecutor), "auto" (default: each brick goes to the calling
   * thread or the shared pool — Web Workers in browsers, worker threads in
   * Node — whichever is expected to finish it first, from measured decode
   * and round-trip times; see src/worker/adaptive.ts) or false (in-thread).
   */
  workers?: BrickExecutor | "auto" | false;
  /**
   * Keep fetched bytes in a persistent cache: "indexeddb" (browsers), a
   * directory `{ dir }` (Node), "memory", or an open CacheManager. A dataset
   * read before then reopens with the server gone.
   */
  cache?: CacheKind | CacheManager;
  /** Options of the cache (quota...) and of the cached source (dataset key...). */
  cacheOptions?: OpenCacheOptions & CachedSourceOptions;
  /**
   * zstd decoder: "wasm" (default) loads the WASM decoder before the dataset
   * opens; "js" skips that and decodes with the pure-JS one (slower per byte,
   * nothing to load: for a short run that reads a few small sections).
   */
  zstd?: "wasm" | "js";
}

export function resolveExecutor(workers: OpenDatasetOptions["workers"]): BrickExecutor {
  if (workers === false) return inlineExecutor();
  if (workers === undefined || workers === "auto")
    return workersAvailable() ? adaptiveExecutor(defaultWorkerPool) : inlineExecutor();
  if (typeof workers === "object" && typeof workers.decode === "function") return workers;
  return notAnExecutor(workers);
}

export async function openDataset(
  source: ByteSource | string,
  opts: OpenDatasetOptions = {},
): Promise<Dataset> {
  const executor = resolveExecutor(opts.workers);
  throwIfAborted(opts.signal);
  let src = await resolveSource(source);
  if (opts.cache !== undefined) src = await cachedSource(src, opts.cache, opts.cacheOptions);
  const [bytes] = await Promise.all([
    src.getBytes(0, OPEN_BLOCK_SIZE, {
      upTo: true,
      purpose: "open",
      signal: opts.signal,
      // A short answer means the file ended: its length is the file size.
      verify: (b) => {
        rejectForeign(b, src.id);
        parseOpenBlock(b, b.length < OPEN_BLOCK_SIZE ? b.length : undefined);
      },
    }),
    opts.zstd === "js" ? undefined : initZstd(),
  ]);
  const fileSize = bytes.length < OPEN_BLOCK_SIZE ? bytes.length : src.size;
  rejectForeign(bytes, src.id);
  const block = parseOpenBlock(bytes, fileSize);
  return new Dataset(new ByteReader(src, bytes, fileSize), block, executor);
}

/** Wrap a source with the persistent cache (loaded on demand: Node-only stores stay out of browser bundles). */
async function cachedSource(
  src: ByteSource,
  cache: CacheKind | CacheManager,
  opts: OpenCacheOptions & CachedSourceOptions = {},
): Promise<ByteSource> {
  const { openCache, withCache, CacheManager: Manager } = await import("../cache");
  const manager = cache instanceof Manager ? cache : await openCache(cache as CacheKind, opts);
  return withCache(src, manager, opts);
}
