/**
 * Zarr input: v3 arrays written by zarrita (chunks with partial edges) and a
 * hand-written v2 array, packed and read back voxel for voxel; both axis
 * orders; groups; attributes; errors.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import FileSystemStore from "@zarrita/storage/fs";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { readZarr } from "../../../src/writer/inputs/zarr";
import type { SlabReader, TimestepData } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { startFlatvox } from "../../helpers/servers";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";
import { expectation, expectVoxels, fixture } from "./oracle";

interface Expect {
  dims: Vec3;
  steps: number;
  values?: (number | null)[][];
  units?: string;
  times?: number[];
  timeUnits?: string;
  timeCalendar?: string;
  origin?: Vec3;
  spacing?: Vec3;
  spaceUnits?: string;
  attributes?: Record<string, unknown>;
  fields?: Record<string, { units?: string; values: (number | null)[][] }>;
  leftOut?: string[];
}

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
    const input = await readZarr([dir], { arrays: ["temp"], field: "temp" });
    expect(input.spec.dims).toEqual(dims);
    expect(input.spec.times).toEqual([0, 1, 2]);
    expect(input.spec.fields[0]).toMatchObject({ name: "temp", dtype: "f32" });
    const ds = await packAndOpen(input);
    expect(ds.info.metadata.attributes).toEqual({ project: "flatvox tests" });
    expect(ds.info.fields[0]).toMatchObject({ units: "K", fill: null });
    expect(ds.info.fields[0].attributes).toEqual({ units: "K", title: "temperature from zarr" });
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
    // fill_value 0 is the value of unwritten chunks, not "no data": no fill.
    expect(input.spec.fields[0]).toMatchObject({ dtype: "u16", kind: "categorical" });
    expect(input.spec.fields[0].fill).toBeUndefined();
    const ds = await packAndOpen(input);
    const got = await ds.readRegion({ field: "label", t: 0, box: { min: [0, 0, 0], max: [4, 4, 4] } });
    let i = 0;
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(got[i++]).toBe(label(x, y, z));
  });

  it("a group without --array packs its arrays; a missing array, a plain file → InputError", async () => {
    const dir = tempDir();
    await writeV3(dir, "temp", [4, 4, 4], 1);
    expect((await readZarr([dir])).spec.fields.map((f) => f.name)).toEqual(["temp"]);
    expect(await inputFailure(readZarr([dir], { arrays: ["nope"] }))).toMatch(/not a Zarr v2 or v3 array/);
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

  it("a filter zarrita cannot decode is refused before packing, in one line naming it", async () => {
    const msg = await inputFailure(readZarr([fixture("zarr", "quantize.zarr")]));
    expect(msg).toMatch(
      /quantize\.zarr: uses the codec "numcodecs\.quantize", which zarrita cannot decode; rewrite/,
    );
    expect(msg).not.toMatch(/\n/);
  });

  it("zarr-python v2 arrays in C and in F order read voxel for voxel", async () => {
    for (const name of ["order_c", "order_f"]) {
      const exp = expectation<Expect>("zarr", `${name}.expect.json`);
      const input = await readZarr([fixture("zarr", `${name}.zarr`)]);
      expect(input.spec.dims).toEqual(exp.dims);
      expect(input.spec.fields[0]).toMatchObject({ name: "value", dtype: "f32", units: "K" });
      expect(input.spec.fields[0].fill, "fill_value 0 is not no data").toBeUndefined();
      const ds = await packAndOpen(input);
      await expectVoxels(ds, "value", exp.values!);
    }
  });

  it("a v3 array with a transpose codec reads through its strides", async () => {
    const dir = tempDir();
    const [nx, ny, nz] = [5, 4, 3];
    const arr = await zarr.create(new FileSystemStore(dir), {
      shape: [nz, ny, nx],
      chunkShape: [2, 3, 4],
      dtype: "int32",
      codecs: [
        { name: "transpose", configuration: { order: [2, 0, 1] } },
        { name: "bytes", configuration: { endian: "big" } },
      ],
    });
    const data = new Int32Array(nx * ny * nz);
    for (let z = 0, i = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[i++] = x * 10000 - y * 100 + z;
    await zarr.set(arr, null, { data, shape: [nz, ny, nx], stride: [ny * nx, nx, 1] });
    const ds = await packAndOpen(await readZarr([dir], { dtype: "f32" }));
    await expectVoxels(ds, "value", [Array.from(data)]);
  });

  it("an xarray-style group: two fields with names, units, CF decoding, coordinates and times", async () => {
    const exp = expectation<Expect>("zarr", "group.expect.json");
    const input = await readZarr([fixture("zarr", "group.zarr")]);
    const { spec } = input;
    expect(spec.dims).toEqual(exp.dims);
    expect(spec.times).toEqual(exp.times);
    expect(spec).toMatchObject({
      timeUnits: exp.timeUnits,
      timeCalendar: exp.timeCalendar,
      origin: exp.origin,
      spacing: exp.spacing,
      spaceUnits: exp.spaceUnits,
    });
    expect(spec.fields.map((f) => f.name).sort()).toEqual(Object.keys(exp.fields!).sort());
    const notes = JSON.stringify(spec.metadata?.notes);
    for (const left of exp.leftOut!) expect(notes).toContain(left);
    const ds = await packAndOpen(input);
    expect(ds.info.metadata.attributes).toMatchObject({
      ...exp.attributes,
      axes: { x: { name: "x", units: "m" }, y: { name: "y", units: "m" }, z: { name: "z", units: "m" } },
    });
    expect(ds.info.metadata.source).toEqual(["group.zarr"]);
    for (const [name, f] of Object.entries(exp.fields!)) {
      const info = ds.info.fields.find((x) => x.name === name)!;
      expect(info).toMatchObject({ units: f.units, dtype: "f32" });
      expect(info.fill, `${name}: no data is NaN`).toBeNaN();
      expect(info.attributes).not.toHaveProperty("_ARRAY_DIMENSIONS");
      await expectVoxels(ds, name, f.values);
    }
    expect(ds.info.fields.find((f) => f.name === "rho")?.attributes).toMatchObject({
      scale_factor: 0.01,
      add_offset: 1000,
      _FillValue: -32767,
    });
    // One named array; an off-grid one named is refused; a 2D one named is refused.
    const one = await readZarr([fixture("zarr", "group.zarr")], { arrays: ["rho"] });
    expect(one.spec.fields.map((f) => f.name)).toEqual(["rho"]);
    expect(
      await inputFailure(readZarr([fixture("zarr", "group.zarr")], { arrays: ["rho", "coarse"] })),
    ).toMatch(/different grids: rho .*coarse/);
    expect(await inputFailure(readZarr([fixture("zarr", "group.zarr")], { arrays: ["surface"] }))).toMatch(
      /expected a 3D/,
    );
  });

  it("OME-Zarr (NGFF 0.4): level 0, one field per channel, scale/translation/units, times", async () => {
    const exp = expectation<Expect>("zarr", "ome.expect.json");
    const input = await readZarr([fixture("zarr", "ome.zarr")]);
    expect(input.spec).toMatchObject({
      dims: exp.dims,
      times: exp.times,
      timeUnits: exp.timeUnits,
      spacing: exp.spacing,
      origin: exp.origin,
      spaceUnits: exp.spaceUnits,
    });
    expect(input.spec.fields.map((f) => [f.name, f.dtype])).toEqual([
      ["DAPI", "u16"],
      ["GFP", "u16"],
    ]);
    const ds = await packAndOpen(input);
    for (const [name, f] of Object.entries(exp.fields!)) await expectVoxels(ds, name, f.values);
    const gfp = await readZarr([fixture("zarr", "ome.zarr")], { channel: "GFP" });
    expect(gfp.spec.fields.map((f) => f.name)).toEqual(["GFP"]);
    expect((await readZarr([fixture("zarr", "ome.zarr")], { channel: "0" })).spec.fields[0].name).toBe(
      "DAPI",
    );
    expect(await inputFailure(readZarr([fixture("zarr", "ome.zarr")], { channel: "RFP" }))).toMatch(
      /no channel 'RFP' \(has: 0 DAPI, 1 GFP\)/,
    );
  });

  it("non-uniform coordinates are refused naming the axis (or indexGrid); descending ones are stored reversed", async () => {
    const dir = tempDir();
    const store = new FileSystemStore(dir);
    const root = await zarr.create(store, { attributes: {} });
    const coord = async (name: string, values: number[]) => {
      const a = await zarr.create(root.resolve(name), {
        shape: [values.length],
        chunkShape: [values.length],
        dtype: "float64",
        dimensionNames: [name],
        attributes: { units: "km" },
      });
      await zarr.set(a, null, { data: new Float64Array(values), shape: [values.length], stride: [1] });
    };
    await coord("z", [0, 1, 2]);
    await coord("y", [0, 1, 2, 3]);
    await coord("x", [0, 1, 2, 4]);
    const v = await zarr.create(root.resolve("v"), {
      shape: [3, 4, 4],
      chunkShape: [3, 4, 4],
      dtype: "float32",
      dimensionNames: ["z", "y", "x"],
    });
    await zarr.set(v, null, { data: new Float32Array(48), shape: [3, 4, 4], stride: [16, 4, 1] });
    expect(await inputFailure(readZarr([dir]))).toMatch(
      /coordinate x \(the x axis\) is not uniform.*cdo remapbil.*--index-grid/,
    );
    const idx = await readZarr([dir], { indexGrid: true });
    expect(JSON.stringify(idx.spec.metadata?.notes)).toMatch(/x \(the x axis\) is not uniform/);
    expect(idx.spec.origin).toEqual([0, -0.5, -0.5]); // x indexed, y and z from their coordinates
    // Descending coordinates on every axis: stored reversed (ascending), values moved with them.
    await coord("z", [20, 10, 0]);
    await coord("y", [3, 2, 1, 0]);
    await coord("x", [1.5, 1, 0.5, 0]);
    const file = new Float32Array(48).map((_, i) => i); // file index = x + 4 (y + 4 z)
    await zarr.set(v, null, { data: file, shape: [3, 4, 4], stride: [16, 4, 1] });
    const flipped = await readZarr([dir]);
    expect(flipped.spec).toMatchObject({
      origin: [-0.25, -0.5, -5],
      spacing: [0.5, 1, 10],
      spaceUnits: "km",
    });
    expect(JSON.stringify(flipped.spec.metadata?.notes)).toMatch(
      /x \(the x axis\) descends.*stored reversed/,
    );
    const want: number[] = [];
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) want.push(3 - x + 4 * (3 - y + 4 * (2 - z)));
    await expectVoxels(await packAndOpen(flipped), "v", [want]);
    // A partial slab of a flipped grid: z 1..2, y 1..2.
    for await (const st of (await readZarr([dir])).steps as AsyncIterable<TimestepData>) {
      const part = await (st.fields.v as SlabReader).read(1, 2, 1, 2);
      const expectPart: number[] = [];
      for (let z = 1; z < 3; z++)
        for (let y = 1; y < 3; y++) for (let x = 0; x < 4; x++) expectPart.push(want[x + 4 * (y + 4 * z)]);
      expect(Array.from(part)).toEqual(expectPart);
    }
  });

  it("a remote store over HTTP (loopback server) reads like the local one", async () => {
    const server = await startFlatvox(fixture("zarr"));
    try {
      for (const name of ["order_f", "group", "ome"]) {
        const exp = expectation<Expect>("zarr", `${name}.expect.json`);
        const input = await readZarr([`${server.url}${name}.zarr`]);
        expect(input.spec.dims).toEqual(exp.dims);
        const ds = await packAndOpen(input);
        if (exp.values) await expectVoxels(ds, "value", exp.values);
        for (const [field, f] of Object.entries(exp.fields ?? {})) await expectVoxels(ds, field, f.values);
      }
      const log = await server.log();
      expect(log.some((r) => r.url.includes("group.zarr/.zmetadata"))).toBe(true);
      // Slab by slab, one z at a time: every chunk (2 z deep) is fetched once.
      await server.clearLog();
      const group = await readZarr([`${server.url}group.zarr`], { arrays: ["temp"] });
      for await (const s of group.steps as AsyncIterable<TimestepData>) {
        const r = s.fields.temp as SlabReader;
        for (let z = 0; z < 4; z++) await r.read(z, 1, 0, 5);
      }
      const chunkGets = (await server.log()).filter((r) => /temp\/\d+\.\d+\.\d+\.\d+$/.test(r.url));
      expect(chunkGets).toHaveLength(3 * 2 * 2 * 2); // T × z-chunks × y-chunks × x-chunks
      expect(new Set(chunkGets.map((r) => r.url)).size).toBe(chunkGets.length);
      expect(await inputFailure(readZarr([`${server.url}missing.zarr`]))).toMatch(/not a Zarr v2 or v3/);
    } finally {
      await server.stop();
    }
  });

  it("flatvox pack reads a remote store URL", async () => {
    const server = await startFlatvox(fixture("zarr"));
    try {
      const out = join(tempDir(), "remote.fvx");
      // Asynchronously: the server runs in this process.
      const r = await new Promise<{ status: number | null; stderr: string }>((done) => {
        const child = spawn(
          process.execPath,
          [
            "bin/flatvox.js",
            "pack",
            `${server.url}group.zarr`,
            "--array",
            "temp",
            "--array",
            "rho",
            "-o",
            out,
            "-q",
          ],
          { stdio: ["ignore", "ignore", "pipe"] },
        );
        let stderr = "";
        child.stderr.on("data", (b) => {
          stderr += b;
        });
        child.on("close", (status) => done({ status, stderr }));
      });
      expect(r.status, r.stderr).toBe(0);
      const ds = await openDataset(out, { workers: false });
      expect(ds.info.fields.map((f) => f.name)).toEqual(["temp", "rho"]);
      expect(ds.info.times).toEqual([0, 6, 24]);
    } finally {
      await server.stop();
    }
  });

  it("fill_value is data (unwritten chunks) unless the attributes say _FillValue", async () => {
    const dir = tempDir();
    const root = await zarr.create(new FileSystemStore(dir), { attributes: {} });
    const make = async (name: string, attributes: Record<string, unknown>) => {
      const a = await zarr.create(root.resolve(name), {
        shape: [4, 4, 4],
        chunkShape: [2, 4, 4],
        dtype: "int16",
        fillValue: 7,
        attributes,
      });
      // Only the first chunk (z 0..1) is written; z 2..3 read as fill_value 7.
      const data = new Int16Array(32).map((_, i) => (i % 5 === 0 ? -999 : i));
      await zarr.set(a, [zarr.slice(0, 2), null, null], { data, shape: [2, 4, 4], stride: [16, 4, 1] });
      return data;
    };
    const written = await make("plain", {});
    await make("flagged", { _FillValue: -999, units: "counts" });
    const input = await readZarr([dir]);
    const plain = input.spec.fields.find((f) => f.name === "plain")!;
    const flagged = input.spec.fields.find((f) => f.name === "flagged")!;
    expect(plain).toMatchObject({ dtype: "i16" });
    expect(plain.fill).toBeUndefined();
    expect(flagged).toMatchObject({ dtype: "i16", fill: -999, units: "counts" });
    const ds = await packAndOpen(input);
    const want = [...Array.from(written), ...new Array(32).fill(7)];
    await expectVoxels(ds, "plain", [want]);
    await expectVoxels(ds, "flagged", [want.map((v) => (v === -999 ? null : v))]);
    expect(ds.info.fields.find((f) => f.name === "flagged")?.range).toEqual([1, 31]);
    expect(ds.info.fields.find((f) => f.name === "plain")?.range).toEqual([-999, 31]);
  });

  it("OME-NGFF 0.5 (multiscales under 'ome', Zarr v3) and a single-channel image", async () => {
    const dir = tempDir();
    const root = await zarr.create(new FileSystemStore(dir), {
      attributes: {
        ome: {
          version: "0.5",
          multiscales: [
            {
              axes: [
                { name: "c", type: "channel" },
                { name: "z", type: "space", unit: "millimeter" },
                { name: "y", type: "space", unit: "millimeter" },
                { name: "x", type: "space", unit: "millimeter" },
              ],
              datasets: [
                { path: "s0", coordinateTransformations: [{ type: "scale", scale: [1, 2, 1, 0.5] }] },
              ],
              coordinateTransformations: [{ type: "translation", translation: [0, 10, 20, 30] }],
            },
          ],
        },
      },
    });
    const [nx, ny, nz] = [6, 5, 4];
    const a = await zarr.create(root.resolve("s0"), {
      shape: [1, nz, ny, nx],
      chunkShape: [1, 2, 5, 3],
      dtype: "float32",
      dimensionNames: ["c", "z", "y", "x"],
    });
    const data = new Float32Array(nx * ny * nz).map((_, i) => i * 0.25 - 3);
    await zarr.set(a, null, { data, shape: [1, nz, ny, nx], stride: [nz * ny * nx, ny * nx, nx, 1] });
    const input = await readZarr([dir]);
    expect(input.spec).toMatchObject({
      dims: [nx, ny, nz],
      spacing: [0.5, 1, 2],
      origin: [30 - 0.25, 20 - 0.5, 10 - 1],
      spaceUnits: "millimeter",
      times: [0],
    });
    expect(input.spec.fields.map((f) => [f.name, f.dtype, f.fill])).toEqual([["value", "f32", undefined]]);
    const ds = await packAndOpen(input);
    await expectVoxels(ds, "value", [Array.from(data)]);
  });

  it("a larger transposed array packs band by band (several brick rows in z and y) voxel for voxel", async () => {
    const dir = tempDir();
    const [nx, ny, nz, T] = [37, 35, 33, 2];
    const arr = await zarr.create(new FileSystemStore(dir), {
      shape: [T, nz, ny, nx],
      chunkShape: [1, 5, 7, 9],
      dtype: "uint16",
      codecs: [
        { name: "transpose", configuration: { order: [0, 3, 1, 2] } },
        { name: "bytes", configuration: { endian: "little" } },
      ],
    });
    const data = new Uint16Array(T * nz * ny * nx);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) % 65521;
    await zarr.set(arr, null, { data, shape: [T, nz, ny, nx], stride: [nz * ny * nx, ny * nx, nx, 1] });
    const input = await readZarr([dir]);
    // Count the slabs the packer asks for.
    const calls: number[][] = [];
    const inner = input.steps as AsyncIterable<TimestepData>;
    input.steps = {
      async *[Symbol.asyncIterator]() {
        for await (const st of inner) {
          const r = st.fields.value as SlabReader;
          yield {
            index: st.index,
            fields: {
              value: {
                read: (z0: number, n: number, y0: number, m: number) => {
                  calls.push([z0, n, y0, m]);
                  return r.read(z0, n, y0, m);
                },
              },
            },
          };
        }
      },
    };
    const ds = await packAndOpen(input);
    expect(calls.filter((c) => c[0] > 0).length, JSON.stringify(calls)).toBeGreaterThan(0);
    const v = nx * ny * nz;
    await expectVoxels(ds, "value", [Array.from(data.subarray(0, v)), Array.from(data.subarray(v))]);
  });

  it("in a group of 4D fields: a (z, y, x) array repeats over time, a (time, y, x) one is left out (refused when named)", async () => {
    const dir = tempDir();
    const root = await zarr.create(new FileSystemStore(dir), { attributes: {} });
    const make = async (name: string, shape: number[], dimensionNames: string[]) => {
      const a = await zarr.create(root.resolve(name), {
        shape,
        chunkShape: shape,
        dtype: "float32",
        dimensionNames,
      });
      const n = shape.reduce((x, y) => x * y, 1);
      const stride = shape.map((_, k) => shape.slice(k + 1).reduce((x, y) => x * y, 1));
      await zarr.set(a, null, { data: new Float32Array(n).fill(1), shape, stride });
    };
    await make("theta", [2, 3, 4, 5], ["time", "z", "y", "x"]);
    await make("sst", [2, 4, 5], ["time", "y", "x"]);
    await make("depth", [3, 4, 5], ["z", "y", "x"]);
    await make("theta_c", [2, 3, 4, 6], ["time", "z", "y", "x"]);
    const input = await readZarr([dir]);
    // depth has no time axis: repeated at both timesteps; theta_c is on another grid.
    expect(input.spec.fields.map((f) => f.name)).toEqual(["depth", "theta"]);
    expect(input.spec.times).toEqual([0, 1]);
    const ds = await packAndOpen(input);
    await expectVoxels(ds, "depth", [new Array(60).fill(1), new Array(60).fill(1)]);
    expect(JSON.stringify(input.spec.metadata?.notes)).toMatch(
      /theta_c \(6×4×3, 2 steps\) off the common grid/,
    );
    expect(JSON.stringify(input.spec.metadata?.notes)).toMatch(/sst \(time, y, x: 2×4×5\)/);
    expect(await inputFailure(readZarr([dir], { arrays: ["sst"] }))).toMatch(/do not give three space axes/);
  });
});
