/**
 * VTK ImageData input against files written by VTK's own XML writer
 * (test/fixtures/vti/make-fixtures.py): every data mode, compression, header
 * width and byte order reads back voxel for voxel; cell data; a .pvd series
 * with its time values; errors that name the choices.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import { readVtk } from "../../../src/writer/inputs/vti";
import type { TimestepData } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { wholeField } from "../../helpers/step-values";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";

afterAll(cleanupTemp);

const FIX = "test/fixtures/vti";
const [NX, NY, NZ] = [5, 4, 3];
const temp = (x: number, y: number, z: number, t = 0) => t * 100 + x + 10 * y + 0.5 * z;
const label = (x: number, y: number, z: number) => (x + 2 * y + 3 * z) % 5;
const rho = (i: number, j: number, k: number) => i - 2 * j + 0.25 * k;

async function packed(inputs: string[], opts: Parameters<typeof readVtk>[1] = {}) {
  const input = await readVtk(inputs, opts);
  const out = join(tempDir(), "v.fvx");
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return { input, ds: await openDataset(out, { workers: false }) };
}

function expectGrid(got: ArrayLike<number>, dims: number[], f: (x: number, y: number, z: number) => number) {
  let i = 0;
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) expect(got[i++], `(${x},${y},${z})`).toBe(Math.fround(f(x, y, z)));
}

const MODES = [
  "ascii",
  "binary",
  "binary-zlib",
  "appended-raw",
  "appended-raw-zlib-u64",
  "appended-base64-zlib",
  "appended-raw-big",
];

describe("VTK ImageData input", () => {
  it.each(MODES)("%s.vti: every one-component point array, grid and placement", async (mode) => {
    const { input, ds } = await packed([`${FIX}/${mode}.vti`]);
    expect(input.spec.dims).toEqual([NX, NY, NZ]);
    // Points sit at voxel centres: voxel (0,0,0)'s corner is half a spacing before Origin (1, 2, 3).
    expect(input.spec.origin).toEqual([0.75, 1.875, 2]);
    expect(input.spec.spacing).toEqual([0.5, 0.25, 2]);
    expect(input.spec.transform).toBeUndefined();
    expect(input.spec.fields.map((f) => [f.name, f.dtype])).toEqual([
      ["temp", "f32"],
      ["label", "u16"],
    ]);
    expect(input.spec.metadata?.notes).toEqual([
      "rho (cell data) left out: cell data lie on another grid (pack it with --array rho)",
      "velocity (cell data, 3 components) left out: not a scalar",
    ]);
    expectGrid(
      await ds.readRegion({ field: "label", t: 0, box: { min: [0, 0, 0], max: [NX, NY, NZ] } }),
      [NX, NY, NZ],
      label,
    );
    expectGrid(
      await ds.readRegion({ field: "temp", t: 0, box: { min: [0, 0, 0], max: [NX, NY, NZ] } }),
      [NX, NY, NZ],
      temp,
    );
  });

  it.each(MODES)("%s.vti: a u16 point array and a f64 cell array by name", async (mode) => {
    const l = await packed([`${FIX}/${mode}.vti`], { array: "label", kind: "categorical" });
    expect(l.input.spec.fields[0]).toMatchObject({ name: "label", dtype: "u16", kind: "categorical" });
    expectGrid(
      await l.ds.readRegion({ field: "label", t: 0, box: { min: [0, 0, 0], max: [NX, NY, NZ] } }),
      [NX, NY, NZ],
      label,
    );
    const c = await packed([`${FIX}/${mode}.vti`], { array: "rho" });
    const cells = [NX - 1, NY - 1, NZ - 1];
    expect(c.input.spec.dims).toEqual(cells);
    // Cell (0,0,0) spans points 0..1: its corner is Origin.
    expect(c.input.spec.origin).toEqual([1, 2, 3]);
    expectGrid(
      await c.ds.readRegion({
        field: "rho",
        t: 0,
        box: { min: [0, 0, 0], max: cells as [number, number, number] },
      }),
      cells,
      rho,
    );
  });

  it("a .pvd collection is a time series, sorted by its timestep values", async () => {
    const { input, ds } = await packed([`${FIX}/series.pvd`]);
    expect(input.spec.times).toEqual([0, 0.5, 2]);
    for (let t = 0; t < 3; t++)
      expectGrid(
        await ds.readRegion({ field: "temp", t, box: { min: [0, 0, 0], max: [NX, NY, NZ] } }),
        [NX, NY, NZ],
        (x, y, z) => temp(x, y, z, t),
      );
  });

  it("vectors, unknown names and damaged blocks are InputErrors that say what is wrong", async () => {
    expect(await inputFailure(readVtk([`${FIX}/binary.vti`], { array: "velocity" }))).toMatch(
      /velocity \(cell data, 3 components\) is not a scalar/,
    );
    expect(await inputFailure(readVtk([`${FIX}/binary.vti`], { array: ["temp", "rho"] }))).toMatch(
      /point and cell data lie on different grids/,
    );
    expect(await inputFailure(readVtk([`${FIX}/binary.vti`], { field: "x" }))).toMatch(
      /--field renames a single array; 2 arrays/,
    );
    expect(await inputFailure(readVtk([`${FIX}/binary.vti`], { array: "nope" }))).toMatch(
      /no data array named 'nope'; the file has temp \(point data\), label/,
    );
    // Flip bytes inside the zlib data of the first array.
    const bad = join(tempDir(), "bad.vti");
    copyFileSync(`${FIX}/appended-raw-zlib-u64.vti`, bad);
    const bytes = readFileSync(bad);
    const start = bytes.indexOf("_", bytes.indexOf("<AppendedData")) + 1;
    for (let i = start + 40; i < start + 70; i++) bytes[i] ^= 0xff;
    writeFileSync(bad, bytes);
    const { steps } = await readVtk([bad], { array: "temp" });
    const it = (steps as AsyncIterable<TimestepData>)[Symbol.asyncIterator]();
    // The damage shows when the voxels are read (the packer reads slab by slab).
    const read = it.next().then((r) => wholeField((r.value as TimestepData).fields.temp));
    expect(await inputFailure(read)).toMatch(/zlib block 0/);
    const notImage = join(tempDir(), "poly.vti");
    writeFileSync(
      notImage,
      '<?xml version="1.0"?><VTKFile type="PolyData" version="1.0"><PolyData/></VTKFile>',
    );
    expect(await inputFailure(readVtk([notImage]))).toMatch(/only ImageData/);
  });

  it("flatvox pack takes a .pvd and names the field after the array", () => {
    const out = join(tempDir(), "series.fvx");
    const r = spawnSync(process.execPath, ["bin/flatvox.js", "pack", `${FIX}/series.pvd`, "-o", out, "-q"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    return openDataset(out, { workers: false }).then(async (ds) => {
      expect(ds.info.fields.map((f) => f.name)).toEqual(["temp", "label"]);
      expect(ds.info.times).toEqual([0, 0.5, 2]);
      expect(await ds.sample({ field: "temp", t: 2, point: [4, 3, 2] })).toBe(temp(4, 3, 2, 2));
    });
  });
});
