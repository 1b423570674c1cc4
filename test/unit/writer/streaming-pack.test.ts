/**
 * The streaming packer: slab-by-slab pyramids equal whole-array ones, inputs
 * beyond 2 GiB, no output left by a failed pack, long time series with large
 * metadata opening in one request, non-finite values, scalar fills as NaN.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { downsampleMean, downsampleMode } from "../../../src/core/filters";
import { levelGeometry } from "../../../src/format/grid";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { TypedArray, Vec3 } from "../../../src/shared/types";
import { readNpy } from "../../../src/writer/inputs/npy";
import type { ArrayTimestepData, DatasetSpec, SlabReader } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { CountingSource, cleanupTemp, makeSteps, prng, tempDir } from "../reader/fixtures";

afterAll(cleanupTemp);

function same(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(a[i] === b[i])) return false;
  return true;
}

describe("streaming packer", () => {
  it("builds every level slab by slab, in bands of brick rows, exactly as from whole arrays", async () => {
    const dims: Vec3 = [37, 70, 83];
    const scalar = makeSteps(dims, "f32", "scalar", 3, "rho");
    const labels = makeSteps(dims, "u16", "categorical", 4, "mat");
    const steps: ArrayTimestepData[] = scalar.map((s, i) => ({
      index: i,
      fields: { ...s.fields, ...labels[i].fields },
    }));
    const spec: DatasetSpec = {
      dims,
      fields: [
        { name: "rho", dtype: "f32", kind: "scalar" },
        { name: "mat", dtype: "u16", kind: "categorical", fill: 0 },
      ],
      times: [0, 1, 2],
    };
    const out = join(tempDir(), "slabs.fvx");
    // Bands of one 16-voxel brick row: 5 bands per slab, 6 slabs, 4 coarser levels cascading.
    const report = await packDataset(spec, steps, out, { brickSize: 16, workers: 0, bandBytes: 1 });
    expect(report.bricks.deduped).toBeGreaterThan(0);
    expect(report.bricks.delta).toBeGreaterThan(0);
    const ds = await openDataset(new MemorySource(new Uint8Array(readFileSync(out))));
    const geoms = levelGeometry(dims, 16);
    expect(ds.info.levels.length).toBe(geoms.length);
    for (const [name, kind] of [
      ["rho", "scalar"],
      ["mat", "categorical"],
    ] as const) {
      for (let t = 0; t < 3; t++) {
        let level: TypedArray = steps[t].fields[name];
        for (let k = 0; k < geoms.length; k++) {
          if (k > 0) {
            const d = geoms[k - 1].dims;
            level =
              kind === "scalar"
                ? downsampleMean(level, d, spec.fields[0].dtype)
                : downsampleMode(level, d, spec.fields[1].dtype);
          }
          const got = await ds.readRegion({
            field: name,
            t,
            level: k,
            box: { min: [0, 0, 0], max: geoms[k].dims },
          });
          expect(same(got, level), `${name} t=${t} level ${k}`).toBe(true);
        }
      }
    }
  });

  it("writes the same bytes with the WASM downsample kernels as with their JS twins (NaN, fill, categorical)", async () => {
    const dims: Vec3 = [45, 38, 29];
    const rnd = prng(11);
    const rho = new Float32Array(dims[0] * dims[1] * dims[2]);
    const temp = new Int16Array(rho.length);
    const mat = new Uint8Array(rho.length);
    for (let i = 0; i < rho.length; i++) {
      rho[i] = rnd() < 0.08 ? Number.NaN : Math.sin(i / 300) * 50 + rnd();
      temp[i] = rnd() < 0.1 ? -999 : Math.round(Math.cos(i / 500) * 3000);
      mat[i] = (i >> 9) % 3 === 0 ? Math.floor(rnd() * 4) : (i >> 11) % 5;
    }
    const spec: DatasetSpec = {
      dims,
      fields: [
        { name: "rho", dtype: "f32", kind: "scalar" },
        { name: "temp", dtype: "i16", kind: "scalar", fill: -999 },
        { name: "mat", dtype: "u8", kind: "categorical", fill: 0 },
      ],
      times: [0],
    };
    const files: Buffer[] = [];
    const old = process.env.FLATVOX_KERNELS;
    try {
      for (const k of ["js", "wasm-simd", "wasm-scalar"]) {
        process.env.FLATVOX_KERNELS = k;
        const out = join(tempDir(), `kernels-${k}.fvx`);
        await packDataset(spec, [{ index: 0, fields: { rho, temp, mat } }], out, {
          brickSize: 16,
          workers: 0,
          bandBytes: 1,
        });
        files.push(readFileSync(out));
      }
    } finally {
      if (old === undefined) delete process.env.FLATVOX_KERNELS;
      else process.env.FLATVOX_KERNELS = old;
    }
    expect(files[1].equals(files[0])).toBe(true);
    expect(files[2].equals(files[0])).toBe(true);
    // The coarse levels are the JS twins' means and modes (the kernels ran, the file did not change).
    const ds = await openDataset(new MemorySource(new Uint8Array(files[1])));
    const half: Vec3 = [23, 19, 15];
    const box = { min: [0, 0, 0] as Vec3, max: half };
    expect(
      same(await ds.readRegion({ field: "mat", t: 0, level: 1, box }), downsampleMode(mat, dims, "u8")),
    ).toBe(true);
    expect(
      same(await ds.readRegion({ field: "rho", t: 0, level: 1, box }), downsampleMean(rho, dims, "f32")),
    ).toBe(true);
  });

  it("packs a .npy of more than 2 GiB (sparse) and reads values beyond the 2 GiB offset", async () => {
    const dir = tempDir();
    const path = join(dir, "big.npy");
    const dims: Vec3 = [1024, 1024, 513]; // 2,151,677,952 bytes of f32
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (513, 1024, 1024), }";
    header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64);
    header += "\n";
    const pre = new Uint8Array(10);
    pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(pre.buffer).setUint16(8, header.length, true);
    const fd = openSync(path, "w");
    writeSync(fd, pre, 0, 10, 0);
    writeSync(fd, new TextEncoder().encode(header), 0, header.length, 10);
    const dataAt = 10 + header.length;
    const voxels = dims[0] * dims[1] * dims[2];
    const put = (x: number, y: number, z: number, v: number) =>
      writeSync(
        fd,
        new Uint8Array(new Float32Array([v]).buffer),
        0,
        4,
        dataAt + 4 * (x + dims[0] * (y + dims[1] * z)),
      );
    put(5, 6, 7, 3.5);
    put(1000, 900, 512, -2.25); // byte offset > 2^31
    put(1023, 1023, 512, 1.25); // the last voxel
    closeSync(fd);
    expect(dataAt + 4 * voxels).toBeGreaterThan(2 ** 31);
    const input = await readNpy([path]);
    const out = join(dir, "big.fvx");
    await packDataset(input.spec, input.steps, out);
    const ds = await openDataset(out);
    expect(ds.info.fields[0].range).toEqual([-2.25, 3.5]);
    expect(await ds.sample({ field: "value", t: 0, point: [5.5, 6.5, 7.5] })).toBe(3.5);
    expect(await ds.sample({ field: "value", t: 0, point: [1000.5, 900.5, 512.5] })).toBe(-2.25);
    expect(await ds.sample({ field: "value", t: 0, point: [1023.5, 1023.5, 512.5] })).toBe(1.25);
    const r = await ds.readRegion({
      field: "value",
      t: 0,
      box: { min: [998, 898, 510], max: [1002, 902, 513] },
    });
    expect(Array.from(r).filter((v) => v !== 0)).toEqual([-2.25]);
  }, 240_000);

  it("leaves no output file (and no partial file) when a pack fails midway", async () => {
    const dir = tempDir();
    const out = join(dir, "fail.fvx");
    const dims: Vec3 = [20, 20, 40];
    const good = makeSteps(dims, "f32", "scalar", 1, "v");
    const failing: SlabReader = {
      dims,
      async read(z0) {
        if (z0 >= 16) throw new Error("disk on fire");
        return good[1].fields.v.subarray(0, 20 * 20 * 16) as Float32Array;
      },
    };
    async function* steps() {
      yield good[0];
      yield { index: 1, fields: { v: failing } };
    }
    const spec: DatasetSpec = { dims, fields: [{ name: "v", dtype: "f32", kind: "scalar" }], times: [0, 1] };
    const e = await packDataset(spec, steps(), out, { brickSize: 16, workers: 0 }).catch((x: unknown) => x);
    expect(isFlatvoxError(e, "InputError")).toBe(true);
    expect((e as Error).message).toMatch(/field v, timestep 1: reading z 16\.\.31.*disk on fire/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("8000 timesteps with 16 KiB of metadata pack and open in one request", async () => {
    const dims: Vec3 = [4, 4, 2];
    const T = 8000;
    const r = prng(7);
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 64; i++) attributes[`attribute_${i}`] = "x".repeat(240) + i;
    const metadata = { title: "long run", attributes };
    expect(JSON.stringify(metadata).length).toBeGreaterThan(16 * 1024);
    const times = Array.from({ length: T }, (_, i) => i * 0.25 + 100);
    function* steps(): Generator<ArrayTimestepData> {
      for (let t = 0; t < T; t++)
        yield { index: t, fields: { h: Float32Array.from({ length: 32 }, () => r()) } };
    }
    const out = join(tempDir(), "long.fvx");
    await packDataset(
      {
        dims,
        fields: [{ name: "h", dtype: "f32", kind: "scalar" }],
        times,
        timeUnits: "hours since 2000-01-01",
        metadata,
      },
      steps(),
      out,
      { brickSize: 16, workers: 0 },
    );
    const src = new CountingSource(new Uint8Array(readFileSync(out)));
    const ds = await openDataset(src);
    expect(src.calls.length).toBe(1);
    expect(ds.info.times).toEqual(times);
    expect(ds.info.metadata).toEqual(metadata);
    expect(ds.info.timeUnits).toBe("hours since 2000-01-01");
    expect(ds.info.timeCalendar).toBe("");
    const last = await ds.readRegion({ field: "h", t: T - 1, box: { min: [0, 0, 0], max: dims } });
    expect(last.length).toBe(32);
  }, 120_000);

  it("metadata too large for the header goes to its own section instead of failing", async () => {
    const dims: Vec3 = [4, 4, 4];
    const big = { notes: "n".repeat(100_000) };
    const out = join(tempDir(), "meta.fvx");
    await packDataset(
      { dims, fields: [{ name: "a", dtype: "u8", kind: "scalar" }], times: [0], metadata: big },
      [{ index: 0, fields: { a: new Uint8Array(64).fill(3) } }],
      out,
      { brickSize: 16, workers: 0 },
    );
    const ds = await openDataset(new MemorySource(new Uint8Array(readFileSync(out))));
    expect(ds.info.metadata).toEqual(big);
  });

  it("NaN and ±Inf round-trip; ranges, brick stats and ds.stats describe the finite values", async () => {
    const dims: Vec3 = [8, 8, 8];
    const a = Float32Array.from({ length: 512 }, (_, i) => i / 10);
    a[3] = Number.POSITIVE_INFINITY;
    a[100] = Number.NEGATIVE_INFINITY;
    a[200] = Number.NaN;
    const out = join(tempDir(), "inf.fvx");
    await packDataset(
      { dims, fields: [{ name: "v", dtype: "f32", kind: "scalar" }], times: [0] },
      [{ index: 0, fields: { v: a } }],
      out,
      { brickSize: 16, workers: 0 },
    );
    const ds = await openDataset(new MemorySource(new Uint8Array(readFileSync(out))));
    expect(ds.info.fields[0].range).toEqual([0, Math.fround(51.1)]);
    const back = await ds.readRegion({ field: "v", t: 0, box: { min: [0, 0, 0], max: dims } });
    expect(same(back, a)).toBe(true);
    const s = await ds.stats({ field: "v", t: 0, box: { min: [0, 0, 0], max: dims } });
    expect(s.nanCount).toBe(3);
    expect(s.count).toBe(509);
    expect(s.min).toBe(0);
    expect(s.max).toBe(Math.fround(51.1));
    expect(s.below + s.above).toBe(0);
    expect(s.histogram!.reduce((n, c) => n + c, 0)).toBe(509);
  });

  it("a scalar field's fill becomes NaN (no data): left out of range, stats and LOD means", async () => {
    const dims: Vec3 = [4, 4, 4];
    const a = Int16Array.from({ length: 64 }, (_, i) => (i % 4 === 0 ? -999 : i));
    const out = join(tempDir(), "fill.fvx");
    await packDataset(
      { dims, fields: [{ name: "t", dtype: "i16", kind: "scalar", fill: -999 }], times: [0] },
      [{ index: 0, fields: { t: a } }],
      out,
      { brickSize: 16, workers: 0 },
    );
    const ds = await openDataset(new MemorySource(new Uint8Array(readFileSync(out))));
    const f = ds.info.fields[0];
    expect(f.dtype).toBe("f32");
    expect(Number.isNaN(f.fill)).toBe(true);
    expect(f.attributes).toEqual({ noData: { value: -999, inputDtype: "i16" } });
    expect(f.range).toEqual([1, 63]);
    const s = await ds.stats({ field: "t", t: 0, box: { min: [0, 0, 0], max: dims } });
    expect(s.count).toBe(48);
    expect(s.nanCount).toBe(16);
    expect(s.min).toBe(1);
    const back = await ds.readRegion({ field: "t", t: 0, box: { min: [0, 0, 0], max: dims } });
    for (let i = 0; i < 64; i++) expect(Object.is(back[i], i % 4 === 0 ? Number.NaN : i)).toBe(true);
  });
});

describe("metadata.source", () => {
  it("keeps file names, never directories, and stays short for long series", async () => {
    const { sourceList, sourceName } = await import("../../../src/writer/inputs/source-list");
    expect(sourceName("/home/me/run/out_0001.npy")).toBe("out_0001.npy");
    expect(sourceName("/data/a.npz:rho")).toBe("a.npz:rho");
    expect(sourceName("C:\\runs\\b.nc")).toBe("b.nc");
    expect(sourceName("http://127.0.0.1:8080/stores/s.zarr/")).toBe("s.zarr");
    const many = Array.from({ length: 2000 }, (_, i) => `/scratch/job/step_${i}.npy`);
    expect(sourceList(many)).toEqual({
      count: 2000,
      first: ["step_0.npy", "step_1.npy", "step_2.npy", "step_3.npy"],
      last: ["step_1998.npy", "step_1999.npy"],
    });
  });
});
