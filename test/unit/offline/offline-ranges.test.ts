/**
 * offlineRanges() + downloadForOffline(): what a selection downloads is
 * exactly what an offline session of that selection reads; openDataset's
 * `cache` option in Node (directory cache against a real HTTP server).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheManager, downloadForOffline, MemoryCacheStore, withCache } from "../../../src/cache";
import { startServer } from "../../../src/cli/serve";
import { Encoding, SectionKind } from "../../../src/format/constants";
import { MemorySource } from "../../../src/io/memory-source";
import { type Dataset, offlineRanges, openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Box3, TypedArray } from "../../../src/shared/types";
import { FakeServer } from "../cache/helpers";
import { cleanupTemp, type Packed, packSmall, tempDir } from "../reader/fixtures";

let packed: Packed;
let plain: Dataset;

beforeAll(async () => {
  // Large enough that bricks lie beyond the 64 KiB open block; t=2 stores delta bricks against t=1.
  packed = await packSmall([{ name: "rho", dtype: "f32", kind: "scalar" }], [64, 40, 36]);
  plain = await openDataset(new MemorySource(packed.bytes, "mem"), { workers: false });
});
afterAll(cleanupTemp);

function fullBox(ds: Dataset, level: number): Box3 {
  return { min: [0, 0, 0], max: ds.info.levels[level].dims };
}

async function region(ds: Dataset, t: number, level: number): Promise<TypedArray> {
  return ds.readRegion({ field: "rho", t, level, box: fullBox(ds, level) });
}

/** Download a selection online, then open a fresh session with the server down. */
async function downloadThenOffline(sel: Parameters<typeof offlineRanges>[1]) {
  const manager = new CacheManager(new MemoryCacheStore());
  const server = new FakeServer(packed.bytes);
  const online = withCache(server, manager);
  const ds = await openDataset(online, { workers: false });
  const ranges = await offlineRanges(ds, sel);
  const result = await downloadForOffline({ ranges, source: online });
  await manager.flush();
  const down = new FakeServer(packed.bytes);
  down.mode = "down";
  const offline = await openDataset(withCache(down, manager), { workers: false });
  return { ranges, result, offline, down };
}

describe("offlineRanges", () => {
  it("the packed file has delta bricks (the chain case is exercised)", async () => {
    const e = await plain.brickEntry("rho", 2, 0, [2, 1, 1]);
    expect(e.encoding).toBe(Encoding.XOR_DELTA_SHUFFLE_ZSTD);
  });

  it("everything: every level of every timestep reads offline, equal to the file", async () => {
    const { ranges, result, offline } = await downloadThenOffline({});
    expect(ranges[0]).toMatchObject({ offset: 0, kind: "open" });
    expect(ranges.some((r) => r.kind === "brick")).toBe(true);
    expect(result.entries).toBe(ranges.length);
    for (let t = 0; t < 3; t++)
      for (let level = 0; level < plain.info.levels.length; level++)
        expect(await region(offline, t, level)).toEqual(await region(plain, t, level));
  });

  it("a time range and coarse levels: those read offline (delta keyframes included), finer ones do not", async () => {
    const { offline, ranges } = await downloadThenOffline({ times: [2, 2], levels: [1, 2] });
    const all = await offlineRanges(plain, {});
    const bytes = (rs: { length: number }[]) => rs.reduce((s, r) => s + r.length, 0);
    expect(bytes(ranges)).toBeLessThan(bytes(all) / 2);
    expect(await region(offline, 2, 1)).toEqual(await region(plain, 2, 1));
    const miss = await region(offline, 2, 0).catch((e) => e);
    expect(isFlatvoxError(miss, "OfflineError")).toBe(true);
    const other = await region(offline, 0, 1).catch((e) => e);
    expect(isFlatvoxError(other, "OfflineError")).toBe(true);
  });

  it("a second download of the same selection fetches nothing", async () => {
    const manager = new CacheManager(new MemoryCacheStore());
    const server = new FakeServer(packed.bytes);
    const src = withCache(server, manager);
    const ds = await openDataset(src, { workers: false });
    const ranges = await offlineRanges(ds, { times: [0, 1] });
    await downloadForOffline({ ranges, source: src });
    const before = server.requests;
    const again = await downloadForOffline({
      ranges: await offlineRanges(ds, { times: [0, 1] }),
      source: src,
    });
    expect(again.fetchedEntries).toBe(0);
    expect(server.requests).toBe(before);
  });

  it("rejects a bad selection", async () => {
    await expect(offlineRanges(plain, { times: [0, 5] })).rejects.toMatchObject({ tag: "RangeError" });
    await expect(offlineRanges(plain, { levels: [9] })).rejects.toMatchObject({ tag: "RangeError" });
  });
});

describe("offlineRanges with a probe index", () => {
  it("leaves the probe index out (a second copy of level 0 over every step), keeps the rest", async () => {
    const withProbe = await packSmall([{ name: "rho", dtype: "f32", kind: "scalar" }], [64, 40, 36], {
      probe: { chunk: 16, group: 3 },
    });
    const ds = await openDataset(new MemorySource(withProbe.bytes, "mem-probe"), { workers: false });
    const probe = ds.info.sections.find((s) => s.kind === SectionKind.PROBE_INDEX)!;
    expect(probe).toBeDefined();
    const ranges = await offlineRanges(ds, { times: [0, 0] });
    expect(
      ranges.some((r) => r.offset < probe.offset + probe.length && probe.offset < r.offset + r.length),
    ).toBe(false);
    // The same selection of the file without the index downloads the same bricks.
    const bricks = (rs: typeof ranges) => rs.filter((r) => r.kind === "brick").map((r) => r.length);
    expect(bricks(ranges).sort()).toEqual(bricks(await offlineRanges(plain, { times: [0, 0] })).sort());
  });
});

describe("openDataset(url, { cache: { dir } })", () => {
  it("reopens from the directory cache after the server is gone", async () => {
    const root = tempDir();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${root}/d.fvx`, packed.bytes);
    const server = await startServer({ root, port: 0 });
    const dir = tempDir();
    const url = `${server.url}d.fvx`;
    const ds = await openDataset(url, {
      cache: { dir },
      workers: false,
      cacheOptions: { offlineRetryMs: 60_000 },
    });
    const want = await region(ds, 1, 1);
    await ds.source.close?.();
    await server.close();
    const again = await openDataset(url, {
      cache: { dir },
      workers: false,
      cacheOptions: { offlineRetryMs: 60_000 },
    });
    expect(await region(again, 1, 1)).toEqual(want);
    expect(isFlatvoxError(await region(again, 1, 0).catch((e) => e), "OfflineError")).toBe(true);
  }, 30_000);
});
