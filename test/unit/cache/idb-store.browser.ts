/**
 * IndexedDB checks that run against a real browser's IndexedDB (Chromium via
 * Playwright) and, as an extra, against fake-indexeddb in Node. Each check is
 * independent and reports instead of throwing, so one page run lists them all.
 */
import { CacheManager } from "../../../src/cache/cache-manager";
import type { StoredEntry } from "../../../src/cache/cache-types";
import { withCache } from "../../../src/cache/cached-source";
import { IdbCacheStore } from "../../../src/cache/idb-store";
import { xxhash32 as xxh32 } from "../../../src/format/xxhash32";
import { CountingStore, FakeServer, makeBytes } from "./helpers";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

function entry(dataset: string, offset: number, length: number, lastUsed = 1): StoredEntry {
  const data = makeBytes(length, offset + 3);
  return { dataset, etag: '"e1"', offset, length, data, checksum: xxh32(data), lastUsed };
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return !!a && a.length === b.length && a.every((v, i) => v === b[i]);
}

function assert(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}

/** Overwrite one stored entry's bytes behind the store's back (bit rot, a torn write). */
function corruptRaw(dbName: string, storeName: string, key: IDBValidKey): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(storeName, "readwrite");
      const os = tx.objectStore(storeName);
      const get = os.get(key);
      get.onsuccess = () => {
        const row = get.result as { data: Uint8Array; checksum: number };
        const data = row.data.slice();
        data[7] ^= 0xff;
        os.put({ ...row, data }, key);
      };
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

export async function runIdbStoreChecks(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const run = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const dbs: string[] = [];
  const check = async (name: string, fn: (dbName: string) => Promise<string>) => {
    const dbName = `flatvox-check-${run}-${results.length}`;
    dbs.push(dbName);
    try {
      results.push({ name, ok: true, detail: await fn(dbName) });
    } catch (e) {
      results.push({ name, ok: false, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  };

  await check("set/get/getMany round trip", async (db) => {
    const s = new IdbCacheStore(db);
    const a = entry("u", 0, 1000);
    const b = entry("u", 1000, 333);
    await s.setMany({ entries: [a, b] });
    const got = await s.get(a);
    assert(same(got?.data, a.data) && got?.checksum === a.checksum, "entry a differs");
    const many = await s.getMany([b, { ...b, offset: 5 }]);
    assert(same(many[0]?.data, b.data) && many[1] === undefined, "getMany wrong");
    assert((await s.usage()) === 1333, `usage ${await s.usage()}`);
    return "2 entries, 1333 bytes";
  });

  await check("a view is stored as exactly its bytes", async (db) => {
    const s = new IdbCacheStore(db);
    const big = makeBytes(10_000, 9);
    const view = big.subarray(100, 200);
    await s.setMany({
      entries: [
        { dataset: "v", etag: "e", offset: 100, length: 100, data: view, checksum: xxh32(view), lastUsed: 1 },
      ],
    });
    const got = await new IdbCacheStore(db).get({ dataset: "v", etag: "e", offset: 100, length: 100 });
    assert(got?.data.buffer.byteLength === 100, `stored buffer is ${got?.data.buffer.byteLength} bytes`);
    return "100-byte buffer";
  });

  await check("records, listing, touches, deleteDataset, clear", async (db) => {
    const s = new IdbCacheStore(db);
    const a = entry("a", 0, 10);
    await s.setMany({
      entries: [a, entry("a", 10, 10), entry("b", 0, 5)],
      records: [{ key: "a", url: "a", etag: '"e1"', size: 20, lastUsed: 1 }],
    });
    await s.setMany({
      touches: [
        { ...a, lastUsed: 99 },
        { ...a, offset: 12345, lastUsed: 5 },
      ],
    });
    const rows = await s.keysByDataset("a");
    assert(rows.length === 2, `a has ${rows.length} rows`);
    assert(rows.find((r) => r.offset === 0)?.lastUsed === 99, "touch not applied");
    assert((await s.listEntries()).length === 3, "listEntries: phantom row from a touch?");
    assert((await s.getRecord("a"))?.size === 20, "record");
    await s.deleteDataset("a");
    assert(
      (await s.keysByDataset("a")).length === 0 && (await s.getRecord("a")) === undefined,
      "deleteDataset",
    );
    assert((await s.usage()) === 5, "usage after deleteDataset");
    await s.clear();
    assert((await s.usage()) === 0 && (await s.listRecords()).length === 0, "clear");
    return "ok";
  });

  await check("batched writes: 200 reads → few transactions, persisted", async (db) => {
    const store = new CountingStore(new IdbCacheStore(db));
    const manager = new CacheManager(store);
    const file = makeBytes(300_000, 5);
    const source = withCache(new FakeServer(file), manager);
    await source.getBytes(0, 10);
    await Promise.all(Array.from({ length: 200 }, (_, i) => source.getBytes(1000 + i * 1000, 1000)));
    await manager.flush();
    assert(store.setManyCalls <= 6, `${store.setManyCalls} transactions`);
    const reopened = new IdbCacheStore(db);
    assert((await reopened.listEntries()).length === 201, "entries after reopen");
    const one = await reopened.get({ dataset: source.id, etag: '"v1"', offset: 43_000, length: 1000 });
    assert(same(one?.data, file.subarray(43_000, 44_000)), "content after reopen");
    return `${store.setManyCalls} transactions for 201 entries`;
  });

  await check("LRU eviction under a quota", async (db) => {
    let t = 1000;
    const store = new IdbCacheStore(db);
    const manager = new CacheManager(store, { quotaBytes: 10_000, now: () => (t += 10) });
    const file = makeBytes(40_000, 6);
    const source = withCache(new FakeServer(file), manager, { memoryBudgetBytes: 0 });
    for (let i = 0; i < 10; i++) {
      await source.getBytes(i * 1000, 1000);
      await manager.flush();
    }
    await source.getBytes(0, 1000);
    await source.getBytes(20_000, 1000);
    await manager.flush();
    const offsets = (await store.listEntries()).map((e) => e.offset);
    assert((await store.usage()) <= 10_000, `usage ${await store.usage()}`);
    assert(offsets.includes(0) && offsets.includes(20_000), "recent entries evicted");
    assert(!offsets.includes(1000), "least recent entry kept");
    return `kept ${offsets.length} entries`;
  });

  await check("corrupt stored bytes are detected, deleted and refetched", async (db) => {
    const file = makeBytes(20_000, 8);
    const server = new FakeServer(file);
    const m1 = new CacheManager(new IdbCacheStore(db));
    const s1 = withCache(server, m1);
    await s1.getBytes(0, 64);
    await s1.getBytes(4000, 1000);
    await m1.flush();
    await corruptRaw(db, "entries", ["d", server.id, '"v1"', 4000, 1000]);

    server.forget();
    const store = new IdbCacheStore(db);
    const m2 = new CacheManager(store);
    const s2 = withCache(server, m2);
    await s2.getBytes(0, 64);
    const before = server.requests;
    const got = await s2.getBytes(4000, 1000);
    assert(same(got, file.subarray(4000, 5000)), "served corrupt bytes");
    assert(server.requests === before + 1 && s2.stats.corrupt === 1, "not refetched");
    await m2.flush();
    const fixed = await store.get({ dataset: server.id, etag: '"v1"', offset: 4000, length: 1000 });
    assert(same(fixed?.data, file.subarray(4000, 5000)), "entry not replaced");
    return "detected by the envelope checksum";
  });

  await check("offline reopen from IndexedDB", async (db) => {
    const file = makeBytes(20_000, 10);
    const server = new FakeServer(file);
    const m1 = new CacheManager(new IdbCacheStore(db));
    const s1 = withCache(server, m1);
    await s1.getBytes(0, 4096, { upTo: true });
    await s1.getBytes(8000, 500);
    await m1.flush();
    server.forget();
    server.mode = "down";
    const s2 = withCache(server, new CacheManager(new IdbCacheStore(db)));
    const head = await s2.getBytes(0, 4096, { upTo: true });
    const brick = await s2.getBytes(8000, 500);
    assert(same(head, file.subarray(0, 4096)) && same(brick, file.subarray(8000, 8500)), "content");
    const miss = await s2.getBytes(15_000, 10).catch((e) => e);
    assert(miss?.tag === "OfflineError", `miss gave ${miss}`);
    assert(!s2.online, "still online");
    return "served offline; miss → OfflineError";
  });

  for (const db of dbs) await deleteDb(db);
  return results;
}
