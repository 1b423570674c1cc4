/**
 * HDF5 input: files written with h5wasm (chunked and compressed, nested
 * groups), packed and read back voxel for voxel; every 3D/4D dataset on the
 * grid a field unless --array names some; attributes and units carried over;
 * errors that name the choices.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import h5wasm from "h5wasm/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import { readHdf5 } from "../../../src/writer/inputs/hdf5";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";

afterAll(cleanupTemp);
beforeAll(async () => {
  await h5wasm.ready;
});

const [T, NZ, NY, NX] = [3, 5, 6, 7];
const value = (t: number, x: number, y: number, z: number) => t * 1000 + z * 100 + y * 10 + x + 0.25;

/** A NetCDF-like file: /fields/temp (T, nz, ny, nx) f4 chunked + gzip, with attributes; a 1D /time. */
function writeFile(path: string, extra3d = false): void {
  const f = new h5wasm.File(path, "w");
  const data = new Float32Array(T * NZ * NY * NX);
  let i = 0;
  for (let t = 0; t < T; t++)
    for (let z = 0; z < NZ; z++)
      for (let y = 0; y < NY; y++) for (let x = 0; x < NX; x++) data[i++] = value(t, x, y, z);
  f.create_group("fields");
  const g = f.get("fields") as InstanceType<typeof h5wasm.Group>;
  g.create_dataset({
    name: "temp",
    data,
    shape: [T, NZ, NY, NX],
    dtype: "<f",
    chunks: [1, 3, 4, 4],
    compression: 4,
  });
  const ds = g.get("temp") as InstanceType<typeof h5wasm.Dataset>;
  ds.create_attribute("units", "K");
  ds.create_attribute("long_name", "air temperature");
  ds.create_attribute("_FillValue", -999);
  f.create_dataset({ name: "time", data: new Float64Array([0, 0.5, 1]), shape: [3], dtype: "<d" });
  if (extra3d)
    f.create_dataset({
      name: "mask",
      data: new Uint8Array(NZ * NY * NX).fill(1),
      shape: [NZ, NY, NX],
      dtype: "<B",
    });
  f.close();
}

async function packAndOpen(input: Awaited<ReturnType<typeof readHdf5>>) {
  const out = join(tempDir(), "h.fvx");
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return openDataset(out, { workers: false });
}

describe("HDF5 / NetCDF-4 input", () => {
  it("finds the only 4D dataset, packs it voxel for voxel, keeps units, fill and attributes", async () => {
    const path = join(tempDir(), "run.nc");
    writeFile(path);
    const input = await readHdf5([path], { field: "temp" });
    expect(input.spec.dims).toEqual([NX, NY, NZ]);
    expect(input.spec.fields).toHaveLength(1);
    expect(input.spec.fields[0]).toMatchObject({ name: "temp", dtype: "f32", units: "K", fill: Number.NaN });
    const ds = await packAndOpen(input);
    expect(ds.info.fields[0].attributes).toMatchObject({
      units: "K",
      long_name: "air temperature",
      _FillValue: -999,
    });
    for (let t = 0; t < T; t++) {
      const got = await ds.readRegion({ field: "temp", t, box: { min: [0, 0, 0], max: [NX, NY, NZ] } });
      let i = 0;
      for (let z = 0; z < NZ; z++)
        for (let y = 0; y < NY; y++)
          for (let x = 0; x < NX; x++)
            expect(got[i++], `t${t} (${x},${y},${z})`).toBe(Math.fround(value(t, x, y, z)));
    }
  });

  it("several datasets on one grid are several fields (a 3D one repeated at each step); --array picks", async () => {
    const path = join(tempDir(), "two.h5");
    writeFile(path, true);
    const both = await readHdf5([path]);
    expect(both.spec.fields.map((f) => f.name)).toEqual(["mask", "fields/temp"]);
    const ds = await packAndOpen(both);
    expect(await ds.sample({ field: "mask", t: 2, point: [1, 1, 1] })).toBe(1);
    expect(await ds.sample({ field: "fields/temp", t: 2, point: [6, 5, 4] })).toBe(
      Math.fround(value(2, 6, 5, 4)),
    );
    const input = await readHdf5([path], { array: "/mask", kind: "categorical" });
    expect(input.spec.dims).toEqual([NX, NY, NZ]);
    expect(input.spec.fields[0]).toMatchObject({ dtype: "u8", kind: "categorical" });
  });

  it("a group, a missing path, a non-HDF5 file → InputError", async () => {
    const path = join(tempDir(), "g.h5");
    writeFile(path);
    expect(await inputFailure(readHdf5([path], { array: "/fields" }))).toMatch(
      /no variable \/fields; 3D\/4D variables: fields\/temp/,
    );
    expect(await inputFailure(readHdf5([path], { array: "/nope" }))).toMatch(/no variable \/nope/);
    expect(await inputFailure(readHdf5([path], { array: "/time" }))).toMatch(/is 1D, expected a 3D .* or 4D/);
    const junk = join(tempDir(), "junk.h5");
    writeFileSync(junk, "not hdf5 at all");
    expect(await inputFailure(readHdf5([junk]))).toMatch(/junk\.h5: not an HDF5 \/ NetCDF file \([^\n]*\)$/);
  });

  it("flatvox pack takes .h5 / .nc files", async () => {
    const path = join(tempDir(), "cli.h5");
    writeFile(path);
    const out = join(tempDir(), "cli.fvx");
    const r = spawnSync(
      process.execPath,
      ["bin/flatvox.js", "pack", path, "-o", out, "-q", "--field", "temp"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const ds = await openDataset(out, { workers: false });
    expect(ds.info.dims).toEqual([NX, NY, NZ]);
    expect(await ds.sample({ field: "temp", t: 2, point: [6, 5, 4] })).toBe(Math.fround(value(2, 6, 5, 4)));
  });
});
