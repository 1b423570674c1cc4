import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { managerFor, withCache } from "../../../src/cache/cached-source";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import { openCache, resetOpenCaches } from "../../../src/cache/open-cache";
import { isFlatvoxError } from "../../../src/shared/errors";
import { FakeServer, makeBytes } from "./helpers";

const FILE = makeBytes(30_000, 51);

async function twoDatasets(manager: CacheManager) {
  const a = withCache(new FakeServer(FILE, "http://127.0.0.1:1/a.fvx"), manager);
  const b = withCache(new FakeServer(FILE, "http://127.0.0.1:1/b.fvx", "b7"), manager);
  for (let i = 0; i < 3; i++) await a.getBytes(i * 1000, 1000);
  await b.getBytes(0, 500);
  await manager.flush();
  return { a, b };
}

describe("cache manager API", () => {
  it("lists datasets with url, etag, bytes, entries, last use", async () => {
    const manager = new CacheManager(new MemoryCacheStore());
    await twoDatasets(manager);
    const list = await manager.listDatasets();
    expect(list).toHaveLength(2);
    const a = list.find((d) => d.url.endsWith("a.fvx"))!;
    expect(a).toMatchObject({ key: "http://127.0.0.1:1/a.fvx", etag: '"v1"', bytes: 3000, entries: 3 });
    expect(a.lastUsed).toBeGreaterThan(0);
    expect(list.find((d) => d.url.endsWith("b.fvx"))).toMatchObject({ etag: '"b7"', bytes: 500, entries: 1 });
    expect(list[0].lastUsed).toBeGreaterThanOrEqual(list[1].lastUsed);
  });

  it("deletes one dataset, then clears everything", async () => {
    const store = new MemoryCacheStore();
    const manager = new CacheManager(store);
    const { a, b } = await twoDatasets(manager);
    await manager.deleteDataset(a.datasetKey);
    expect((await manager.listDatasets()).map((d) => d.key)).toEqual([b.datasetKey]);
    expect(await store.usage()).toBe(500);
    await manager.clearAll();
    expect(await manager.listDatasets()).toEqual([]);
    expect(await store.usage()).toBe(0);
    expect(await manager.usage()).toBe(0);
  });

  it("estimates usage against the quota; persistence is false without navigator.storage", async () => {
    const manager = new CacheManager(new MemoryCacheStore(), { quotaBytes: 123_456 });
    await twoDatasets(manager);
    const est = await manager.estimate();
    expect(est.usageBytes).toBe(3500);
    expect(est.quotaBytes).toBe(123_456);
    if (typeof navigator === "undefined" || !navigator.storage) {
      expect(await manager.requestPersistence()).toBe(false);
      expect(est.originQuota).toBeUndefined();
    }
  });

  it("shares one manager per store", () => {
    const store = new MemoryCacheStore();
    expect(managerFor(store)).toBe(managerFor(store));
    const s = withCache(new FakeServer(FILE), store);
    expect(s.cache).toBe(managerFor(store));
  });
});

describe("openCache", () => {
  it("opens a directory cache that persists across processes (reopen) and is shared in one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fvx-open-"));
    try {
      resetOpenCaches();
      const m1 = await openCache({ dir }, { quotaBytes: 1 << 20 });
      expect(await openCache({ dir })).toBe(m1);
      const src = withCache(new FakeServer(FILE), m1);
      await src.getBytes(0, 2000);
      await m1.close();
      resetOpenCaches();
      const m2 = await openCache({ dir });
      expect(m2).not.toBe(m1);
      expect(await m2.usage()).toBe(2000);
      expect(m2.store.kind).toBe("file");
      await m2.close();
    } finally {
      resetOpenCaches();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("opens memory caches; IndexedDB where it is missing is a typed error", async () => {
    const m = await openCache("memory");
    expect(m.store.kind).toBe("memory");
    if (typeof indexedDB === "undefined") {
      const err = await openCache("indexeddb").catch((e) => e);
      expect(isFlatvoxError(err, "QuotaError")).toBe(true);
    }
  });
});
