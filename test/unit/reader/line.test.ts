/**
 * ds.sampleLine: every sample equals readRegion of its voxel (all three steps:
 * uniform, deduplicated and delta bricks; scalar with NaNs and categorical),
 * samples step at most one voxel per axis, distances are world lengths, only
 * the bricks the samples fall in are fetched, and bad input gets typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import type { Dataset } from "../../../src/reader/dataset";
import { linePoints } from "../../../src/reader/line";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import { CountingSource, cleanupTemp, type Packed, packSmall, prng } from "./fixtures";

afterAll(cleanupTemp);

const DIMS: Vec3 = [37, 20, 9];
let p: Packed;
let ds: Dataset;
beforeAll(async () => {
  p = await packSmall(
    [
      { name: "temp", dtype: "f32", kind: "scalar", fill: Number.NaN },
      { name: "mat", dtype: "u16", kind: "categorical" },
    ],
    DIMS,
  );
  ds = await openDataset(new CountingSource(p.bytes), { workers: false });
});

function segments(seed: number, n: number): [Vec3, Vec3][] {
  const r = prng(seed);
  const out: [Vec3, Vec3][] = [
    [
      [0, 0, 0],
      [37, 20, 9],
    ],
    [
      [0.5, 3.5, 4.5],
      [36.5, 3.5, 4.5],
    ],
    [
      [5.5, 6.5, 7.5],
      [5.5, 6.5, 7.5],
    ],
    [
      [36.9, 19.9, 8.9],
      [0, 10, 0],
    ],
  ];
  while (out.length < n) {
    const pt = () => DIMS.map((d) => r() * d) as Vec3;
    out.push([pt(), pt()]);
  }
  return out;
}

const same = (a: number, b: number) => Object.is(a, b) || a === b;

describe("sampleLine", () => {
  it("equals readRegion at every sample voxel, for every field and step", async () => {
    let checked = 0;
    for (const [from, to] of segments(11, 20)) {
      for (const field of ["temp", "mat"]) {
        for (let t = 0; t < 3; t++) {
          const r = await ds.sampleLine({ field, t, from, to });
          expect(r.values.length).toBe(r.count);
          for (let s = 0; s < r.count; s++) {
            const v = [r.voxels[s * 3], r.voxels[s * 3 + 1], r.voxels[s * 3 + 2]] as Vec3;
            const want = await ds.readRegion({
              field,
              t,
              box: { min: v, max: [v[0] + 1, v[1] + 1, v[2] + 1] },
            });
            expect(same(r.values[s], want[0]), `${field} t${t} sample ${s} at ${v}`).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("steps at most one voxel per axis, from the first voxel to the last, with world distances", async () => {
    for (const [from, to] of segments(5, 30)) {
      const r = await ds.sampleLine({ field: "temp", t: 0, from, to });
      const { voxels, count } = r;
      const first = from.map((v, i) => Math.min(Math.floor(v), DIMS[i] - 1));
      const last = to.map((v, i) => Math.min(Math.floor(v), DIMS[i] - 1));
      expect([voxels[0], voxels[1], voxels[2]]).toEqual(first);
      expect([...voxels.slice(count * 3 - 3)]).toEqual(last);
      for (let s = 1; s < count; s++)
        for (let i = 0; i < 3; i++)
          expect(Math.abs(voxels[s * 3 + i] - voxels[s * 3 + i - 3])).toBeLessThanOrEqual(1);
      // Unit spacing: the world length is the voxel length.
      const len = Math.hypot(to[0] - from[0], to[1] - from[1], to[2] - from[2]);
      expect(r.distance[0]).toBe(0);
      expect(r.distance[count - 1]).toBeCloseTo(len, 9);
      for (let s = 1; s < count; s++) expect(r.distance[s]).toBeGreaterThanOrEqual(r.distance[s - 1]);
    }
  });

  it("world-space ends give the same samples as the voxel-space ends they map to", async () => {
    const packed = await packSmall([{ name: "temp", dtype: "f32", kind: "scalar" }], DIMS, {}, 3);
    const { packDataset } = await import("../../../src/writer/packer");
    const { join, dirname } = await import("node:path");
    const path = join(dirname(packed.path), "spaced.fvx");
    await packDataset(
      {
        dims: DIMS,
        fields: [{ name: "temp", dtype: "f32", kind: "scalar" }],
        times: [0, 1, 2],
        origin: [10, -5, 2],
        spacing: [0.5, 2, 3],
        spaceUnits: "m",
      },
      packed.steps,
      path,
      { brickSize: 16, workers: 0 },
    );
    const spaced = await openDataset(path, { workers: false });
    const from: Vec3 = [1.5, 2.5, 0.5];
    const to: Vec3 = [30.5, 17.5, 8.5];
    const w = (v: Vec3): Vec3 => [10 + v[0] * 0.5, -5 + v[1] * 2, 2 + v[2] * 3];
    const a = await spaced.sampleLine({ field: "temp", t: 1, from, to });
    const b = await spaced.sampleLine({ field: "temp", t: 1, from: w(from), to: w(to), space: "world" });
    expect(b.count).toBe(a.count);
    expect([...b.voxels]).toEqual([...a.voxels]);
    expect([...b.values]).toEqual([...a.values]);
    const d = [29 * 0.5, 15 * 2, 8 * 3];
    expect(a.distance[a.count - 1]).toBeCloseTo(Math.hypot(d[0], d[1], d[2]), 9);
    await (spaced.source as { close?(): Promise<void> }).close?.();
  });

  it("fetches only the bricks the samples fall in; a line in uniform bricks fetches none", async () => {
    const src = new CountingSource(p.bytes);
    const fresh = await openDataset(src, { workers: false });
    // Warm the hierarchy so that only brick reads remain to count.
    await fresh.brickEntry("temp", 0, 0, [0, 0, 0]);
    let before = src.calls.length;
    // x < 16 is a constant slab: uniform bricks, no bytes.
    const flat = await fresh.sampleLine({
      field: "temp",
      t: 0,
      from: [0.5, 0.5, 0.5],
      to: [15.5, 19.5, 8.5],
    });
    expect(flat.values.every((v) => v === 1.5)).toBe(true);
    expect(flat.storedBricks).toBe(0);
    expect(src.calls.slice(before).filter((c) => c.purpose === "brick")).toEqual([]);
    // Along x at y = z = 0: bricks (0,0,0) uniform, (1,0,0) and (2,0,0) stored; the grid has 3×2×1 bricks.
    for (const b of [1, 2]) await fresh.brickEntry("temp", 0, 0, [b, 0, 0]);
    before = src.calls.length;
    const row = await fresh.sampleLine({ field: "temp", t: 0, from: [0.5, 0.5, 0.5], to: [36.5, 0.5, 0.5] });
    expect(row.bricks).toBe(3);
    expect(row.storedBricks).toBe(2);
    const brickCalls = src.calls.slice(before).filter((c) => c.purpose === "brick");
    const want = await Promise.all([1, 2].map((b) => fresh.brickEntry("temp", 0, 0, [b, 0, 0])));
    const wantBytes = want.reduce((n, e) => n + e.length, 0);
    expect(brickCalls.reduce((n, c) => n + c.length, 0)).toBe(wantBytes);
    expect(src.calls.slice(before).every((c) => c.purpose === "brick")).toBe(true);
    // readRegion of the same row's bounding box reads the same bricks: no more, no fewer.
    const region = await fresh.readRegion({ field: "temp", t: 0, box: { min: [0, 0, 0], max: [37, 1, 1] } });
    for (let s = 0; s < row.count; s++) expect(same(row.values[s], region[row.voxels[s * 3]])).toBe(true);
  });

  it("decoding in a worker pool gives the same samples as in-thread", async () => {
    const { WorkerPool } = await import("../../../src/worker/pool");
    const pool = new WorkerPool({ size: 1 });
    try {
      const pooled = await openDataset(new CountingSource(p.bytes), { workers: pool });
      for (const [from, to] of segments(21, 6)) {
        for (const field of ["temp", "mat"]) {
          const a = await ds.sampleLine({ field, t: 2, from, to });
          const b = await pooled.sampleLine({ field, t: 2, from, to });
          expect([...b.voxels]).toEqual([...a.voxels]);
          expect(b.values.every((v, i) => same(v, a.values[i]))).toBe(true);
        }
      }
    } finally {
      await pool.terminate();
    }
  });

  it("bad input gets typed errors", async () => {
    const bad: [Parameters<Dataset["sampleLine"]>[0], string][] = [
      [{ field: "temp", t: 0, from: [-1, 0, 0], to: [1, 1, 1] }, "RangeError"],
      [{ field: "temp", t: 0, from: [0, 0, 0], to: [38, 1, 1] }, "RangeError"],
      [{ field: "temp", t: 0, from: [Number.NaN, 0, 0], to: [1, 1, 1] }, "RangeError"],
      [{ field: "temp", t: 0, from: [0, 0, 0], to: [1, 1] as unknown as Vec3 }, "RangeError"],
      [{ field: "temp", t: 0, from: [0, 0, 0], to: [1, 1, 1], space: "grid" as never }, "QueryError"],
      [{ field: "nope", t: 0, from: [0, 0, 0], to: [1, 1, 1] }, "RangeError"],
      [{ field: "temp", t: 9, from: [0, 0, 0], to: [1, 1, 1] }, "RangeError"],
    ];
    for (const [q, tag] of bad) {
      const e = await ds.sampleLine(q).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isFlatvoxError(e), JSON.stringify(q)).toBe(true);
      expect((e as { tag: string }).tag, JSON.stringify(q)).toBe(tag);
    }
  });

  it("linePoints: one sample for a point, ends on the far face land in the last voxel", () => {
    expect(linePoints([2, 2, 2], [2, 2, 2], DIMS).count).toBe(1);
    const r = linePoints([0, 0, 0], [37, 20, 9], DIMS);
    expect(r.count).toBe(38);
    expect([...r.voxels.slice(-3)]).toEqual([36, 19, 8]);
  });
});
