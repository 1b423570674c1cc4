import { afterAll, describe, expect, it } from "vitest";
import { Encoding } from "../../../src/format/constants";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { DTYPES, type DType, type FieldKind, type TypedArray, type Vec3 } from "../../../src/shared/types";
import { cleanupTemp, packSmall, prng } from "../reader/fixtures";

afterAll(cleanupTemp);

/** Independent 2×2×2 reduction oracle: mean (NaN ignored, ints round half away from zero) or mode (ties → smallest). */
function oracleDown(
  src: TypedArray,
  d: Vec3,
  kind: FieldKind,
  dtype: DType,
): { data: TypedArray; dims: Vec3 } {
  const m: Vec3 = [(d[0] + 1) >> 1, (d[1] + 1) >> 1, (d[2] + 1) >> 1];
  const out = new (src.constructor as new (n: number) => TypedArray)(m[0] * m[1] * m[2]);
  for (let z = 0; z < m[2]; z++)
    for (let y = 0; y < m[1]; y++)
      for (let x = 0; x < m[0]; x++) {
        const vals: number[] = [];
        for (let dz = 0; dz < 2; dz++)
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++) {
              const X = 2 * x + dx;
              const Y = 2 * y + dy;
              const Z = 2 * z + dz;
              if (X < d[0] && Y < d[1] && Z < d[2]) vals.push(src[X + d[0] * (Y + d[1] * Z)]);
            }
        let v: number;
        if (kind === "categorical") {
          const counts = new Map<number, number>();
          for (const a of vals) counts.set(a, (counts.get(a) ?? 0) + 1);
          const best = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
          v = best[0];
        } else {
          const ok = vals.filter((a) => !Number.isNaN(a));
          const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
          v =
            ok.length === 0
              ? Number.NaN
              : dtype === "f32"
                ? mean
                : Math.sign(mean) * Math.round(Math.abs(mean));
        }
        out[x + m[0] * (y + m[1] * z)] = v;
      }
  return { data: out, dims: m };
}

function subBox(a: TypedArray, d: Vec3, min: Vec3, max: Vec3): number[] {
  const out: number[] = [];
  for (let z = min[2]; z < max[2]; z++)
    for (let y = min[1]; y < max[1]; y++)
      for (let x = min[0]; x < max[0]; x++) out.push(a[x + d[0] * (y + d[1] * z)]);
  return out;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i]) && !(a[i] === b[i])) expect([i, a[i]]).toEqual([i, b[i]]);
};

describe("pack → read round trip", () => {
  const kinds: FieldKind[] = ["scalar", "categorical"];
  for (const dtype of DTYPES)
    for (const kind of kinds) {
      it(`${dtype} ${kind}: level 0 exact, coarser levels match the oracle`, async () => {
        const dims: Vec3 = [37, 20, 9];
        const p = await packSmall([{ name: "f", dtype, kind }], dims);
        const ds = await openDataset(new MemorySource(p.bytes));
        expect(ds.info.levels.map((l) => l.dims)).toEqual([
          [37, 20, 9],
          [19, 10, 5],
          [10, 5, 3],
        ]);
        const r = prng(99);
        for (let t = 0; t < 3; t++) {
          const input = p.steps[t].fields.f;
          same(await ds.readRegion({ field: "f", t, box: { min: [0, 0, 0], max: dims } }), input);
          for (let i = 0; i < 6; i++) {
            const min: Vec3 = [0, 1, 2].map((a) => Math.floor(r() * dims[a])) as Vec3;
            const max: Vec3 = [0, 1, 2].map((a) => min[a] + 1 + Math.floor(r() * (dims[a] - min[a]))) as Vec3;
            same(await ds.readRegion({ field: 0, t, box: { min, max } }), subBox(input, dims, min, max));
          }
          let lvl = { data: input, dims };
          for (let level = 1; level < ds.info.levels.length; level++) {
            lvl = oracleDown(lvl.data, lvl.dims, kind, dtype);
            const got = await ds.readRegion({ field: "f", t, level, box: { min: [0, 0, 0], max: lvl.dims } });
            same(got, lvl.data);
          }
          const v = await ds.sample({ field: "f", t, point: [36, 19, 8] });
          expect(Object.is(v, input[36 + 37 * (19 + 20 * 8)]) || v === input[36 + 37 * (19 + 20 * 8)]).toBe(
            true,
          );
        }
      });
    }
});

describe("brick encodings", () => {
  it("stores uniform bricks without bytes, dedups unchanged bricks and round-trips delta bricks", async () => {
    const p = await packSmall([{ name: "f", dtype: "u8", kind: "categorical" }]);
    const ds = await openDataset(new MemorySource(p.bytes));
    // x < 16 is constant: brick column 0 at level 0 is uniform at every timestep.
    for (let t = 0; t < 3; t++) {
      const e = await ds.brickEntry("f", t, 0, [0, 0, 0]);
      expect(e.encoding).toBe(Encoding.UNIFORM);
      expect(e.length).toBe(0);
      expect(e.min).toBe(3);
    }
    // Bricks with x >= 32 are unchanged from t=0 to t=1: same bytes.
    const a = await ds.brickEntry("f", 0, 0, [2, 0, 0]);
    const b = await ds.brickEntry("f", 1, 0, [2, 0, 0]);
    expect(b.dedup).toBe(true);
    expect([b.offset, b.length, b.checksum]).toEqual([a.offset, a.length, a.checksum]);
    // t=2 changes 1% of voxels: the packer keeps XOR-delta bricks.
    const deltas = [];
    for (const bx of [1, 2])
      for (const by of [0, 1]) {
        const e = await ds.brickEntry("f", 2, 0, [bx, by, 0]);
        if (e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) deltas.push(e);
      }
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.every((e) => e.refT === 1)).toBe(true);
    expect(p.report.bricks.uniform).toBeGreaterThan(0);
    expect(p.report.bricks.deduped).toBeGreaterThan(0);
    expect(p.report.bricks.delta).toBe(ds.info.summary?.delta);
    // Round trip of the delta timestep was checked above for all dtypes; check stats of a changed brick here.
    const e = await ds.brickEntry("f", 2, 0, [1, 0, 0]);
    const { data } = await ds.readBrick({ field: "f", t: 2, level: 0, brick: [1, 0, 0] });
    expect(e.min).toBe(Math.min(...data));
    expect(e.max).toBe(Math.max(...data));
  });

  it("scalar stats: min/max/mean ignore NaN", async () => {
    const p = await packSmall([{ name: "f", dtype: "f32", kind: "scalar" }], [20, 16, 16]);
    const ds = await openDataset(new MemorySource(p.bytes));
    const { data, entry } = await ds.readBrick({ field: "f", t: 0, level: 0, brick: [1, 0, 0] });
    const ok = [...data].filter((v) => !Number.isNaN(v));
    expect(entry.validCount).toBe(ok.length);
    expect(entry.min).toBe(Math.min(...ok));
    expect(entry.max).toBe(Math.max(...ok));
    expect(entry.mean).toBeCloseTo(ok.reduce((a, b) => a + b, 0) / ok.length, 6);
  });
});
