/**
 * LRU eviction under a small quota keeps the index of a dataset in use (open
 * block, pages): the cached source keeps them as recent as the bricks read
 * through them, so the dataset still reopens offline after heavy eviction.
 */
import { describe, expect, it } from "vitest";
import { CacheManager, MemoryCacheStore, withCache } from "../../../src/cache";
import { FakeServer, makeBytes } from "../cache/helpers";

describe("eviction and a dataset's index", () => {
  it("the open block outlives older bricks while the dataset is in use", async () => {
    let now = 0;
    const file = makeBytes(2_000_000, 3);
    const manager = new CacheManager(new MemoryCacheStore(), {
      quotaBytes: 1_000_000,
      flushDelayMs: 0,
      now: () => now,
    });
    const server = new FakeServer(file);
    const src = withCache(server, manager, { memoryBudgetBytes: 0 });
    await src.getBytes(0, 65536, { purpose: "open" });
    await manager.flush();
    for (let i = 0; i < 20; i++) {
      // Time moves on between bricks (the index is touched at most once a second of wall time).
      now += 10_000;
      await new Promise((r) => setTimeout(r, i % 5 === 0 ? 1050 : 0));
      await src.getBytes(100_000 + i * 80_000, 80_000, { purpose: "brick" });
      await manager.flush();
    }
    expect(manager.stats.evictedEntries).toBeGreaterThan(5);
    expect(await manager.has({ dataset: src.datasetKey, etag: src.etag!, offset: 0, length: 65536 })).toBe(
      true,
    );
    // Offline, a new session reopens from the cache.
    server.mode = "down";
    const again = withCache(new FakeServer(file), manager);
    (again.inner as FakeServer).mode = "down";
    expect(await again.getBytes(0, 65536, { purpose: "open" })).toEqual(file.subarray(0, 65536));
  }, 20_000);
});
