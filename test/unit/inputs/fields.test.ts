/**
 * Multi-field assembly: two files of two variables each (one time-varying f32
 * with NaN, one timeless u8 mask) packed into one dataset and read back; the
 * checks between files (names, grid, units, times) refuse with a message.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import type { TypedArray, Vec3 } from "../../../src/shared/types";
import { assembleFields, type InputFile, type InputVariable } from "../../../src/writer/inputs/fields";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";

afterAll(cleanupTemp);

const dims: Vec3 = [5, 4, 3];
const N = dims[0] * dims[1] * dims[2];
const temp = (t: number, i: number) => (i % 7 === 0 ? Number.NaN : t * 100 + i + 0.5);
const mask = (i: number) => i % 3;

function variable(
  name: string,
  file: string,
  steps: number,
  t0: number,
  over: Partial<InputVariable> = {},
): InputVariable {
  const isMask = name === "mask";
  return {
    name,
    file: `${file}:${name}`,
    dims,
    steps,
    dtype: isMask ? "u8" : "f32",
    kind: isMask ? "categorical" : "scalar",
    units: isMask ? undefined : "K",
    fill: isMask ? undefined : Number.NaN,
    timeless: isMask,
    async read(t, z0, nz, y0, ny) {
      const out: TypedArray = isMask
        ? new Uint8Array(dims[0] * ny * nz)
        : new Float32Array(dims[0] * ny * nz);
      let o = 0;
      for (let z = z0; z < z0 + nz; z++)
        for (let y = y0; y < y0 + ny; y++)
          for (let x = 0; x < dims[0]; x++) {
            const i = x + dims[0] * (y + dims[1] * z);
            out[o++] = isMask ? mask(i) : temp(t0 + t, i);
          }
      return out;
    },
    ...over,
  };
}

function file(name: string, t0: number, times?: number[], over: Partial<InputVariable> = {}): InputFile {
  return {
    file: `/some/dir/${name}`,
    variables: [variable("temp", name, 2, t0, over), variable("mask", name, 1, 0)],
    times,
    timeUnits: times ? "hours since 2000-01-01" : undefined,
    grid: { origin: [0, 0, 0], spacing: [1, 2, 3], spaceUnits: "km" },
    attributes: { title: "test" },
  };
}

describe("assembleFields", () => {
  it("two files × two variables → one dataset of two fields and four timesteps", async () => {
    const input = assembleFields([file("a.nc", 0, [0, 0.5]), file("b.nc", 2, [1.75, 6])], {
      metadata: { code: "test" },
    });
    expect(input.spec.fields.map((f) => [f.name, f.dtype, f.kind, f.units, f.fill])).toEqual([
      ["temp", "f32", "scalar", "K", Number.NaN],
      ["mask", "u8", "categorical", undefined, undefined],
    ]);
    expect(input.spec.times).toEqual([0, 0.5, 1.75, 6]);
    expect(input.spec.metadata).toMatchObject({ source: ["a.nc", "b.nc"], attributes: { title: "test" } });
    const out = join(tempDir(), "f.fvx");
    await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
    const ds = await openDataset(out, { workers: false });
    expect(ds.info.times).toEqual([0, 0.5, 1.75, 6]);
    expect(ds.info.timeUnits).toBe("hours since 2000-01-01");
    expect(ds.info.spacing).toEqual([1, 2, 3]);
    const box = { min: [0, 0, 0] as Vec3, max: dims };
    for (let t = 0; t < 4; t++) {
      const a = await ds.readRegion({ field: "temp", t, box });
      const m = await ds.readRegion({ field: "mask", t, box });
      for (let i = 0; i < N; i++) {
        expect(a[i]).toBe(Math.fround(temp(t, i)));
        expect(m[i]).toBe(mask(i));
      }
    }
    expect(ds.info.fields[1].fill).toBeNull();
  });

  it("refuses files that disagree, times that do not increase, one-field options on many", async () => {
    const a = file("a.nc", 0, [0, 1]);
    const bad = (f: InputFile, o = {}) =>
      inputFailure(Promise.resolve().then(() => assembleFields([a, f], o)));
    expect(await bad({ ...file("b.nc", 2, [2, 3]), variables: [variable("temp", "b.nc", 2, 0)] })).toMatch(
      /b\.nc: variables differ from a\.nc: missing mask/,
    );
    expect(await bad(file("b.nc", 2, [2, 3], { dims: [5, 4, 4] }))).toMatch(/grid 5×4×4 differs from 5×4×3/);
    expect(await bad(file("b.nc", 2, [2, 3], { units: "degC" }))).toMatch(/units 'degC'/);
    expect(await bad(file("b.nc", 2, [1, 3]))).toMatch(/strictly increasing \(timestep 2: 1 after 1\)/);
    expect(await bad({ ...file("b.nc", 2, [2, 3]), timeUnits: "days since 2000-01-01" })).toMatch(
      /time units 'days since 2000-01-01' differ/,
    );
    expect(await bad(file("b.nc", 2))).toMatch(/b\.nc: has no time coordinate while a\.nc has one/);
    expect(await bad(file("b.nc", 2, [2, 3]), { units: "m" })).toMatch(
      /--units applies to one field, and there are 2 \(temp, mask\)/,
    );
    expect(await bad(file("b.nc", 2, [2, 3]), { dtype: "u8" })).toMatch(/NaN/);
    const one = (fill: number) =>
      inputFailure(
        Promise.resolve().then(() =>
          assembleFields([{ file: "m.nc", variables: [variable("mask", "m.nc", 1, 0, { fill: 255 })] }], {
            fill,
          }),
        ),
      );
    expect(await one(0)).toMatch(
      /m\.nc:mask: the file's no-data value is 255; --fill 0 would make those voxels data/,
    );
  });
});
