/**
 * Page side of bench/offline-reopen.ts (bundled and run in Chromium): write
 * throughput of the persistent cache into the browser's real IndexedDB.
 *  - through the CacheManager (checksum + batched transactions), as the
 *    viewer caches fetched bricks;
 *  - the raw store: one transaction for a batch vs one transaction per record.
 */
import { CacheManager } from "../src/cache/cache-manager";
import type { StoredEntry } from "../src/cache/cache-types";
import { IdbCacheStore } from "../src/cache/idb-store";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  });
}

export interface WriteResult {
  entries: number;
  entryBytes: number;
  ms: number;
  mbPerS: number;
  recordsPerS: number;
  transactions: number;
}

/** `count` entries of `size` bytes through a CacheManager, timed until flushed. */
export async function managerWrites(count: number, size: number): Promise<WriteResult> {
  const name = `fvx-bench-${size}-${count}-${Date.now()}`;
  const store = new IdbCacheStore(name);
  const m = new CacheManager(store, { quotaBytes: 2 ** 31 });
  await m.ready();
  const data = Array.from({ length: count }, (_, i) => bytes(size, i + 1));
  const t0 = performance.now();
  for (let i = 0; i < count; i++)
    m.put({ dataset: "bench", etag: "e", offset: i * size, length: size }, data[i]);
  await m.flush();
  const ms = performance.now() - t0;
  await m.close();
  await deleteDb(name);
  return {
    entries: count,
    entryBytes: size,
    ms,
    mbPerS: (count * size) / 1e6 / (ms / 1000),
    recordsPerS: count / (ms / 1000),
    transactions: m.stats.transactions,
  };
}

/** Raw store: all records in one setMany vs one setMany per record. */
export async function rawBatching(
  count: number,
  size: number,
): Promise<{ oneTxMs: number; perRecordMs: number }> {
  const name = `fvx-bench-raw-${Date.now()}`;
  const store = new IdbCacheStore(name);
  const entry = (i: number, base: number): StoredEntry => ({
    dataset: "bench",
    etag: "e",
    offset: base + i * size,
    length: size,
    checksum: 0,
    lastUsed: i,
    data: bytes(size, i + 7),
  });
  let t0 = performance.now();
  await store.setMany({ entries: Array.from({ length: count }, (_, i) => entry(i, 0)) });
  const oneTxMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < count; i++) await store.setMany({ entries: [entry(i, 1e9)] });
  const perRecordMs = performance.now() - t0;
  await deleteDb(name);
  return { oneTxMs, perRecordMs };
}
