/**
 * Zarr input: v3 arrays written by zarrita (chunks with partial edges) and a
 * hand-written v2 array, packed and read back voxel for voxel; both axis
 * orders; groups; attributes; errors.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import FileSystemStore from "@zarrita/storage/fs";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { readZarr } from "../../../src/writer/inputs/zarr";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";

afterAll(cleanupTemp);

const value = (t: number, x: number, y: number, z: number) => t * 1000 + z * 100 + y * 10 + x + 0.5;

/** A (T, nz, ny, nx) float64 array of `value`, chunked so edge chunks are partial. */
async function writeV3(dir: string, path: string, [nx, ny, nz]: Vec3, T: number) {
  const store = new FileSystemStore(dir);
  const root = await zarr.create(store, { attributes: { project: "flatvox tests" } });
  const arr = await zarr.create(root.resolve(path), {
    shape: [T, nz, ny, nx],
    chunkShape: [1, 3, 4, 4],
    dtype: "float64",
    attributes: { units: "K", title: "temperature from zarr" },
  });
  const data = new Float64Array(T * nz * ny * nx);
  let i = 0;
  for (let t = 0; t < T; t++)
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[i++] = value(t, x, y, z);
  await zarr.set(arr, null, { data, shape: [T, nz, ny, nx], stride: [nz * ny * nx, ny * nx, nx, 1] });
}

async function packAndOpen(input: Awaited<ReturnType<typeof readZarr>>) {
  const out = join(tempDir(), "z.fvx");
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return openDataset(out, { workers: false });
}

describe("Zarr input", () => {
  it("a v3 (T, nz, ny, nx) array packs voxel for voxel, attributes kept", async () => {
    const dir = tempDir();
    const dims: Vec3 = [7, 6, 5];
    await writeV3(dir, "temp", dims, 3);
    const input = await readZarr([dir], { array: "temp", field: "temp" });
    expect(input.spec.dims).toEqual(dims);
    expect(input.spec.times).toEqual([0, 1, 2]);
    expect(input.spec.fields[0]).toMatchObject({ name: "temp", dtype: "f32" });
    const ds = await packAndOpen(input);
    expect(ds.info.metadata.attributes).toEqual({ units: "K", title: "temperature from zarr" });
    for (let t = 0; t < 3; t++) {
      const got = await ds.readRegion({ field: "temp", t, box: { min: [0, 0, 0], max: dims } });
      let i = 0;
      for (let z = 0; z < 5; z++)
        for (let y = 0; y < 6; y++)
          for (let x = 0; x < 7; x++)
            expect(got[i++], `t${t} (${x},${y},${z})`).toBe(Math.fround(value(t, x, y, z)));
    }
  });

  it("axes xyz: a (nx, ny, nz, T) array gives the same grid", async () => {
    const dir = tempDir();
    const [nx, ny, nz, T] = [5, 4, 3, 2];
    const arr = await zarr.create(new FileSystemStore(dir), {
      shape: [nx, ny, nz, T],
      chunkShape: [2, 4, 2, 2],
      dtype: "int16",
    });
    const data = new Int16Array(nx * ny * nz * T);
    for (let x = 0; x < nx; x++)
      for (let y = 0; y < ny; y++)
        for (let z = 0; z < nz; z++)
          for (let t = 0; t < T; t++) data[((x * ny + y) * nz + z) * T + t] = Math.floor(value(t, x, y, z));
    await zarr.set(arr, null, { data, shape: [nx, ny, nz, T], stride: [ny * nz * T, nz * T, T, 1] });
    const input = await readZarr([dir], { axes: "xyz" });
    expect(input.spec.dims).toEqual([nx, ny, nz]);
    const ds = await packAndOpen(input);
    for (let t = 0; t < T; t++) {
      const got = await ds.readRegion({ field: 0, t, box: { min: [0, 0, 0], max: [nx, ny, nz] } });
      let i = 0;
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) expect(got[i++]).toBe(Math.floor(value(t, x, y, z)));
    }
  });

  it("a hand-written v2 array (uncompressed u16 chunks) packs as a categorical field", async () => {
    const dir = tempDir();
    const [n0, n1, n2] = [4, 4, 4]; // (nz, ny, nx)
    writeFileSync(
      join(dir, ".zarray"),
      JSON.stringify({
        zarr_format: 2,
        shape: [n0, n1, n2],
        chunks: [2, 4, 4],
        dtype: "<u2",
        compressor: null,
        fill_value: 0,
        order: "C",
        filters: null,
      }),
    );
    const label = (x: number, y: number, z: number) => (x + 2 * y + 3 * z) % 5;
    for (let c = 0; c < 2; c++) {
      const chunk = new Uint16Array(2 * 4 * 4);
      let i = 0;
      for (let z = 2 * c; z < 2 * c + 2; z++)
        for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) chunk[i++] = label(x, y, z);
      writeFileSync(join(dir, `${c}.0.0`), new Uint8Array(chunk.buffer));
    }
    const input = await readZarr([dir], { kind: "categorical", field: "label" });
    expect(input.spec.fields[0]).toMatchObject({ dtype: "u16", kind: "categorical", fill: 0 });
    const ds = await packAndOpen(input);
    const got = await ds.readRegion({ field: "label", t: 0, box: { min: [0, 0, 0], max: [4, 4, 4] } });
    let i = 0;
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(got[i++]).toBe(label(x, y, z));
  });

  it("a group without --array, a missing array, a plain file → InputError saying what to do", async () => {
    const dir = tempDir();
    await writeV3(dir, "temp", [4, 4, 4], 1);
    expect(await inputFailure(readZarr([dir]))).toMatch(/Zarr group: name the array inside it with --array/);
    expect(await inputFailure(readZarr([dir], { array: "nope" }))).toMatch(/not a Zarr v2 or v3 array/);
    const file = join(dir, "plain.bin");
    writeFileSync(file, "x");
    expect(await inputFailure(readZarr([file]))).toMatch(/not a Zarr store/);
  });

  it("flatvox pack takes a store directory and --array", () => {
    const dir = join(tempDir(), "run.zarr");
    mkdirSync(dir);
    return writeV3(dir, "fields/temp", [6, 5, 4], 2).then(async () => {
      const out = join(tempDir(), "run.fvx");
      const r = spawnSync(
        process.execPath,
        ["bin/flatvox.js", "pack", dir, "--array", "fields/temp", "-o", out, "-q", "--field", "temp"],
        { encoding: "utf8" },
      );
      expect(r.status, r.stderr).toBe(0);
      const ds = await openDataset(out, { workers: false });
      expect(ds.info.dims).toEqual([6, 5, 4]);
      expect(ds.info.times).toHaveLength(2);
      expect(await ds.sample({ field: "temp", t: 1, point: [5, 4, 3] })).toBe(Math.fround(value(1, 5, 4, 3)));
    });
  });
});
