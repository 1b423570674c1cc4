import { describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { withCache } from "../../../src/cache/cached-source";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import {
  downloadForOffline,
  estimateOfflineSize,
  type OfflineProgress,
  type OfflineRange,
} from "../../../src/cache/offline-download";
import { FlatvoxError, isFlatvoxError } from "../../../src/shared/errors";
import { FakeServer, makeBytes, verifierFor } from "./helpers";

const FILE = makeBytes(200_000, 41);
const ranges = (n: number, size = 1000): OfflineRange[] =>
  Array.from({ length: n }, (_, i) => ({
    offset: i * size,
    length: size,
    verify: verifierFor(FILE, i * size),
  }));

function setup(quotaBytes = 1 << 20) {
  const store = new MemoryCacheStore();
  const manager = new CacheManager(store, { quotaBytes });
  const server = new FakeServer(FILE);
  const source = withCache(server, manager, { memoryBudgetBytes: 0 });
  return { store, manager, server, source };
}

describe("downloadForOffline", () => {
  it("fetches every range into the store with progress", async () => {
    const { store, server, source } = setup();
    const seen: OfflineProgress[] = [];
    const res = await downloadForOffline({
      ranges: ranges(50),
      source,
      onProgress: (p) => seen.push(p),
      concurrency: 3,
    });
    expect(res).toMatchObject({
      bytes: 50_000,
      entries: 50,
      fetchedEntries: 50,
      skippedEntries: 0,
      cursor: 50,
    });
    expect(server.requests).toBe(50);
    expect((await store.keysByDataset(source.id)).length).toBe(50);
    expect(seen.length).toBe(50);
    expect(seen.at(-1)).toMatchObject({ doneEntries: 50, totalEntries: 50, totalBytes: 50_000 });
    // Cursors never go backwards.
    for (let i = 1; i < seen.length; i++) expect(seen[i].cursor).toBeGreaterThanOrEqual(seen[i - 1].cursor);
  });

  it("pauses on abort and resumes without refetching what is cached", async () => {
    const { server, source } = setup();
    const ctl = new AbortController();
    let last: OfflineProgress | undefined;
    const err = await downloadForOffline({
      ranges: ranges(60),
      source,
      signal: ctl.signal,
      concurrency: 2,
      onProgress: (p) => {
        last = p;
        if (p.doneEntries === 20) ctl.abort();
      },
    }).catch((e) => e);
    expect(isFlatvoxError(err, "AbortError")).toBe(true);
    const fetchedBefore = server.requests;
    expect(fetchedBefore).toBeGreaterThanOrEqual(20);
    expect(fetchedBefore).toBeLessThan(60);

    const res = await downloadForOffline({ ranges: ranges(60), source, concurrency: 2 });
    expect(res.entries).toBe(60);
    expect(res.skippedEntries).toBeGreaterThanOrEqual(20);
    expect(server.requests).toBe(60);

    // With the cursor, the done prefix is not even checked.
    const again = await downloadForOffline({ ranges: ranges(60), source, from: last!.cursor });
    expect(again.skippedEntries).toBe(60 - last!.cursor);
  });

  it("accepts an async iterable of ranges", async () => {
    const { source } = setup();
    async function* gen() {
      for (const r of ranges(10)) yield r;
    }
    const res = await downloadForOffline({ ranges: gen(), source });
    expect(res.entries).toBe(10);
    expect(res.totalEntries).toBeUndefined();
  });

  it("stops at the first failing range and keeps what was fetched", async () => {
    const { store, source } = setup();
    const list = ranges(30);
    list[10] = {
      ...list[10],
      verify: () => {
        throw new FlatvoxError("ChecksumError", "bad brick", { offset: 10_000 });
      },
    };
    const err = await downloadForOffline({ ranges: list, source, concurrency: 1 }).catch((e) => e);
    expect(isFlatvoxError(err, "ChecksumError")).toBe(true);
    const cached = (await store.keysByDataset(source.id)).map((e) => e.offset);
    expect(cached).toHaveLength(10);
    expect(cached).not.toContain(10_000);
  });

  it("refuses a selection larger than the quota before downloading anything", async () => {
    const { server, source } = setup(20_000);
    const err = await downloadForOffline({ ranges: ranges(30), source }).catch((e) => e);
    expect(isFlatvoxError(err, "QuotaError")).toBe(true);
    expect(server.requests).toBe(0);
  });
});

describe("estimateOfflineSize", () => {
  it("sums the selection and what is already cached", async () => {
    const { source } = setup();
    expect(await estimateOfflineSize(ranges(10))).toMatchObject({
      entries: 10,
      bytes: 10_000,
      missingBytes: 10_000,
    });
    await downloadForOffline({ ranges: ranges(4), source });
    expect(await estimateOfflineSize(ranges(10), source)).toEqual({
      entries: 10,
      bytes: 10_000,
      cachedEntries: 4,
      cachedBytes: 4000,
      missingBytes: 6000,
    });
  });
});
