import { describe, expect, it } from "vitest";
import { createBloom } from "../../../src/core/bloom";
import { BLOOM_PAGE_BLOCKS } from "../../../src/index/btree-layout";
import { parseHeader } from "../../../src/index/btree-reader";
import { buildAttributeIndex } from "../../../src/index/btree-writer";
import { parseFeatureFile } from "../../../src/index/feature-file";
import { hilbert3 } from "../../../src/index/hilbert";
import { timestepAt, timesteps } from "../../../src/index/temporal";
import { coalesceRanges } from "../../../src/io/range-coalescing";

describe("temporal helpers", () => {
  const times = [0, 0.5, 1, 2, 4];
  it("exact, floor and nearest lookups with documented ties and endpoints", () => {
    expect(timestepAt(times, 1)).toBe(2);
    expect(timestepAt(times, 1.5)).toBeUndefined();
    expect(timestepAt(times, 1.5, "floor")).toBe(2);
    expect(timestepAt(times, -1, "floor")).toBeUndefined();
    expect(timestepAt(times, 9, "floor")).toBe(4);
    expect(timestepAt(times, 1.5, "nearest")).toBe(2); // tie → earlier
    expect(timestepAt(times, 1.6, "nearest")).toBe(3);
    expect(timestepAt(times, -5, "nearest")).toBe(0);
    expect(timestepAt(times, 50, "nearest")).toBe(4);
    expect(timestepAt([], 1, "nearest")).toBeUndefined();
    expect(() => timestepAt(times, Number.NaN)).toThrow();
  });
  it("timesteps({from, to}) is a closed interval", () => {
    expect(timesteps(times, { from: 0.5, to: 2 })).toEqual([1, 3]);
    expect(timesteps(times, { from: 0.6, to: 1.9 })).toEqual([2, 2]);
    expect(timesteps(times, { from: 2.1, to: 3.9 })).toBeUndefined();
    expect(timesteps(times, {})).toEqual([0, 4]);
    expect(timesteps(times, { to: 0 })).toEqual([0, 0]);
    expect(timesteps(times, { from: 4 })).toEqual([4, 4]);
    expect(timesteps(times, { from: 3, to: 1 })).toBeUndefined();
  });
});

describe("attribute index bloom filter (Parquet SBBF, core kernels)", () => {
  it("holds exactly the bits the core bloom facade sets for the same keys", async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `key-${i}`);
    const n = keys.length;
    const blob = buildAttributeIndex("type", "string", keys, new Uint32Array(n), new Uint32Array(n), {
      bloom: true,
    });
    const h = parseHeader(blob, "test", 0, blob.length);
    expect(h.bloomBlocks).toBeGreaterThan(0);
    // Strip the per-page checksums to get the plain Parquet bitset.
    const bitset = new Uint8Array(h.bloomBlocks * 32);
    for (let p = 0; p * BLOOM_PAGE_BLOCKS < h.bloomBlocks; p++) {
      const blocks = Math.min(BLOOM_PAGE_BLOCKS, h.bloomBlocks - p * BLOOM_PAGE_BLOCKS);
      const at = h.bloomOffset + p * (4 + BLOOM_PAGE_BLOCKS * 32) + 4;
      bitset.set(blob.subarray(at, at + blocks * 32), p * BLOOM_PAGE_BLOCKS * 32);
    }
    for (const implementation of ["js", "wasm-simd"] as const) {
      const k = await createBloom({ implementation });
      const f = k.create(h.bloomBlocks);
      k.insert(f, k.hashKeys(keys));
      expect(k.bytes(f)).toEqual(bitset);
      const others = Array.from({ length: 20000 }, (_, i) => `other-${i}`);
      const fp = k.probe(k.load(bitset), k.hashKeys(others)).reduce((s, x) => s + x, 0);
      expect(fp / others.length).toBeLessThan(0.02);
    }
  });
});

describe("hilbert3", () => {
  it("is a bijection whose consecutive indices are face neighbours", () => {
    const bits = 3;
    const n = 1 << bits;
    const at = new Map<number, [number, number, number]>();
    for (let x = 0; x < n; x++)
      for (let y = 0; y < n; y++) for (let z = 0; z < n; z++) at.set(hilbert3(x, y, z, bits), [x, y, z]);
    expect(at.size).toBe(n ** 3);
    for (let h = 1; h < n ** 3; h++) {
      const a = at.get(h - 1)!;
      const b = at.get(h)!;
      expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2])).toBe(1);
    }
  });
});

describe("coalesceRanges", () => {
  it("merges under the gap, respects the cap and keeps member indices", () => {
    const g = coalesceRanges(
      [
        { offset: 100, length: 10 },
        { offset: 0, length: 10 },
        { offset: 15, length: 10 },
        { offset: 1000, length: 5 },
      ],
      10,
      50,
    );
    expect(g.map((x) => [x.offset, x.length, x.members])).toEqual([
      [0, 25, [1, 2]],
      [100, 10, [0]],
      [1000, 5, [3]],
    ]);
    expect(
      coalesceRanges(
        [
          { offset: 0, length: 40 },
          { offset: 41, length: 40 },
        ],
        10,
        60,
      ).length,
    ).toBe(2);
  });
});

describe("parseFeatureFile", () => {
  it("reads JSON features", () => {
    const f = parseFeatureFile(
      JSON.stringify({
        features: [
          {
            type: "eddy",
            box: { min: [0, 1, 2], max: [3, 4, 5] },
            time: [1, 2],
            properties: { score: 0.5, name: "x" },
          },
          { id: 9, type: "eddy", box: { min: [0, 0, 0], max: [1, 1, 1] }, timestep: 3 },
        ],
      }),
      "json",
    );
    expect(f[0]).toMatchObject({
      id: 0,
      type: "eddy",
      time: [1, 2],
      properties: { score: 0.5, name: "x" },
      centroid: [1.5, 2.5, 3.5],
    });
    expect(f[1]).toMatchObject({ id: 9, timestep: 3, time: [3, 3] });
    expect(() => parseFeatureFile("[{}]", "json")).toThrow(/missing box/);
    expect(() => parseFeatureFile("{", "json")).toThrow(/invalid JSON/);
    expect(() =>
      parseFeatureFile(JSON.stringify([{ type: "a", box: { min: [2, 0, 0], max: [1, 1, 1] } }]), "json"),
    ).toThrow(/min must be/);
  });
  it("reads CSV with quoting and extra property columns", () => {
    const csv =
      'id,type,timestep,min_x,min_y,min_z,max_x,max_y,max_z,label,score\r\n4,"vortex, big",2,0,0,0,2,2,2,"say ""hi""",1.5\n5,sheet,3,1,1,1,2,2,2,,x\n';
    const f = parseFeatureFile(csv, "csv");
    expect(f.length).toBe(2);
    expect(f[0]).toMatchObject({
      id: 4,
      type: "vortex, big",
      timestep: 2,
      properties: { label: 'say "hi"', score: 1.5 },
    });
    expect(f[1].properties).toEqual({ label: null, score: "x" });
    expect(() => parseFeatureFile("type,min_x\na,1\n", "csv")).toThrow(/missing column/);
    expect(() =>
      parseFeatureFile('id,type,min_x,min_y,min_z,max_x,max_y,max_z\n1,"a,0,0,0,1,1,1\n', "csv"),
    ).toThrow(/unterminated/);
  });
});
