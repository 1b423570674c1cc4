import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySource } from "../../../src/io/memory-source";
import { type Dataset, openDataset, type PickHit } from "../../../src/reader";
import { slab } from "../../../src/reader/pick";
import type { Box3, TypedArray, Vec3 } from "../../../src/shared/types";
import { WorkerPool } from "../../../src/worker/pool";
import { CountingSource, cleanupTemp } from "../reader/fixtures";
import { DIMS, packQueryDataset, prng } from "./fixture";

let bytes: Uint8Array;
let pool: WorkerPool;
let ds: Dataset;
let inline: Dataset;

beforeAll(async () => {
  bytes = (await packQueryDataset()).bytes;
  pool = new WorkerPool({ size: 2 });
  ds = await openDataset(new MemorySource(bytes), { workers: pool });
  inline = await openDataset(new MemorySource(bytes), { workers: false });
});
afterAll(async () => {
  await pool.terminate();
  cleanupTemp();
});

type Test = { threshold: number } | { materials: number[] };

/** Brute force: of all voxels of the level the ray's segment passes through, the passing one entered first. */
function brutePick(
  data: TypedArray,
  level: number,
  o: Vec3,
  d: Vec3,
  test: Test,
  sMax = Infinity,
): { ijk: Vec3; s: number; value: number } | null {
  const k = 2 ** level;
  const dims = ds.info.levels[level].dims;
  let best: { ijk: Vec3; s: number; value: number } | null = null;
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) {
        const v = data[x + dims[0] * (y + dims[1] * z)];
        const ok = "threshold" in test ? v >= test.threshold : test.materials.includes(v);
        if (!ok) continue;
        const lo: Vec3 = [x * k, y * k, z * k];
        const hi = [0, 1, 2].map((a) => Math.min(DIMS[a], lo[a] + k)) as Vec3;
        const r = slab(o, d, lo, hi, 0, sMax);
        if (r && (!best || r[0] < best.s)) best = { ijk: [x, y, z], s: r[0], value: v };
      }
  return best;
}

function randomRays(n: number, seed: number): { o: Vec3; d: Vec3; kind: string }[] {
  const r = prng(seed);
  const out: { o: Vec3; d: Vec3; kind: string }[] = [];
  const frac = () => Math.floor(r() * 1000) / 1000 + 0.0005; // never on a voxel face
  for (let i = 0; i < n; i++) {
    const kind = ["outside", "inside", "axis", "miss"][i % 4];
    let o: Vec3;
    let d: Vec3;
    if (kind === "axis") {
      const a = i % 3;
      o = [0, 1, 2].map((b) =>
        b === a ? (r() < 0.5 ? -5 : DIMS[b] + 5) : Math.floor(r() * DIMS[b]) + frac(),
      ) as Vec3;
      d = [0, 0, 0];
      d[a] = o[a] < 0 ? 1 + r() : -(1 + r());
      if (r() < 0.3) o[a] = r() * DIMS[a]; // parallel to an axis and starting inside
    } else if (kind === "inside") {
      o = DIMS.map((n) => r() * n) as Vec3;
      d = [r() - 0.5, r() - 0.5, r() - 0.5];
    } else if (kind === "outside") {
      o = DIMS.map((n) => -10 + r() * (n + 20)) as Vec3;
      o[i % 3] = -8;
      const target = DIMS.map((n) => r() * n);
      d = [0, 1, 2].map((a) => target[a] - o[a]) as Vec3;
    } else {
      o = [-5, -5, DIMS[2] + 3];
      d = [-(r() + 0.1), r(), 0.2 * r()]; // heads away from the grid
    }
    out.push({ o, d, kind });
  }
  return out;
}

function expectSameHit(got: PickHit | null, want: ReturnType<typeof brutePick>, d: Vec3, label: string) {
  if (!want) {
    expect(got, label).toBeNull();
    return;
  }
  expect(got, label).not.toBeNull();
  const g = got as PickHit;
  expect(g.ijk, label).toEqual(want.ijk);
  expect(Object.is(g.value, want.value) || g.value === want.value, label).toBe(true);
  expect(g.distance, label).toBeCloseTo(want.s * Math.hypot(...d), 6);
}

describe("pick equals brute force over readRegion", () => {
  for (const level of [0, 1]) {
    it(`threshold picks on the scalar field, level ${level}`, async () => {
      const dims = ds.info.levels[level].dims;
      for (const t of [0, 2]) {
        const data = await ds.readRegion({ field: "s", t, level, box: { min: [0, 0, 0], max: dims } });
        const rays = randomRays(60, 11 + t + level);
        const r = prng(5 + t);
        let hits = 0;
        for (const [n, { o, d, kind }] of rays.entries()) {
          const threshold = [0.02, 0.3, 1.5, -0.5][n % 4] + r() * 0.01;
          const want = brutePick(data, level, o, d, { threshold });
          const got = await ds.pick({ field: "s", t, level, ray: { origin: o, direction: d }, threshold });
          expectSameHit(got, want, d, `${kind} ray ${n} t=${t} level ${level} thr ${threshold}`);
          if (got) {
            hits++;
            expect(got.level).toBe(level);
            expect(got.t).toBe(t);
          }
        }
        expect(hits).toBeGreaterThanOrEqual(8);
        expect(hits).toBeLessThan(55);
      }
    });
  }

  it("material picks on the categorical field, with maxDistance", async () => {
    const data = await ds.readRegion({ field: "m", t: 1, box: { min: [0, 0, 0], max: DIMS } });
    const rays = randomRays(60, 23);
    let hits = 0;
    for (const [n, { o, d, kind }] of rays.entries()) {
      const materials = [[5], [2], [2, 5], [1, 5]][n % 4];
      const maxDistance = n % 3 === 0 ? 20 : undefined;
      const sMax = maxDistance === undefined ? Infinity : maxDistance / Math.hypot(...d);
      const want = brutePick(data, 0, o, d, { materials }, sMax);
      const got = await ds.pick({
        field: "m",
        t: 1,
        ray: { origin: o, direction: d },
        materials,
        maxDistance,
      });
      expectSameHit(got, want, d, `${kind} ray ${n} materials ${materials}`);
      if (got) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(8);
  });

  it("world-space rays give the same voxel as the equivalent voxel-space ray", async () => {
    const { origin, spacing } = ds.info;
    for (const { o, d } of randomRays(20, 31)) {
      const wo = [0, 1, 2].map((a) => origin[a] + o[a] * spacing[a]) as Vec3;
      const wd = [0, 1, 2].map((a) => d[a] * spacing[a]) as Vec3;
      const a = await ds.pick({ field: "s", t: 0, ray: { origin: o, direction: d }, threshold: 1 });
      const b = await ds.pick({
        field: "s",
        t: 0,
        ray: { origin: wo, direction: wd },
        space: "world",
        threshold: 1,
      });
      expect(b?.ijk).toEqual(a?.ijk);
      if (a && b) {
        expect(b.distance).toBeCloseTo((a.distance / Math.hypot(...d)) * Math.hypot(...wd), 6);
        for (let k = 0; k < 3; k++) {
          expect(b.point[k]).toBeCloseTo(a.point[k], 6);
          expect(a.world[k]).toBeCloseTo(origin[k] + (a.ijk[k] + 0.5) * spacing[k], 9);
        }
      }
    }
  });

  it("pool and in-thread picks agree", async () => {
    for (const { o, d } of randomRays(12, 41)) {
      const q = { field: "s", t: 1, ray: { origin: o, direction: d }, threshold: 0.7 };
      expect(await ds.pick(q)).toEqual(await inline.pick(q));
    }
  });

  it("fetches only bricks the ray may hit: a ray through uniform background reads no brick", async () => {
    const src = new CountingSource(bytes);
    const d2 = await openDataset(src, { workers: pool });
    // Scalar background is 0 (uniform bricks): a threshold above every value never needs bytes.
    const miss = await d2.pick({
      field: "s",
      t: 0,
      ray: { origin: [-1, 3.5, 3.5], direction: [1, 0.1, 0.05] },
      threshold: 1e6,
    });
    expect(miss).toBeNull();
    expect(src.calls.filter((c) => c.purpose === "brick")).toHaveLength(0);
    // A ray starting in a uniform brick whose value passes: answered from the entry alone.
    const g = d2.info.levels[0];
    let uniform: Vec3 | undefined;
    for (let z = 0; z < g.bricks[2] && !uniform; z++)
      for (let y = 0; y < g.bricks[1] && !uniform; y++)
        for (let x = 0; x < g.bricks[0] && !uniform; x++)
          if ((await d2.brickEntry("s", 0, 0, [x, y, z])).encoding === 0) uniform = [x, y, z];
    expect(uniform).toBeDefined();
    const start = (uniform as Vec3).map((b) => b * 16 + 4.5) as Vec3;
    const hit = await d2.pick({
      field: "s",
      t: 0,
      ray: { origin: start, direction: [1, 0.3, 0.2] },
      threshold: -1,
    });
    expect(hit?.ijk).toEqual(start.map(Math.floor));
    expect(hit?.value).toBe(0);
    expect(hit?.distance).toBe(0);
    expect(src.calls.filter((c) => c.purpose === "brick")).toHaveLength(0);
  });

  it("rejects bad queries with typed errors", async () => {
    const ray = { origin: [0, 0, 0] as Vec3, direction: [1, 0, 0] as Vec3 };
    await expect(ds.pick({ field: "s", t: 0, ray })).rejects.toMatchObject({ tag: "QueryError" });
    await expect(
      ds.pick({ field: "s", t: 0, ray: { ...ray, direction: [0, 0, 0] }, threshold: 1 }),
    ).rejects.toMatchObject({ tag: "QueryError" });
    await expect(ds.pick({ field: "s", t: 9, ray, threshold: 1 })).rejects.toMatchObject({
      tag: "RangeError",
    });
    await expect(ds.pick({ field: "m", t: 0, ray, materials: [-1] })).rejects.toMatchObject({
      tag: "QueryError",
    });
  });
});

/** Brute-force stats of a region array with the same histogram rule as the kernel. */
function bruteStats(a: TypedArray, bins: number, range?: [number, number]) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let nan = 0;
  const hist = new Uint32Array(bins);
  for (const v of a) {
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    count++;
    if (range && bins > 0) {
      const [lo, hi] = range;
      if (v >= lo && v <= hi)
        hist[hi > lo ? Math.min(bins - 1, Math.floor((v - lo) * (bins / (hi - lo)))) : 0]++;
    }
  }
  return {
    min: count ? min : Number.NaN,
    max: count ? max : Number.NaN,
    mean: count ? sum / count : Number.NaN,
    count,
    nan,
    hist,
  };
}

function randomBox(r: () => number, dims: Vec3): Box3 {
  const min = dims.map((n) => Math.floor(r() * n)) as Vec3;
  const max = min.map((m, a) => Math.min(dims[a], m + 1 + Math.floor(r() * dims[a]))) as Vec3;
  return { min, max };
}

describe("stats equal brute force over readRegion", () => {
  for (const field of ["s", "m"]) {
    it(`random boxes on ${field}, levels 0 and 1, with and without histogram`, async () => {
      const r = prng(field === "s" ? 3 : 4);
      for (let n = 0; n < 40; n++) {
        const level = n % 5 === 4 ? 1 : 0;
        const dims = ds.info.levels[level].dims;
        const box = n === 0 ? { min: [0, 0, 0] as Vec3, max: dims } : randomBox(r, dims);
        const t = n % 3;
        const bins = n % 2 ? 0 : 16;
        const got = await ds.stats({ field, t, box, level, bins });
        const data = await ds.readRegion({ field, t, box, level });
        const want = bruteStats(data, bins, got.range);
        const label = `${field} ${JSON.stringify(box)} level ${level} bins ${bins}`;
        expect(got.count, label).toBe(want.count);
        expect(got.nanCount, label).toBe(want.nan);
        expect(got.min, label).toEqual(want.min);
        expect(got.max, label).toEqual(want.max);
        if (want.count)
          expect(Math.abs(got.mean - want.mean), label).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(want.mean)) + 1e-9,
          );
        if (bins) {
          expect(Array.from(got.histogram ?? []), label).toEqual(Array.from(want.hist));
          expect(got.below + got.above, label).toBe(0); // the default range covers every value
        } else expect(got.histogram).toBeUndefined();
      }
    });
  }

  it("uniform and whole bricks answer from their entries without I/O", async () => {
    const src = new CountingSource(bytes);
    const d2 = await openDataset(src, { workers: pool });
    const whole = await d2.stats({ field: "s", t: 0, box: { min: [0, 0, 0], max: DIMS }, bins: 0 });
    expect(whole.bricks.fromEntries).toBe(whole.bricks.total);
    expect(src.calls.filter((c) => c.purpose === "brick")).toHaveLength(0);
    const withHist = await d2.stats({
      field: "s",
      t: 0,
      box: { min: [0, 0, 0], max: DIMS },
      bins: 8,
      range: [-5, 5],
    });
    expect(withHist.count).toBe(whole.count);
    expect(withHist.histogram?.reduce((a, b) => a + b, 0)).toBe(
      whole.count - withHist.below - withHist.above,
    );
    const uniformBricks = withHist.bricks.fromEntries;
    expect(uniformBricks).toBeGreaterThan(0);
    expect(src.calls.filter((c) => c.purpose === "brick").length).toBeLessThanOrEqual(
      withHist.bricks.total - uniformBricks,
    );
  });

  it("pool and in-thread stats agree; an empty box counts nothing", async () => {
    const q = { field: "s", t: 2, box: { min: [3, 4, 5] as Vec3, max: [40, 30, 20] as Vec3 } };
    expect(await ds.stats(q)).toEqual(await inline.stats(q));
    const e = await ds.stats({ field: "s", t: 0, box: { min: [3, 3, 3], max: [3, 9, 9] } });
    expect(e.count + e.nanCount).toBe(0);
    expect(e.min).toBeNaN();
  });
});
