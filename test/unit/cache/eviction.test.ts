import { describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { withCache } from "../../../src/cache/cached-source";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import { FlatvoxError } from "../../../src/shared/errors";
import { FakeServer, makeBytes } from "./helpers";

const FILE = makeBytes(40_000, 21);

function clock() {
  let t = 1_000_000;
  return () => (t += 10);
}

async function offsetsOf(store: MemoryCacheStore, dataset: string): Promise<number[]> {
  return (await store.keysByDataset(dataset)).map((e) => e.offset).sort((a, b) => a - b);
}

describe("LRU eviction within the quota", () => {
  it("evicts the least recently used entries, keeping recently re-read ones", async () => {
    const store = new MemoryCacheStore();
    const manager = new CacheManager(store, { quotaBytes: 10_000, now: clock() });
    const server = new FakeServer(FILE);
    const source = withCache(server, manager, { memoryBudgetBytes: 0 });
    for (let i = 0; i < 10; i++) {
      await source.getBytes(i * 1000, 1000);
      await manager.flush();
    }
    expect(await store.usage()).toBe(10_000);
    await source.getBytes(0, 1000); // re-used: now the most recent
    await source.getBytes(11_000, 1000);
    await manager.flush();
    const kept = await offsetsOf(store, server.id);
    expect(kept).toContain(0);
    expect(kept).toContain(11_000);
    expect(kept).not.toContain(1000);
    expect(kept).not.toContain(2000);
    expect(await store.usage()).toBeLessThanOrEqual(10_000);
    expect(manager.stats.evictedEntries).toBeGreaterThan(0);
  });

  it("evicts across datasets: an old dataset yields to a new one", async () => {
    const store = new MemoryCacheStore();
    const manager = new CacheManager(store, { quotaBytes: 8000, now: clock() });
    const a = withCache(new FakeServer(FILE, "http://127.0.0.1:1/a.fvx"), manager);
    const b = withCache(new FakeServer(FILE, "http://127.0.0.1:1/b.fvx"), manager);
    for (let i = 0; i < 6; i++) await a.getBytes(i * 1000, 1000);
    await manager.flush();
    for (let i = 0; i < 6; i++) await b.getBytes(i * 1000, 1000);
    await manager.flush();
    expect(await manager.usage()).toBeLessThanOrEqual(8000);
    expect((await offsetsOf(store, b.id)).length).toBe(6);
    expect((await offsetsOf(store, a.id)).length).toBeLessThan(6);
  });

  it("does not cache an entry larger than the quota, but still returns it", async () => {
    const store = new MemoryCacheStore();
    const manager = new CacheManager(store, { quotaBytes: 500 });
    const source = withCache(new FakeServer(FILE), manager);
    expect(await source.getBytes(0, 1000)).toEqual(FILE.subarray(0, 1000));
    await manager.flush();
    expect(await store.usage()).toBe(0);
  });
});

describe("a full store (QuotaExceededError)", () => {
  it("evicts and retries; every read still returns its bytes", async () => {
    const store = new MemoryCacheStore({ capacityBytes: 5000 });
    const manager = new CacheManager(store, { quotaBytes: 1 << 20, now: clock() });
    const source = withCache(new FakeServer(FILE), manager, { memoryBudgetBytes: 0 });
    for (let i = 0; i < 12; i++) {
      expect(await source.getBytes(i * 1000, 1000)).toEqual(FILE.subarray(i * 1000, (i + 1) * 1000));
      await manager.flush();
    }
    expect(manager.stats.quotaErrors).toBeGreaterThan(0);
    expect(await store.usage()).toBeLessThanOrEqual(5000);
    // The newest entry made it in after eviction.
    expect(await offsetsOf(store, source.id)).toContain(11_000);
    expect(manager.stats.droppedEntries).toBe(0);
  });

  it("skips caching when the store stays full, and reports it without failing the read", async () => {
    const store = new MemoryCacheStore({ capacityBytes: 500 });
    const errors: unknown[] = [];
    const manager = new CacheManager(store, { onError: (e) => errors.push(e) });
    const server = new FakeServer(FILE);
    const source = withCache(server, manager, { memoryBudgetBytes: 0 });
    expect(await source.getBytes(0, 1000)).toEqual(FILE.subarray(0, 1000));
    await manager.flush();
    expect(manager.stats.droppedEntries).toBe(1);
    expect(errors.length).toBe(1);
    expect(await store.usage()).toBe(0);
    // The session goes on: more reads work, and the learned limit stops futile retries.
    const attempts = manager.stats.transactions;
    expect(await source.getBytes(2000, 1000)).toEqual(FILE.subarray(2000, 3000));
    expect(await source.getBytes(4000, 400)).toEqual(FILE.subarray(4000, 4400));
    await manager.flush();
    expect(errors.length).toBe(1);
    expect(manager.stats.transactions).toBe(attempts + 1);
    expect((await store.listEntries()).map((e) => e.offset)).toEqual([4000]);
  });
});

describe("isQuotaExceeded", () => {
  it("recognises IndexedDB, flatvox and disk-full errors only", async () => {
    const { isQuotaExceeded } = await import("../../../src/cache/cache-types");
    expect(isQuotaExceeded(new DOMException("full", "QuotaExceededError"))).toBe(true);
    expect(isQuotaExceeded(Object.assign(new Error("x"), { code: "ENOSPC" }))).toBe(true);
    expect(isQuotaExceeded(new FlatvoxError("QuotaError", "x"))).toBe(true);
    expect(isQuotaExceeded(new DOMException("x", "DataError"))).toBe(false);
    expect(isQuotaExceeded(new Error("x"))).toBe(false);
  });
});
