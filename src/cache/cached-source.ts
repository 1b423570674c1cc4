/**
 * withCache(): the caching decorator of a ByteSource. Reads go memory LRU →
 * persistent store → inner source. Stored bytes are checked twice before use
 * (envelope checksum, then the caller's `verify`); fetched bytes are verified
 * before they are cached, so nothing corrupt is ever stored or served from
 * cache. When the inner source is unreachable, reads are served from the
 * cache under the dataset's last known ETag and misses fail with OfflineError.
 *
 * Validation: the first read of a session goes to the inner source (unless it
 * already knows its ETag); its ETag confirms or invalidates what is cached.
 */
import type { ByteSource, ReadOptions } from "../io/byte-source";
import { checkRange } from "../io/range-check";
import { FlatvoxError, isFlatvoxError, throwIfAborted } from "../shared/errors";
import { CacheManager } from "./cache-manager";
import type { CacheStore, DatasetRecord, EntryKey } from "./cache-types";
import { ByteLru } from "./memory-lru";
import { isNetworkError } from "./network-error";

export interface CachedSourceOptions {
  /** Memory tier budget in bytes. Default 64 MiB. */
  memoryBudgetBytes?: number;
  /** Dataset identity in the store; default the inner source's id. */
  datasetKey?: string;
  /** Serve a read from a cached range that contains it. Default true. */
  serveSubranges?: boolean;
  /** While offline, a miss tries the network again at most this often (ms). Default 5000. */
  offlineRetryMs?: number;
  /** Called when the source flips between online and offline. */
  onOnlineChange?: (online: boolean) => void;
  /** Which inner failures mean "unreachable". Default isNetworkError. */
  isNetworkError?: (e: unknown) => boolean;
}

export interface CachedSourceStats {
  memoryHits: number;
  storeHits: number;
  subrangeHits: number;
  fetches: number;
  fetchedBytes: number;
  /** Cached entries found corrupt (envelope checksum or caller's verify) and discarded. */
  corrupt: number;
  offlineMisses: number;
}

/** Stand-in validator for servers that send no ETag. */
function weakEtag(size: number | undefined): string {
  return size === undefined ? "W/unknown" : `W/size-${size}`;
}

export class CachedSource implements ByteSource {
  readonly id: string;
  readonly datasetKey: string;
  readonly stats: CachedSourceStats = {
    memoryHits: 0,
    storeHits: 0,
    subrangeHits: 0,
    fetches: 0,
    fetchedBytes: 0,
    corrupt: 0,
    offlineMisses: 0,
  };
  private readonly memory: ByteLru<string>;
  private readonly verified = new WeakSet<Uint8Array>();
  private readonly listeners = new Set<(online: boolean) => void>();
  private readonly serveSubranges: boolean;
  private readonly offlineRetryMs: number;
  private readonly networkError: (e: unknown) => boolean;
  private isOnline = true;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private currentEtag?: string;
  private validated = false;
  /** The version whose bytes this session has handed out (a later change must be reported). */
  private servedEtag?: string;
  private knownSize?: number;
  private record?: Promise<DatasetRecord | undefined>;
  private lastRecord?: DatasetRecord;
  /** Index entries read this session (open block, pages, sections): useless data without them. */
  private readonly meta = new Map<string, EntryKey>();
  private metaTouched = Number.NEGATIVE_INFINITY;

  constructor(
    readonly inner: ByteSource,
    readonly cache: CacheManager,
    opts: CachedSourceOptions = {},
  ) {
    this.id = inner.id;
    this.datasetKey = opts.datasetKey ?? inner.id;
    this.memory = new ByteLru(opts.memoryBudgetBytes ?? 64 << 20);
    this.serveSubranges = opts.serveSubranges ?? true;
    this.offlineRetryMs = opts.offlineRetryMs ?? 5000;
    this.networkError = opts.isNetworkError ?? isNetworkError;
    if (opts.onOnlineChange) this.listeners.add(opts.onOnlineChange);
  }

  /** False after the inner source failed with a network error, until a fetch succeeds again. */
  get online(): boolean {
    return this.isOnline;
  }

  /** The validator the cache currently reads and writes under. */
  get etag(): string | undefined {
    return this.currentEtag ?? this.inner.etag;
  }

  get size(): number | undefined {
    const r = this.lastRecord;
    const fromRecord =
      r && (this.currentEtag === undefined || r.etag === this.currentEtag) ? r.size : undefined;
    return this.inner.size ?? this.knownSize ?? fromRecord;
  }

  /** Subscribe to online/offline flips; returns the unsubscribe function. */
  onOnlineChange(listener: (online: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Let the next miss try the network at once (e.g. on the browser's "online" event). */
  retryOnline(): void {
    this.lastFailure = Number.NEGATIVE_INFINITY;
  }

  /**
   * Treat the server as unreachable now (the browser reports no network):
   * reads are served from the cache without waiting on the network's
   * retries; a miss tries the network again after `offlineRetryMs`.
   */
  assumeOffline(): void {
    this.lastFailure = performance.now();
    this.setOnline(false);
  }

  /** Is this exact range cached under the current (or last known) ETag? */
  async has(offset: number, length: number): Promise<boolean> {
    const etag = this.validated ? this.currentEtag : (await this.loadRecord())?.etag;
    if (etag === undefined) return false;
    const key = { dataset: this.datasetKey, etag, offset, length };
    return this.memory.has(this.memKey(key)) || (await this.cache.has(key));
  }

  /** Persist pending writes now. */
  flush(): Promise<void> {
    return this.cache.flush();
  }

  async close(): Promise<void> {
    await this.cache.flush();
    await this.inner.close?.();
  }

  async getBytes(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    checkRange(offset, length, this.id);
    if (!this.validated && this.inner.etag !== undefined) await this.adopt(this.inner.etag);
    let corrupt = false;
    if (this.validated || !this.isOnline) {
      const etag = this.validated ? this.currentEtag : (await this.loadRecord())?.etag;
      if (etag !== undefined) {
        const r = await this.fromCache(etag, offset, length, options);
        if (r instanceof Uint8Array) return this.served(r, etag, offset, options.purpose);
        corrupt = r === "corrupt";
      }
      if (!this.isOnline && performance.now() - this.lastFailure < this.offlineRetryMs) {
        throw this.offlineMiss(offset, length, corrupt);
      }
    }
    throwIfAborted(options.signal);
    return this.fetch(offset, length, options, corrupt);
  }

  private served(bytes: Uint8Array, etag: string, offset: number, purpose?: string): Uint8Array {
    this.servedEtag = etag;
    const key: EntryKey = { dataset: this.datasetKey, etag, offset, length: bytes.length };
    if (purpose === "open" || purpose === "hierarchy" || purpose === "index") {
      this.meta.set(this.memKey(key), key);
    } else if (this.meta.size && performance.now() - this.metaTouched > 1000) {
      // LRU must not evict the index of a dataset in use before its bricks: keep it as recent as they are.
      this.metaTouched = performance.now();
      for (const k of this.meta.values()) if (k.etag === etag) this.cache.touch(k);
    }
    return bytes;
  }

  private memKey(k: EntryKey): string {
    return `${k.etag}\u0000${k.offset}\u0000${k.length}`;
  }

  private loadRecord(): Promise<DatasetRecord | undefined> {
    this.record ??= this.cache.getRecord(this.datasetKey).then((r) => {
      this.lastRecord ??= r;
      return r;
    });
    return this.record;
  }

  /** The cached bytes, or why there are none ("miss", or "corrupt" when a bad entry was discarded). */
  private async fromCache(
    etag: string,
    offset: number,
    length: number,
    options: ReadOptions,
  ): Promise<Uint8Array | "miss" | "corrupt"> {
    const size = this.size ?? (await this.loadRecord())?.size;
    const len = options.upTo && size !== undefined ? Math.max(0, Math.min(length, size - offset)) : length;
    const key: EntryKey = { dataset: this.datasetKey, etag, offset, length: len };
    const mk = this.memKey(key);
    const mem = this.memory.get(mk);
    // A transferred (detached) buffer has length 0: drop it rather than serve it.
    if (mem && mem.byteLength === len) {
      if (this.check(mem, options)) {
        this.stats.memoryHits++;
        this.cache.touch(key);
        return mem;
      }
      this.memory.delete(mk);
      await this.cache.discard(key);
      return "corrupt";
    }
    if (mem) this.memory.delete(mk);
    let corrupt = false;
    const found = await this.cache.lookup(key);
    if (found.status === "hit") {
      if (this.check(found.data, options)) {
        this.stats.storeHits++;
        this.memory.set(mk, found.data);
        return found.data;
      }
      await this.cache.discard(key);
      corrupt = true;
    } else if (found.status === "corrupt") {
      corrupt = true;
    }
    if (corrupt) this.stats.corrupt++;
    if (!this.serveSubranges || len === 0) return corrupt ? "corrupt" : "miss";
    const outer = await this.cache.findContaining(key);
    if (!outer || (outer.offset === offset && outer.length === len)) return corrupt ? "corrupt" : "miss";
    const big = await this.cache.lookup(outer);
    if (big.status !== "hit") return corrupt || big.status === "corrupt" ? "corrupt" : "miss";
    const sub = big.data.slice(offset - outer.offset, offset - outer.offset + len);
    if (!this.check(sub, options)) {
      this.stats.corrupt++;
      await this.cache.discard(outer);
      return "corrupt";
    }
    this.stats.subrangeHits++;
    this.memory.set(mk, sub);
    return sub;
  }

  /** Run the caller's verify once per buffer; false when it throws. */
  private check(bytes: Uint8Array, options: ReadOptions): boolean {
    if (!options.verify || this.verified.has(bytes)) return true;
    try {
      options.verify(bytes);
    } catch {
      return false;
    }
    this.verified.add(bytes);
    return true;
  }

  private async fetch(
    offset: number,
    length: number,
    options: ReadOptions,
    corrupt: boolean,
  ): Promise<Uint8Array> {
    let bytes: Uint8Array;
    this.stats.fetches++;
    try {
      bytes = await this.inner.getBytes(offset, length, options);
    } catch (e) {
      if (isFlatvoxError(e, "ETagChangedError")) {
        const next = typeof e.context.etag === "string" ? e.context.etag : this.inner.etag;
        await this.changed(next !== this.currentEtag ? next : undefined);
        throw e;
      }
      if (!this.networkError(e) || options.signal?.aborted) throw e;
      this.lastFailure = performance.now();
      this.setOnline(false);
      // Unreachable before this session validated anything: the last known ETag decides.
      if (!this.validated) {
        const etag = (await this.loadRecord())?.etag;
        if (etag !== undefined) {
          const r = await this.fromCache(etag, offset, length, options);
          if (r instanceof Uint8Array) return this.served(r, etag, offset, options.purpose);
          corrupt ||= r === "corrupt";
        }
      }
      throw this.offlineMiss(offset, length, corrupt, e);
    }
    this.setOnline(true);
    this.stats.fetchedBytes += bytes.length;
    if (options.upTo && bytes.length < length) this.knownSize ??= offset + bytes.length;
    const etag = this.inner.etag ?? weakEtag(this.size);
    if (this.servedEtag !== undefined && etag !== this.servedEtag) {
      // The file changed under an open dataset: its old bytes (and offsets) are stale.
      const old = this.servedEtag;
      await this.changed(etag);
      throw new FlatvoxError("ETagChangedError", `dataset changed on the server (ETag ${old} → ${etag})`, {
        offset,
        length,
        url: this.id,
        etag,
      });
    }
    if (!this.validated || etag !== this.currentEtag) await this.adopt(etag);
    options.verify?.(bytes); // throws: nothing corrupt is cached
    if (options.verify) this.verified.add(bytes);
    const key: EntryKey = { dataset: this.datasetKey, etag, offset, length: bytes.length };
    this.memory.set(this.memKey(key), bytes);
    this.cache.put(key, bytes);
    return this.served(bytes, etag, offset, options.purpose);
  }

  /** Take `etag` as the current version; entries of any other version of the dataset are dropped. */
  private async adopt(etag: string): Promise<void> {
    const previous = this.currentEtag ?? (await this.loadRecord())?.etag;
    const first = !this.validated;
    this.currentEtag = etag;
    this.validated = true;
    if (previous !== etag) this.memory.clear();
    const record: DatasetRecord = {
      key: this.datasetKey,
      url: this.inner.id,
      etag,
      size: this.size,
      lastUsed: this.cache.stamp(),
    };
    this.record = Promise.resolve(record);
    this.lastRecord = record;
    this.cache.putRecord(record);
    if (first || previous !== etag) await this.cache.invalidate(this.datasetKey, etag);
  }

  /** The inner source reported a change: drop stale entries and validate again on the next read. */
  private async changed(next: string | undefined): Promise<void> {
    this.memory.clear();
    this.servedEtag = undefined;
    if (next !== undefined) {
      this.validated = false;
      await this.adopt(next);
    } else {
      this.validated = false;
      this.currentEtag = undefined;
      await this.cache.invalidate(this.datasetKey);
    }
  }

  private setOnline(online: boolean): void {
    if (online === this.isOnline) return;
    this.isOnline = online;
    for (const l of this.listeners) l(online);
  }

  private offlineMiss(offset: number, length: number, corrupt: boolean, cause?: unknown): FlatvoxError {
    this.stats.offlineMisses++;
    const what = corrupt ? "cached copy was corrupt (discarded)" : "not cached";
    return new FlatvoxError(
      "OfflineError",
      `${what} and the server is unreachable`,
      { offset, length, url: this.id },
      { cause },
    );
  }
}

const managers = new WeakMap<CacheStore, CacheManager>();

/** The shared manager of a store (created with default options on first use). */
export function managerFor(store: CacheStore): CacheManager {
  let m = managers.get(store);
  if (!m) {
    m = new CacheManager(store);
    managers.set(store, m);
  }
  return m;
}

/** Wrap a byte source with the memory LRU and persistent cache. */
export function withCache(
  inner: ByteSource,
  cache: CacheManager | CacheStore,
  opts: CachedSourceOptions = {},
): CachedSource {
  return new CachedSource(inner, cache instanceof CacheManager ? cache : managerFor(cache), opts);
}
