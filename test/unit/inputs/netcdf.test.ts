/**
 * NetCDF input against netCDF4-python: the fixtures in test/fixtures/netcdf
 * were written by netCDF4-python, and each .json beside them holds what that
 * library reports reading them back (auto mask and scale). Every file is
 * packed with the real packer and read back with openDataset: every voxel of
 * every field (physical value, f32-rounded; masked ↔ NaN or the fill), field
 * names and units, stats without no data, times and their units / calendar,
 * origin / spacing from the coordinates, metadata without library internals.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPack } from "../../../src/cli/pack";
import { openDataset } from "../../../src/reader";
import { parseOpenBlock } from "../../../src/reader/open-block";
import type { Vec3 } from "../../../src/shared/types";
import { readHdf5 } from "../../../src/writer/inputs/hdf5";
import type { SlabReader } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";

afterAll(cleanupTemp);

const DIR = "test/fixtures/netcdf";

interface Expected {
  file_format: string;
  global_attributes: Record<string, unknown>;
  dimensions: Record<string, number>;
  variables: Record<
    string,
    {
      dtype: string;
      dimensions: string[];
      shape: number[];
      attributes: Record<string, unknown>;
      values: (number | null)[];
    }
  >;
}

const expected = (name: string): Expected =>
  JSON.parse(readFileSync(join(DIR, name.replace(/\.nc$/, ".json")), "utf8"));

const INTERNAL =
  /DIMENSION_LIST|REFERENCE_LIST|"CLASS"|"NAME"|_Netcdf4Coordinates|_Netcdf4Dimid|_nc3_strict|_NCProperties/;

async function pack(files: string[], opts = {}) {
  const input = await readHdf5(
    files.map((f) => join(DIR, f)),
    opts,
  );
  const out = join(tempDir(), `${files[0]}.fvx`);
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  const header = parseOpenBlock(new Uint8Array(readFileSync(out))).header;
  return { input, ds: await openDataset(out, { workers: false }), header };
}

/**
 * Compare packed NetCDF fixtures (one file, or a time series of files) with
 * what netCDF4-python reports. `fields`: the variables expected as fields
 * (default: every variable of 3 or more dimensions).
 */
async function checkAgainstNetcdf4(names: string | string[], fields?: string[]) {
  const files = typeof names === "string" ? [names] : names;
  const exps = files.map(expected);
  const exp = exps[0];
  const { ds, header } = await pack(files);
  const vars = Object.entries(exp.variables).filter(([n, v]) =>
    fields ? fields.includes(n) : v.shape.length >= 3,
  );
  expect(ds.info.fields.map((f) => f.name).sort()).toEqual(vars.map(([n]) => n).sort());

  // Time: the coordinate of the 4D variables' first dimension, file after file.
  const timeDim = vars.find(([, v]) => v.shape.length === 4)![1].dimensions[0];
  const tv = exp.variables[timeDim];
  const steps: [Expected, number][] = exps.flatMap((e) =>
    e.variables[timeDim].values.map((_, t) => [e, t] as [Expected, number]),
  );
  expect(ds.info.times).toEqual(exps.flatMap((e) => e.variables[timeDim].values));
  expect(header.timeUnits).toBe(tv.attributes.units);
  expect(header.timeCalendar).toBe(tv.attributes.calendar ?? "standard");

  // Space: origin = first centre − step/2, spacing = step, x = last dimension; no coordinate: indices.
  const spatial = vars[0][1].dimensions.slice(-3).reverse();
  const dims = spatial.map((d) => exp.dimensions[d]) as Vec3;
  expect(ds.info.dims).toEqual(dims);
  spatial.forEach((d, k) => {
    const c = exp.variables[d]?.values as number[] | undefined;
    const step = c ? (c[c.length - 1] - c[0]) / (c.length - 1) : 1;
    expect(ds.info.spacing[k], `spacing ${d}`).toBeCloseTo(step, 12);
    expect(ds.info.origin[k], `origin ${d}`).toBeCloseTo(c ? c[0] - step / 2 : 0, 12);
  });
  const units = spatial.map((d) => exp.variables[d]?.attributes.units);
  expect(header.spaceUnits).toBe(units.every((u) => u === units[0]) ? (units[0] ?? "") : "");
  expect(ds.info.metadata.source).toEqual(files);
  expect(JSON.stringify(header.metadata)).not.toMatch(INTERNAL);
  for (const [k, v] of Object.entries(exp.global_attributes))
    expect((ds.info.metadata.attributes as Record<string, unknown>)[k]).toEqual(v);

  const voxels = dims[0] * dims[1] * dims[2];
  const box = { min: [0, 0, 0] as Vec3, max: dims };
  for (const [vname, v] of vars) {
    const field = ds.info.fields.find((f) => f.name === vname)!;
    expect(field.units, `${vname} units`).toBe(v.attributes.units ?? "");
    expect(JSON.stringify(field.attributes ?? {})).not.toMatch(INTERNAL);
    for (const [k, a] of Object.entries(v.attributes))
      expect(field.attributes?.[k], `${vname}.${k}`).toEqual(a);
    const timed = v.shape.length === 4;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const [t, [e, local]] of steps.entries()) {
      const got = await ds.readRegion({ field: vname, t, box });
      const values = e.variables[vname].values;
      const base = timed ? local * voxels : 0;
      let sum = 0;
      let count = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < voxels; i++) {
        const want = values[base + i];
        const where = `${files.join("+")} ${vname} t${t} #${i}`;
        if (want === null) {
          if (field.dtype === "f32") expect(got[i], where).toBeNaN();
          else expect(got[i], where).toBe(field.fill);
        } else {
          const w = field.dtype === "f32" ? Math.fround(want) : want;
          expect(got[i], where).toBe(w);
          sum += w;
          count++;
          min = Math.min(min, w);
          max = Math.max(max, w);
        }
      }
      lo = Math.min(lo, min);
      hi = Math.max(hi, max);
      {
        const s = await ds.stats({ field: vname, t, box, bins: 0 });
        expect(s.count, `${vname} t${t} count`).toBe(count);
        expect(s.min).toBe(count ? min : Number.NaN);
        expect(s.max).toBe(count ? max : Number.NaN);
        if (count) expect(s.mean).toBeCloseTo(sum / count, 4);
      }
    }
    // The header's range covers valid voxels only (no data excluded).
    expect(field.range, `${vname} range`).toEqual([lo, hi]);
  }
  return { ds, header, exp };
}

describe("NetCDF input, checked against netCDF4-python", () => {
  it("NetCDF-4: f32 with _FillValue, packed i16 salinity, u8 flags, CF time, lon/lat/depth", async () => {
    const { ds } = await checkAgainstNetcdf4("ocean.nc");
    const f = Object.fromEntries(ds.info.fields.map((x) => [x.name, x]));
    expect(f.temperature).toMatchObject({
      dtype: "f32",
      units: "degC",
      description: "sea water temperature",
    });
    expect(Number.isNaN(f.temperature.fill)).toBe(true);
    expect(f.salinity).toMatchObject({ dtype: "f32", units: "psu" });
    expect(f.salinity.attributes?.packing).toEqual({ type: "i16", scale_factor: 0.001, add_offset: 34 });
    // CF flags are categorical; u8 without _FillValue: 0 is data, only the netCDF default fill (255) is not.
    expect(f.mask).toMatchObject({ dtype: "u8", kind: "categorical", fill: 255 });
    expect(ds.info.times).toEqual([0, 0.5, 1.75, 6, 24]);
    expect(ds.info.metadata.axes).toMatchObject({
      x: { name: "lon", units: "degrees_east" },
      z: { name: "depth", units: "m" },
    });
  });

  it("NetCDF-3 classic, record variables interleaved", async () => {
    const { header } = await checkAgainstNetcdf4("ocean3.nc");
    expect(header.fields.find((f) => f.name === "mask")).toMatchObject({
      dtype: "i16",
      kind: "categorical",
      fill: -127,
    });
  });

  it("NetCDF-3 64-bit offset", async () => {
    await checkAgainstNetcdf4("ocean3-64.nc");
  });

  it("missing_value lists, valid_range, valid_min/max, netCDF default fills (NetCDF-4 and -3), noleap days", async () => {
    for (const name of ["rules.nc", "rules3.nc"]) {
      const { header } = await checkAgainstNetcdf4(name);
      const f = Object.fromEntries(header.fields.map((x) => [x.name, x]));
      // Scalar integers with no data are stored as f32 with NaN (the packer's rule), the fill kept.
      expect(f.level).toMatchObject({
        dtype: "f32",
        attributes: { noData: { value: -32767, inputDtype: "i16" } },
      });
      expect(f.quality).toMatchObject({
        dtype: "f32",
        attributes: { noData: { value: -1, inputDtype: "i16" } },
      });
      expect(f.density.dtype).toBe("f32");
      expect(header.timeCalendar).toBe("noleap");
      expect(header.spaceUnits).toBe("km");
    }
  });

  it("a time series of two NetCDF-4 files; f32 coordinates with 0.1 steps count as uniform", async () => {
    const { header } = await checkAgainstNetcdf4(["series_0.nc", "series_1.nc"]);
    expect(header.fields.find((f) => f.name === "n")).toMatchObject({
      dtype: "f32",
      attributes: { _FillValue: 0, noData: { value: 0, inputDtype: "u16" } },
    });
    expect(header.timeUnits).toBe("seconds since 2020-01-01T00:00:00Z");
  });

  it("no spatial coordinates: an index grid; a variable without time repeated; others named in a note", async () => {
    const { ds, header } = await checkAgainstNetcdf4("mixed.nc", ["a", "b"]);
    expect(header.timeCalendar).toBe("360_day");
    expect(header.fields.find((f) => f.name === "b")).toMatchObject({
      dtype: "f32",
      attributes: { noData: { value: -5, inputDtype: "i16" } },
    });
    expect(ds.info.metadata.notes).toEqual([
      "left out, on another grid: d (z, y, w; 2×3×5)",
      "left out, 2D over time: c",
      "left out: e is ordered (z, y, x, time) with time not first; reorder it with ncpdq -a time,z,y,x",
    ]);
    expect(await inputFailure(readHdf5([join(DIR, "mixed.nc")], { arrays: ["e"] }))).toMatch(
      /mixed\.nc:\/e: is ordered \(z, y, x, time\) with time not first; reorder it with ncpdq -a time,z,y,x$/,
    );
    expect(await inputFailure(readHdf5([join(DIR, "mixed.nc")], { arrays: ["a", "d"] }))).toMatch(
      /variables on different grids: a \(z, y, x; 2×3×4\) and d \(z, y, w; 2×3×5\); pack them separately/,
    );
  });

  it("slab reads of part of a timestep (the packer's brick rows) give the same voxels", async () => {
    for (const name of ["ocean.nc", "ocean3.nc"]) {
      const exp = expected(name);
      const input = await readHdf5([join(DIR, name)]);
      const [nx, ny, nz] = input.spec.dims;
      for await (const step of input.steps) {
        if (step.index !== 3) continue;
        for (const [fname, reader] of Object.entries(step.fields)) {
          const got = await (reader as SlabReader).read(1, 2, 1, 1);
          const values = exp.variables[fname].values;
          const base = exp.variables[fname].shape.length === 4 ? 3 * nx * ny * nz : 0;
          let o = 0;
          for (let z = 1; z < 3; z++)
            for (let x = 0; x < nx; x++, o++) {
              const want = values[base + x + nx * (1 + ny * z)];
              if (want === null)
                expect(
                  Number.isNaN(got[o]) || got[o] === input.spec.fields.find((f) => f.name === fname)!.fill,
                ).toBe(true);
              else expect(got[o], `${name} ${fname} z${z} x${x}`).toBe(Math.fround(want));
            }
        }
      }
    }
  });

  it("_Unsigned bytes, scale_factor or add_offset alone, f32 packing attributes, NaN _FillValue, valid_min, missing_value", async () => {
    for (const name of ["edge3.nc", "edge.nc"]) {
      const { header } = await checkAgainstNetcdf4(name);
      const f = Object.fromEntries(header.fields.map((x) => [x.name, x]));
      expect(f.ub).toMatchObject({ dtype: "f32", attributes: { noData: { value: 255, inputDtype: "u8" } } });
      for (const n of ["so", "ao", "sf", "nanfill", "vmin", "mv"]) expect(f[n].dtype, n).toBe("f32");
      expect(f.sf.attributes?.packing).toMatchObject({ type: "i16" });
    }
  });

  it("a descending coordinate: the axis is stored reversed, ascending, and said so", async () => {
    const exp = expected("descending.nc");
    const { ds } = await pack(["descending.nc"]);
    expect(ds.info.origin).toEqual([-0.5, -0.5, 0]);
    expect(ds.info.spacing).toEqual([1, 1, 1]);
    expect(ds.info.metadata.axes).toMatchObject({ y: { name: "lat", reversed: true } });
    expect(String(ds.info.metadata.notes)).toMatch(/lat \(the y axis\) descends in the file \(3 to 0\)/);
    const [nx, ny, nz] = ds.info.dims;
    const values = exp.variables.v.values;
    const got = await ds.readRegion({ field: "v", t: 0, box: { min: [0, 0, 0], max: [nx, ny, nz] } });
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++)
          expect(got[x + nx * (y + ny * z)], `(${x},${y},${z})`).toBe(values[x + nx * (ny - 1 - y + ny * z)]);
    // Partial slabs of the reversed axis.
    const input = await readHdf5([join(DIR, "descending.nc")]);
    for await (const step of input.steps) {
      const part = await (step.fields.v as SlabReader).read(1, 1, 1, 2);
      expect(Array.from(part)).toEqual(
        [1, 2].flatMap((y) => [0, 1, 2].map((x) => values[x + nx * (ny - 1 - y + ny * 1)])),
      );
    }
  });

  it("a curvilinear grid (2D lon/lat auxiliary coordinates) is placed on indices and said so", async () => {
    const { ds } = await pack(["curvilinear.nc"]);
    expect(ds.info.origin).toEqual([0, 0, 0]);
    expect(ds.info.spacing).toEqual([1, 1, 1]);
    expect(ds.info.metadata.notes).toEqual([
      "the variables have auxiliary coordinates lon(y, x), lat(y, x), a curvilinear grid: voxels are placed by their dimensions only",
    ]);
    const got = await ds.readRegion({ field: "v", t: 0, box: { min: [0, 0, 0], max: [4, 3, 2] } });
    expect(Array.from(got)).toEqual(expected("curvilinear.nc").variables.v.values);
  });

  it("a non-uniform coordinate is refused; --index-grid packs on indices", async () => {
    expect(await inputFailure(readHdf5([join(DIR, "nonuniform.nc")]))).toMatch(
      /nonuniform\.nc: coordinate lat \(the y axis\) is not uniform \(steps from 1 to 2\); regrid it .*cdo remapbil.* or pass --index-grid/,
    );
    const { ds } = await pack(["nonuniform.nc"], { indexGrid: true });
    expect(ds.info.origin).toEqual([-0.5, 0, 0]);
    expect(ds.info.spacing).toEqual([1, 1, 1]);
    expect(ds.info.metadata.coordinates).toEqual({ lat: [0, 1, 2, 4] });
    expect(String(ds.info.metadata.notes)).toMatch(/lat \(the y axis\) is not uniform.*indexed/);
  });

  it("CDF-5 is refused in one line naming nccopy; series checks times; --array picks fields", async () => {
    const msg = await inputFailure(readHdf5([join(DIR, "ocean-cdf5.nc")]));
    expect(msg).toMatch(
      /ocean-cdf5\.nc: NetCDF-3 64-bit data \(CDF-5\) is not supported; convert it with nccopy -k nc4/,
    );
    expect(msg).not.toMatch(/\n/);
    expect(await inputFailure(readHdf5([join(DIR, "rules.nc"), join(DIR, "rules3.nc")]))).toMatch(
      /rules3\.nc: time values must be finite and strictly increasing \(timestep 2: 365 after 730\)/,
    );
    const picked = await readHdf5([join(DIR, "ocean3.nc")], { arrays: ["salinity", "temperature"] });
    expect(picked.spec.fields.map((f) => f.name)).toEqual(["salinity", "temperature"]);
    expect(await inputFailure(readHdf5([join(DIR, "ocean3.nc")], { arrays: ["lat"] }))).toMatch(
      /ocean3\.nc:lat: is 1D, expected a 3D/,
    );
    expect(await inputFailure(readHdf5([join(DIR, "ocean.nc")], { arrays: ["lat"] }))).toMatch(
      /ocean\.nc:lat: is the coordinate variable of dimension lat, expected a 3D/,
    );
  });

  it("flatvox pack: repeatable --array on a NetCDF-3 file, --index-grid", async () => {
    const out = join(tempDir(), "cli.fvx");
    await runPack([join(DIR, "ocean3.nc")], {
      out,
      quiet: true,
      array: ["temperature", "mask"],
      brick: "16",
      workers: "0",
    });
    const ds = await openDataset(out, { workers: false });
    expect(ds.info.fields.map((f) => f.name)).toEqual(["temperature", "mask"]);
    expect(ds.info.metadata.code).toBe("flatvox pack");
    const grid = join(tempDir(), "grid.fvx");
    await runPack([join(DIR, "nonuniform.nc")], { out: grid, quiet: true, indexGrid: true, workers: "0" });
    expect((await openDataset(grid, { workers: false })).info.spacing).toEqual([1, 1, 1]);
  });
});
