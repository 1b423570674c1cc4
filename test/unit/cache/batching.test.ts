import { describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { withCache } from "../../../src/cache/cached-source";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import { CountingStore, FakeServer, makeBytes } from "./helpers";

const FILE = makeBytes(300_000, 31);

describe("batched persistent writes and reads", () => {
  it("many concurrent reads → few transactions", async () => {
    const store = new CountingStore(new MemoryCacheStore());
    const manager = new CacheManager(store);
    const source = withCache(new FakeServer(FILE), manager);
    await source.getBytes(0, 100);
    await Promise.all(Array.from({ length: 200 }, (_, i) => source.getBytes(1000 + i * 1000, 1000)));
    await manager.flush();
    expect(store.entriesWritten).toBe(201);
    // 64 entries per batch at most → 4 batches, plus at most a couple for the first read and records.
    expect(store.setManyCalls).toBeGreaterThanOrEqual(4);
    expect(store.setManyCalls).toBeLessThanOrEqual(6);
  });

  it("sequential reads inside the flush window share a transaction", async () => {
    const store = new CountingStore(new MemoryCacheStore());
    const manager = new CacheManager(store, { flushDelayMs: 10_000, maxBatchEntries: 1000 });
    const source = withCache(new FakeServer(FILE), manager);
    for (let i = 0; i < 100; i++) await source.getBytes(i * 500, 500);
    expect(store.setManyCalls).toBe(0);
    await manager.flush();
    expect(store.setManyCalls).toBe(1);
    expect(store.entriesWritten).toBe(100);
  });

  it("flushes early when the byte threshold is reached", async () => {
    const store = new CountingStore(new MemoryCacheStore());
    const manager = new CacheManager(store, { flushDelayMs: 10_000, maxBatchBytes: 10_000 });
    const source = withCache(new FakeServer(FILE), manager);
    for (let i = 0; i < 5; i++) await source.getBytes(i * 4000, 4000);
    await new Promise((r) => setTimeout(r, 20));
    expect(store.setManyCalls).toBeGreaterThanOrEqual(1);
    await manager.flush();
  });

  it("concurrent cache hits share one getMany", async () => {
    const inner = new MemoryCacheStore();
    const server = new FakeServer(FILE);
    const m1 = new CacheManager(inner);
    const s1 = withCache(server, m1);
    await Promise.all(Array.from({ length: 100 }, (_, i) => s1.getBytes(i * 1000, 1000)));
    await m1.flush();

    const store = new CountingStore(inner);
    const m2 = new CacheManager(store);
    server.forget();
    const s2 = withCache(server, m2, { memoryBudgetBytes: 0 });
    await s2.getBytes(200_000, 10); // validation read
    const before = server.requests;
    const got = await Promise.all(Array.from({ length: 100 }, (_, i) => s2.getBytes(i * 1000, 1000)));
    expect(got[42]).toEqual(FILE.subarray(42_000, 43_000));
    expect(server.requests).toBe(before);
    expect(store.getManyCalls).toBeLessThanOrEqual(2);
    expect(s2.stats.storeHits).toBe(100);
  });

  it("last-use updates are persisted lazily, in the next batch", async () => {
    let t = 1000;
    const store = new CountingStore(new MemoryCacheStore());
    const manager = new CacheManager(store, { now: () => t, memoryBudgetBytes: 0 } as never);
    const source = withCache(new FakeServer(FILE), manager, { memoryBudgetBytes: 0 });
    await source.getBytes(0, 100);
    await manager.flush();
    const calls = store.setManyCalls;
    t = 5000;
    for (let i = 0; i < 20; i++) await source.getBytes(0, 100);
    expect(store.setManyCalls).toBe(calls);
    await manager.flush();
    expect(store.setManyCalls).toBe(calls + 1);
    const [e] = await store.listEntries();
    expect(e.lastUsed).toBeGreaterThanOrEqual(5000);
  });
});
