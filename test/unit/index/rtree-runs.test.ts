/**
 * R-tree items point at record runs: the search may stop at any level and
 * return runs; results must not depend on where it stops.
 */
import { describe, expect, it } from "vitest";
import { checksum } from "../../../src/index/checksum";
import { readFeatureDir } from "../../../src/index/feature-dir";
import { FeatureIndexReader, type FeatureQuery } from "../../../src/index/feature-index-reader";
import type { FeatureBox, FeatureInstance } from "../../../src/index/feature-types";
import { RTREE_ITEM, RTREE_NODE_HEADER, rtreeNodeSize } from "../../../src/index/rtree-layout";
import { parseRTreeHeader, RTreeReader } from "../../../src/index/rtree-reader";
import { buildRTree } from "../../../src/index/rtree-writer";
import { SectionReader } from "../../../src/index/section-reader";
import { MemorySource } from "../../../src/io/memory-source";
import { coalesceRanges } from "../../../src/io/range-coalescing";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import { buildFile, CountingSource, layoutFile, rng } from "./helpers";

function makeFeatures(n: number, seed: number): FeatureInstance[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const min: Vec3 = [Math.floor(r() * 200), Math.floor(r() * 200), Math.floor(r() * 100)];
    const ts = Math.floor(r() * 20);
    return {
      id: i,
      type: "blob",
      box: {
        min,
        max: [min[0] + Math.floor(r() * 6), min[1] + 1 + Math.floor(r() * 6), min[2] + 1] as Vec3,
      },
      voxels: 1,
      peak: 1,
      mean: 1,
      centroid: [0, 0, 0] as Vec3,
      timestep: ts,
      time: [ts, ts + (i % 5 === 0 ? 3 : 0)] as [number, number],
    };
  });
}

/** Brute force: half-open boxes (a zero-extent axis is the point min), closed time. */
function oracle(fs: FeatureInstance[], q: FeatureQuery): number[] {
  return fs
    .filter((f) => {
      if (q.box) {
        for (let k = 0; k < 3; k++) {
          const lo = f.box.min[k];
          const hi = f.box.max[k];
          const [a, b] = [q.box.min[k], q.box.max[k]];
          if (hi === lo ? !(a <= lo && lo < b) : !(lo < b && a < hi)) return false;
        }
      }
      const t = f.time as [number, number];
      return !q.time || (t[0] <= q.time[1] && q.time[0] <= t[1]);
    })
    .map((f) => f.id)
    .sort((a, b) => a - b);
}

function randomQueries(seed: number, count: number): FeatureQuery[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, k) => {
    const x = Math.floor(r() * 220) - 10;
    const y = Math.floor(r() * 220) - 10;
    const z = Math.floor(r() * 110) - 5;
    const w = 1 + Math.floor(r() * (k % 3 === 0 ? 120 : 25));
    const zSpan = k % 4 === 0 ? 1e9 : 1 + Math.floor(r() * 30);
    const q: FeatureQuery = {
      box: { min: [x, y, k % 4 === 0 ? -1e9 : z], max: [x + w, y + w, k % 4 === 0 ? zSpan : z + zSpan] },
    };
    if (k % 2 === 1) {
      const t = Math.floor(r() * 22) - 1;
      q.time = [t, t + Math.floor(r() * 4)];
    }
    return q;
  });
}

const feats = makeFeatures(6000, 3);
const OPTS = { indices: [{ name: "id", type: "f64" as const }], rtree: { nodeCapacity: 4, headBudget: 0 } };
const built = buildFile(feats, [], OPTS);

describe("R-tree record runs", () => {
  it("results agree with brute force wherever the search stops", async () => {
    const modes = [
      { descend: "always" as const },
      { recordGap: 0 }, // a request worth nothing: descend whenever it saves bytes
      { recordGap: 4096 },
      {}, // defaults: on this small file the head's runs are always cheaper
    ];
    const queries = randomQueries(9, 60);
    for (const tuning of modes) {
      const reader = await FeatureIndexReader.open(built.source, built.refs, tuning);
      for (const q of queries) {
        const got = (await reader.query(q)).map((f) => f.id).sort((a, b) => a - b);
        expect(got, JSON.stringify({ tuning, q })).toEqual(oracle(feats, q));
      }
    }
  });

  it("runs are sorted, disjoint, cover every hit; walking down only narrows them", async () => {
    const { file, refs } = layoutFile(built.blobs);
    const src = new MemorySource(file);
    const sec = new SectionReader(src, "feature R-tree", refs.rtree.offset, refs.rtree.length);
    const head = readFeatureDir(built.blobs.dir, 0).rtreeHeadLength;
    const deep = await RTreeReader.open(sec, head, { descend: "always" });
    const shallow = await RTreeReader.open(sec, head, {});
    // Record offsets in packing order: parse the records section.
    const recs = built.blobs.records;
    const dv = new DataView(recs.buffer, recs.byteOffset);
    const starts: number[] = [];
    for (let p = 0; starts.length < feats.length; ) {
      starts.push(p);
      p = Math.ceil((p + 8 + dv.getUint32(p + 4, true)) / 8) * 8;
    }
    const idAt = new Map(starts.map((s) => [s, dv.getFloat64(s + 9, true)]));
    for (const q of randomQueries(21, 40)) {
      const want = new Set(oracle(feats, q));
      const a = await deep.search(q);
      const b = await shallow.search(q);
      if (want.size) expect(deep.lastDepth).toBe(deep.levelCount);
      for (const runs of [a, b]) {
        for (let i = 1; i < runs.length; i++)
          expect(runs[i].offset).toBeGreaterThanOrEqual(runs[i - 1].offset + runs[i - 1].length);
        const covered = new Set<number>();
        for (const r of runs) {
          const inside = starts.filter((s) => s >= r.offset && s < r.offset + r.length);
          expect(inside.length).toBe(r.count);
          for (const s of inside) covered.add(idAt.get(s) as number);
        }
        for (const id of want) expect(covered.has(id)).toBe(true);
      }
      for (const r of a) expect(r.count).toBeLessThanOrEqual(deep.header.groupSize);
      const bytes = (rs: { length: number }[]) => rs.reduce((s, r) => s + r.length, 0);
      expect(bytes(a)).toBeLessThanOrEqual(bytes(b));
    }
  });

  it("by default a query that holds whole subtrees reads no node below the head", async () => {
    const src = new CountingSource(new MemorySource(layoutFile(built.blobs).file));
    const reader = await FeatureIndexReader.open(src, layoutFile(built.blobs).refs);
    src.reset();
    const ex = await reader.explain({ box: { min: [-1, -1, -1e9], max: [300, 300, 1e9] } });
    expect(ex.results).toBe(feats.length);
    expect(ex.requests).toBe(1 + ex.recordRequests); // the head, then records
    const always = await FeatureIndexReader.open(src, layoutFile(built.blobs).refs, { descend: "always" });
    const ex2 = await always.explain({ box: { min: [-1, -1, -1e9], max: [300, 300, 1e9] } });
    expect(ex2.results).toBe(feats.length);
    expect(ex2.requests).toBeGreaterThan(ex.requests);
  });

  it("after a selective index, the R-tree filters by the levels in memory, without requests", async () => {
    const src = new CountingSource(new MemorySource(layoutFile(built.blobs).file));
    const reader = await FeatureIndexReader.open(src, layoutFile(built.blobs).refs);
    for (const id of [5, 1234, 4321]) {
      const f = feats[id];
      const away: FeatureBox = { min: [f.box.max[0] + 1, 0, 0], max: [300, 300, 300] };
      for (const box of [f.box, away]) {
        const q: FeatureQuery = { box, where: [["id", "=", id]] };
        const ex = await reader.explain(q);
        expect(ex.results).toBe(oracle(feats, { box }).includes(id) ? 1 : 0);
        const steps = ex.steps.map((s) => s.method);
        expect(steps.indexOf("index")).toBeLessThan(steps.indexOf("rtree"));
        expect(ex.steps.find((s) => s.method === "rtree")?.requests).toBe(0);
      }
    }
  });

  it("the writer requires records stored back to back in packing order", () => {
    const items = [0, 1, 2].map((i) => ({ min: [i, 0, 0], max: [i + 1, 1, 1], t0: 0, t1: 0 }));
    expect(() => buildRTree(items, Uint32Array.of(0, 2, 4), Uint32Array.of(16, 16, 16))).not.toThrow();
    expect(() => buildRTree(items, Uint32Array.of(0, 4, 2), Uint32Array.of(16, 16, 16))).toThrow(
      /packing order/,
    );
    expect(() => buildRTree(items, Uint32Array.of(0, 3, 5), Uint32Array.of(16, 16, 16))).toThrow();
  });

  it("record runs out of order (valid checksum) are an IndexError at the node's offset", async () => {
    const rt = parseRTreeHeader(built.blobs.rtree, 0, built.blobs.rtree.length);
    const lv = rt.levels[rt.levels.length - 1];
    const blobs = { ...built.blobs, rtree: built.blobs.rtree.slice() };
    const dv = new DataView(blobs.rtree.buffer);
    const p = lv.offset + RTREE_NODE_HEADER + RTREE_ITEM; // second item of the first bottom node
    dv.setUint32(p + 40, dv.getUint32(p + 40, true) + 1, true);
    const size = rtreeNodeSize(rt.nodeCapacity);
    dv.setUint32(lv.offset, checksum(blobs.rtree, lv.offset + 4, lv.offset + size), true);
    const { file, refs } = layoutFile(blobs);
    const reader = await FeatureIndexReader.open(new MemorySource(file), refs, { descend: "always" });
    const err = await reader.query({ box: { min: [-1, -1, -1], max: [300, 300, 300] } }).catch((e) => e);
    expect(isFlatvoxError(err, "IndexError")).toBe(true);
    expect(err.context.offset).toBe(refs.rtree.offset + lv.offset);
    expect(err.message).toMatch(/record runs/);
  });
});

describe("coalesceRanges", () => {
  const ranges = [
    { offset: 100, length: 10 },
    { offset: 0, length: 10 },
    { offset: 1000, length: 10 },
    { offset: 20, length: 10 },
  ];
  const spans = (gap: number, max?: number, slack?: number) =>
    coalesceRanges(ranges, gap, max, slack).map((g) => [g.offset, g.offset + g.length, ...g.members.sort()]);

  it("merges under the gap, never over the cap", () => {
    expect(spans(5)).toEqual([
      [0, 10, 1],
      [20, 30, 3],
      [100, 110, 0],
      [1000, 1010, 2],
    ]);
    expect(spans(10)).toEqual([
      [0, 30, 1, 3],
      [100, 110, 0],
      [1000, 1010, 2],
    ]);
    expect(spans(100, 50)).toEqual([
      [0, 30, 1, 3],
      [100, 110, 0],
      [1000, 1010, 2],
    ]);
  });

  it("slack merges the smallest further gaps within its byte budget and the cap", () => {
    // First pass 40 bytes; slack 2 → 80 extra bytes: the 10- and 70-byte gaps, not the 890-byte one.
    expect(spans(5, undefined, 2)).toEqual([
      [0, 110, 0, 1, 3],
      [1000, 1010, 2],
    ]);
    // Budget 40: the 10-byte gap only.
    expect(spans(5, undefined, 1)).toEqual([
      [0, 30, 1, 3],
      [100, 110, 0],
      [1000, 1010, 2],
    ]);
    // The cap stops the 70-byte merge even with budget to spare.
    expect(spans(5, 50, 100)).toEqual([
      [0, 30, 1, 3],
      [100, 110, 0],
      [1000, 1010, 2],
    ]);
    expect(spans(5, undefined, 0)).toEqual(spans(5));
  });
});
