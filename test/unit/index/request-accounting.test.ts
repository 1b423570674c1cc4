/**
 * Request accounting over 1M features (fixture cached in the OS temp dir, see fixture-1m.ts).
 */
import { describe, expect, it } from "vitest";
import { FeatureIndexReader } from "../../../src/index/feature-index-reader";
import { MemorySource } from "../../../src/io/memory-source";
import { load1M, N, SEED, synthFeatures } from "./fixture-1m";
import { CountingSource } from "./helpers";

describe("request accounting, 1M features", () => {
  const { file, refs } = load1M();
  const mem = new MemorySource(file, "memory:1m");

  it("attribute point query: ≤ 3 requests and ≤ 64 KiB after opening the directory", async () => {
    for (const id of [0, 1, 499_999, 777_777, 999_999]) {
      const src = new CountingSource(mem);
      const reader = await FeatureIndexReader.open(src, refs);
      expect(src.calls).toBe(1); // the directory (can ride along in the file's opening read)
      const dirBytes = src.bytes;
      src.reset();
      const got = await reader.query({ where: [["id", "=", id]] });
      expect(got.map((f) => f.id)).toEqual([id]);
      expect(src.calls).toBeLessThanOrEqual(3);
      expect(src.bytes).toBeLessThanOrEqual(64 * 1024);
      expect(dirBytes).toBeLessThan(1024);
    }
  });

  it("with the directory bytes already in hand, a cold point query is ≤ 3 requests in total", async () => {
    const src = new CountingSource(mem);
    const dirBytes = file.subarray(refs.dir.offset, refs.dir.offset + refs.dir.length);
    const reader = await FeatureIndexReader.open(src, refs, { dirBytes });
    const got = await reader.query({ where: [["id", "=", 123_456]] });
    expect(got.length).toBe(1);
    expect(src.calls).toBe(3);
    expect(src.bytes).toBeLessThanOrEqual(64 * 1024);
  });

  it("bbox + time query: ≤ tree levels + coalesced record batches", async () => {
    const src = new CountingSource(mem);
    const reader = await FeatureIndexReader.open(src, refs);
    src.reset();
    const q = {
      box: {
        min: [100, 100, 100] as [number, number, number],
        max: [160, 160, 160] as [number, number, number],
      },
      time: [10, 20] as [number, number],
    };
    const ex = await reader.explain(q);
    const levels = 4; // 1M records in 62500 groups of 16, node size 16: 3907 → 245 → 16 → 1 nodes
    expect(ex.results).toBeGreaterThan(5);
    expect(src.calls).toBe(ex.requests);
    expect(src.calls).toBeLessThanOrEqual(levels + ex.recordRequests);
    // Records are fetched in coalesced batches, far fewer requests than results.
    expect(ex.recordRequests).toBeLessThan(ex.results);
    const want = synthFeatures(N, SEED).filter(
      (f) =>
        f.box.min.every((v, k) => v < q.box.max[k] && q.box.min[k] < f.box.max[k]) &&
        f.time![0] <= q.time[1] &&
        q.time[0] <= f.time![1],
    );
    expect(ex.results).toBe(want.length);
    console.log(
      JSON.stringify({
        bboxTime: {
          requests: ex.requests,
          bytes: ex.bytes,
          results: ex.results,
          recordRequests: ex.recordRequests,
        },
      }),
    );
  }, 60_000);

  it("planner walks the selective index first and post-filters the unselective one", async () => {
    const where: [string, "=" | ">", number][] = [
      ["peak", ">", 1], // ~99.9% of features
      ["id", "=", 4242],
    ];
    const on = new CountingSource(mem);
    const r1 = await FeatureIndexReader.open(on, refs);
    const e1 = await r1.explain({ where });
    const off = new CountingSource(mem);
    const r2 = await FeatureIndexReader.open(off, refs);
    const e2 = await r2.explain({ where, planner: false });
    expect(e1.results).toBe(1);
    expect(e2.results).toBe(1);
    expect(e1.steps.find((s) => s.condition.startsWith("peak"))?.method).toBe("post-filter");
    expect(e2.steps.find((s) => s.condition.startsWith("peak"))?.method).toBe("index");
    expect(e1.bytes * 100).toBeLessThan(e2.bytes);
  }, 60_000);
});
