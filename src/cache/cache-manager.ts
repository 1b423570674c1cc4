/**
 * One CacheManager per persistent store, shared by every cached source on it.
 * It owns what a store must not: the envelope checksum, the in-memory index,
 * batched writes (one transaction per flush, never one per record), lazy
 * last-use updates, LRU eviction within a quota, and recovery from a full
 * store (evict and retry; if it still fails, skip caching, never fail a read).
 * Several browser tabs may share one database: each keeps its own index, so an
 * entry another tab evicted reads as a miss, never as an error.
 */

import { xxhash32 as xxh32 } from "../format/xxhash32";
import { CacheIndex } from "./cache-index";
import type { CacheStore, DatasetRecord, EntryInfo, EntryKey, StoredEntry } from "./cache-types";
import { entryId, infoOf, isQuotaExceeded, keyOf } from "./cache-types";
import { ReadBatcher } from "./read-batcher";
import { originStorage, requestPersistentStorage } from "./storage-estimate";

export interface CacheManagerOptions {
  /** Bytes of entry data the cache may hold (LRU eviction above it). Default 1 GiB. */
  quotaBytes?: number;
  /** How long writes are collected before one transaction. Default 50 ms. */
  flushDelayMs?: number;
  /** Flush as soon as this many entries are pending. Default 64. */
  maxBatchEntries?: number;
  /** Flush as soon as this many bytes are pending. Default 8 MiB. */
  maxBatchBytes?: number;
  /** Delay for writing last-use updates when no entry write carries them. Default 2000 ms. */
  touchDelayMs?: number;
  /** Eviction frees down to this fraction of the quota, so it does not run on every flush. Default 0.9. */
  lowWater?: number;
  /** Clock (ms); injectable for tests. */
  now?: () => number;
  /** Called when caching (not reading) failed: a dropped batch, a store error. */
  onError?: (error: unknown) => void;
}

export type LookupResult = { status: "hit"; data: Uint8Array } | { status: "miss" } | { status: "corrupt" };

export interface DatasetSummary {
  key: string;
  url: string;
  etag: string;
  /** Bytes of cached entries (all versions). */
  bytes: number;
  entries: number;
  lastUsed: number;
}

export interface CacheEstimate {
  /** Bytes held by this cache (including writes still pending). */
  usageBytes: number;
  quotaBytes: number;
  /** navigator.storage.estimate() for the whole origin, where available. */
  originUsage?: number;
  originQuota?: number;
  persisted?: boolean;
}

export interface CacheManagerStats {
  storeHits: number;
  storeMisses: number;
  corrupt: number;
  transactions: number;
  entriesWritten: number;
  bytesWritten: number;
  evictedEntries: number;
  evictedBytes: number;
  quotaErrors: number;
  droppedEntries: number;
}

export class CacheManager {
  readonly stats: CacheManagerStats = {
    storeHits: 0,
    storeMisses: 0,
    corrupt: 0,
    transactions: 0,
    entriesWritten: 0,
    bytesWritten: 0,
    evictedEntries: 0,
    evictedBytes: 0,
    quotaErrors: 0,
    droppedEntries: 0,
  };
  quotaBytes: number;
  private readonly opts: Required<Omit<CacheManagerOptions, "quotaBytes" | "onError">>;
  private readonly onError?: (error: unknown) => void;
  private readonly index = new CacheIndex();
  private readonly records = new Map<string, DatasetRecord>();
  private loaded?: Promise<void>;
  private pending = new Map<string, StoredEntry>();
  private pendingBytes = 0;
  private writing = new Map<string, StoredEntry>();
  private dirtyTouches = new Map<string, EntryKey>();
  private dirtyRecords = new Set<string>();
  private flushTimer?: ReturnType<typeof setTimeout>;
  private touchTimer?: ReturnType<typeof setTimeout>;
  /** Store mutations run one at a time (flushes, deletions, eviction). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reads: ReadBatcher;
  /** What the store accepted before it reported itself full (learned, never above quota). */
  private storeLimit = Number.POSITIVE_INFINITY;
  private lastStamp = 0;
  private queuedFlush?: Promise<void>;

  constructor(
    readonly store: CacheStore,
    opts: CacheManagerOptions = {},
  ) {
    this.quotaBytes = opts.quotaBytes ?? 1 << 30;
    this.reads = new ReadBatcher(store);
    this.onError = opts.onError;
    this.opts = {
      flushDelayMs: opts.flushDelayMs ?? 50,
      maxBatchEntries: opts.maxBatchEntries ?? 64,
      maxBatchBytes: opts.maxBatchBytes ?? 8 << 20,
      touchDelayMs: opts.touchDelayMs ?? 2000,
      lowWater: opts.lowWater ?? 0.9,
      now: opts.now ?? Date.now,
    };
  }

  /** Load the index and records from the store (once). */
  ready(): Promise<void> {
    this.loaded ??= (async () => {
      const [entries, records] = await Promise.all([this.store.listEntries(), this.store.listRecords()]);
      for (const e of entries) this.index.add(e);
      for (const r of records) this.records.set(r.key, r);
    })();
    return this.loaded;
  }

  /** A strictly increasing timestamp, so LRU order is total even within one millisecond. */
  stamp(): number {
    this.lastStamp = Math.max(this.opts.now(), this.lastStamp + 0.001);
    return this.lastStamp;
  }

  // ---- reads ----------------------------------------------------------------

  /** Cached and not corrupt? (Pending writes count as cached.) */
  async has(key: EntryKey): Promise<boolean> {
    await this.ready();
    const id = entryId(key);
    return this.pending.has(id) || this.writing.has(id) || this.index.has(key);
  }

  /** Exact-range lookup. A stored entry whose envelope checksum fails is deleted and reported corrupt. */
  async lookup(key: EntryKey): Promise<LookupResult> {
    await this.ready();
    const id = entryId(key);
    const mem = this.pending.get(id) ?? this.writing.get(id);
    if (mem) return { status: "hit", data: mem.data };
    if (!this.index.has(key)) return { status: "miss" };
    const stored = await this.reads.get(key);
    if (!stored) {
      // Gone behind our back (another tab evicted it).
      this.index.remove(key);
      this.stats.storeMisses++;
      return { status: "miss" };
    }
    if (stored.data.length !== key.length || xxh32(stored.data) !== stored.checksum) {
      this.stats.corrupt++;
      await this.discard(key);
      return { status: "corrupt" };
    }
    this.stats.storeHits++;
    this.touch(key);
    return { status: "hit", data: stored.data };
  }

  /** A cached range of the same dataset version that covers the requested one, if any. */
  async findContaining(key: EntryKey): Promise<EntryKey | undefined> {
    await this.ready();
    for (const e of [...this.pending.values(), ...this.writing.values()]) {
      if (
        e.dataset === key.dataset &&
        e.etag === key.etag &&
        e.offset <= key.offset &&
        e.offset + e.length >= key.offset + key.length
      ) {
        return keyOf(e);
      }
    }
    const hit = this.index.containing(key.dataset, key.etag, key.offset, key.length);
    return hit && keyOf(hit);
  }

  // ---- writes ---------------------------------------------------------------

  /** Queue verified bytes for the store. Entries larger than the quota are not cached. */
  put(key: EntryKey, data: Uint8Array): void {
    if (data.length !== key.length || data.length > Math.min(this.quotaBytes, this.storeLimit)) return;
    const id = entryId(key);
    const old = this.pending.get(id);
    if (old) this.pendingBytes -= old.data.length;
    // Own exactly these bytes: a view would pin (and IndexedDB would clone) its whole buffer.
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    this.pending.set(id, { ...keyOf(key), data: own, checksum: xxh32(own), lastUsed: this.stamp() });
    this.pendingBytes += own.length;
    void this.flushSoon(this.isBatchFull() ? 0 : this.opts.flushDelayMs);
  }

  /** Record a use; persisted lazily with the next batch. */
  touch(key: EntryKey): void {
    const info = this.index.get(key);
    if (!info) return;
    info.lastUsed = this.stamp();
    this.dirtyTouches.set(entryId(key), keyOf(key));
    if (!this.touchTimer && !this.flushTimer) {
      this.touchTimer = setTimeout(() => {
        this.touchTimer = undefined;
        void this.runFlush();
      }, this.opts.touchDelayMs);
      // Losing a last-use update is harmless; do not keep a CLI process alive for it.
      (this.touchTimer as { unref?: () => void }).unref?.();
    }
  }

  getRecord(dataset: string): Promise<DatasetRecord | undefined> {
    return this.ready().then(() => this.records.get(dataset));
  }

  putRecord(record: DatasetRecord): void {
    this.records.set(record.key, record);
    this.dirtyRecords.add(record.key);
    void this.flushSoon(this.opts.flushDelayMs);
  }

  private flushSoon(delay: number): Promise<void> | undefined {
    if (delay === 0) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      return this.runFlush();
    }
    if (this.flushTimer) return undefined;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.runFlush();
    }, delay);
    return undefined;
  }

  /** Write everything pending now and wait until it is stored (or dropped). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.pending.size || this.dirtyTouches.size || this.dirtyRecords.size) await this.runFlush();
    await this.queue;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private runFlush(): Promise<void> {
    // One queued (not yet started) flush is enough: it takes whatever is pending when it starts.
    if (this.queuedFlush) return this.queuedFlush;
    const run = this.serial(() => {
      this.queuedFlush = undefined;
      return this.flushOnce();
    }).catch((e) => this.onError?.(e));
    this.queuedFlush = run;
    return run;
  }

  private async flushOnce(): Promise<void> {
    await this.ready();
    clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    // Take one batch (N entries or B bytes); the rest follows in the next transaction.
    this.writing = new Map();
    let taken = 0;
    for (const [id, e] of this.pending) {
      if (this.writing.size >= this.opts.maxBatchEntries) break;
      if (this.writing.size && taken + e.length > this.opts.maxBatchBytes) break;
      this.writing.set(id, e);
      this.pending.delete(id);
      this.pendingBytes -= e.length;
      taken += e.length;
    }
    let entries = [...this.writing.values()];
    const touches = [...this.dirtyTouches.values()].flatMap((k) => {
      const e = this.index.get(k);
      return e ? [infoOf(e)] : [];
    });
    this.dirtyTouches.clear();
    const records = [...this.dirtyRecords].flatMap((k) => this.records.get(k) ?? []);
    this.dirtyRecords.clear();
    try {
      // Keep the newest entries when one batch alone is over the limit.
      const limit = Math.min(this.quotaBytes, this.storeLimit);
      let bytes = entries.reduce((s, e) => s + e.length, 0);
      while (bytes > limit && entries.length) {
        bytes -= entries.shift()!.length;
        this.stats.droppedEntries++;
      }
      const exclude = new Set(entries.map(entryId));
      await this.evictFor(bytes, exclude);
      for (let attempt = 0; ; attempt++) {
        try {
          if (!entries.length && !touches.length && !records.length) return;
          this.stats.transactions++;
          await this.store.setMany({ entries, touches, records });
          for (const e of entries) this.index.add(infoOf(e));
          this.stats.entriesWritten += entries.length;
          this.stats.bytesWritten += bytes;
          return;
        } catch (e) {
          if (!isQuotaExceeded(e)) throw e;
          this.stats.quotaErrors++;
          // The store is full below our quota: remember its real limit, make room, retry.
          this.storeLimit = Math.min(this.storeLimit, this.index.bytes + bytes - 1);
          const freed = await this.evictBytes(Math.max(bytes, this.index.bytes / 4), exclude);
          if (attempt >= 2 || freed === 0) {
            this.stats.droppedEntries += entries.length;
            this.onError?.(e);
            if (!entries.length) return;
            entries = [];
            bytes = 0;
          }
        }
      }
    } finally {
      this.writing = new Map();
      if (this.pending.size) void this.flushSoon(this.isBatchFull() ? 0 : this.opts.flushDelayMs);
    }
  }

  private isBatchFull(): boolean {
    return this.pending.size >= this.opts.maxBatchEntries || this.pendingBytes >= this.opts.maxBatchBytes;
  }

  /** Evict least recently used entries so that `incoming` more bytes fit under the quota. */
  private async evictFor(incoming: number, exclude: Set<string>): Promise<void> {
    const limit = Math.min(this.quotaBytes, this.storeLimit);
    if (this.index.bytes + incoming <= limit) return;
    const target = Math.max(0, limit * this.opts.lowWater - incoming);
    await this.evictBytes(this.index.bytes - target, exclude);
  }

  private async evictBytes(amount: number, exclude: Set<string>): Promise<number> {
    const victims: EntryInfo[] = [];
    let freed = 0;
    for (const e of this.index.lruOrder(exclude)) {
      if (freed >= amount) break;
      victims.push(e);
      freed += e.length;
    }
    if (!victims.length) return 0;
    await this.store.delete(victims.map(keyOf));
    for (const v of victims) this.index.remove(v);
    this.stats.evictedEntries += victims.length;
    this.stats.evictedBytes += freed;
    return freed;
  }

  // ---- deletion -------------------------------------------------------------

  /** Delete one entry (corrupt, or rejected by the caller's verify). */
  discard(key: EntryKey): Promise<void> {
    const id = entryId(key);
    const p = this.pending.get(id);
    if (p) {
      this.pending.delete(id);
      this.pendingBytes -= p.data.length;
    }
    return this.serial(async () => {
      await this.store.delete([key]);
      this.index.remove(key);
    });
  }

  /** Delete a dataset's entries of every version except `keepEtag` (ETag changed: old bytes are stale). */
  async invalidate(dataset: string, keepEtag?: string): Promise<number> {
    await this.ready();
    for (const [id, e] of this.pending) {
      if (e.dataset === dataset && e.etag !== keepEtag) {
        this.pending.delete(id);
        this.pendingBytes -= e.data.length;
      }
    }
    return this.serial(async () => {
      const stale = this.index.ofDataset(dataset, keepEtag);
      if (stale.length) await this.store.delete(stale.map(keyOf));
      for (const e of stale) this.index.remove(e);
      return stale.length;
    });
  }

  // ---- cache manager API ----------------------------------------------------

  async listDatasets(): Promise<DatasetSummary[]> {
    await this.ready();
    const out = new Map<string, DatasetSummary>();
    for (const r of this.records.values()) {
      out.set(r.key, { key: r.key, url: r.url, etag: r.etag, bytes: 0, entries: 0, lastUsed: r.lastUsed });
    }
    for (const e of [...this.index.all(), ...this.pending.values()]) {
      let s = out.get(e.dataset);
      if (!s) {
        s = { key: e.dataset, url: e.dataset, etag: e.etag, bytes: 0, entries: 0, lastUsed: 0 };
        out.set(e.dataset, s);
      }
      s.bytes += e.length;
      s.entries++;
      s.lastUsed = Math.max(s.lastUsed, e.lastUsed);
    }
    return [...out.values()].sort((a, b) => b.lastUsed - a.lastUsed);
  }

  async deleteDataset(key: string): Promise<void> {
    await this.ready();
    for (const [id, e] of this.pending) {
      if (e.dataset === key) {
        this.pending.delete(id);
        this.pendingBytes -= e.data.length;
      }
    }
    this.records.delete(key);
    this.dirtyRecords.delete(key);
    await this.serial(async () => {
      await this.store.deleteDataset(key);
      for (const e of this.index.ofDataset(key)) this.index.remove(e);
    });
  }

  async clearAll(): Promise<void> {
    await this.ready();
    this.pending.clear();
    this.pendingBytes = 0;
    this.dirtyTouches.clear();
    this.dirtyRecords.clear();
    this.records.clear();
    await this.serial(async () => {
      await this.store.clear();
      this.index.clear();
      this.storeLimit = Number.POSITIVE_INFINITY;
    });
  }

  /** Evict least recently used entries down to the quota now (after the quota was lowered). */
  async enforceQuota(): Promise<void> {
    await this.ready();
    await this.serial(() => this.evictFor(this.pendingBytes, new Set()));
  }

  /** Bytes held (stored + pending). */
  async usage(): Promise<number> {
    await this.ready();
    return this.index.bytes + this.pendingBytes;
  }

  async estimate(): Promise<CacheEstimate> {
    const origin = await originStorage();
    return {
      usageBytes: await this.usage(),
      quotaBytes: this.quotaBytes,
      originUsage: origin.usage,
      originQuota: origin.quota,
      persisted: origin.persisted,
    };
  }

  /** Ask the browser not to evict this origin's storage (navigator.storage.persist()). */
  requestPersistence(): Promise<boolean> {
    return requestPersistentStorage();
  }

  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.touchTimer);
    await this.store.close?.();
  }
}
