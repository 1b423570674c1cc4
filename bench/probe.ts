/**
 * Values over time ("probe") and single-timestep regions over loopback HTTP:
 * .fvx with and without the probe index (docs/FORMAT.md §16) against Zarr v3
 * arrays of the same field with 1×64³ chunks and T×32³ chunks (zarrita,
 * FetchStore), all served by the same counting server (`flatvox serve`'s range
 * handler) in one process. Every run is cold (new source or store, open, then
 * the read); readers are interleaved, their order rotating run by run; wall
 * times are medians; requests and bytes are counted on the server.
 *
 * Cases: a one-voxel probe over all timesteps, a 4³-box probe, and one 128³
 * region (the whole grid at 128³) of one timestep.
 *
 * Usage: npx tsx bench/probe.ts [--size 128] [--steps 24] [--runs 5] [--seed 1]
 * Prints JSON.
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import * as zarr from "zarrita";
import { grayScottDemo } from "../src/demo/gray-scott";
import { createSource } from "../src/io/create-source";
import { openDataset } from "../src/reader";
import type { Box3, Vec3 } from "../src/shared/types";
import { packDataset } from "../src/writer/packer";
import { type Counts, startCountingServer } from "./lib/counting-server";
import { BENCH_CACHE } from "./lib/demo-data";
import { argNumber, environment, median, printJson } from "./lib/report";
import { writeChunkedZarr } from "./lib/zarr-chunked";

const size = argNumber("size", 128);
const steps = argNumber("steps", 24);
const runs = argNumber("runs", 5);
const seed = argNumber("seed", 1);

async function ensurePacked(probe: boolean): Promise<string> {
  const path = join(BENCH_CACHE, `probe-gray-scott-${size}-t${steps}-s${seed}${probe ? "-probe" : ""}.fvx`);
  if (existsSync(path)) return path;
  mkdirSync(BENCH_CACHE, { recursive: true });
  const demo = grayScottDemo({ size, steps, seed });
  const tmp = `${path}.${process.pid}.tmp`;
  await packDataset(demo.spec, demo.steps, tmp, { brickSize: 64, ...(probe ? { probe: true } : {}) });
  renameSync(tmp, path);
  return path;
}

type Reader = "fvxProbeIndex" | "fvxToday" | "zarr1x64" | "zarrTx32";
const READERS: Reader[] = ["fvxProbeIndex", "fvxToday", "zarr1x64", "zarrTx32"];

interface Case {
  name: string;
  kind: "probe" | "region";
  box: Box3;
  t?: number;
}

async function main() {
  const withIndex = await ensurePacked(true);
  const today = await ensurePacked(false);
  const local = await openDataset(today);
  const T = local.info.times.length;
  const zdirs: Record<string, string> = {
    zarr1x64: join(BENCH_CACHE, "zarr", `${basename(today, ".fvx")}-1x64`),
    zarrTx32: join(BENCH_CACHE, "zarr", `${basename(today, ".fvx")}-${T}x32`),
  };
  const zarrBytes = {
    zarr1x64: await writeChunkedZarr(local, 0, zdirs.zarr1x64, 1, 64),
    zarrTx32: await writeChunkedZarr(local, 0, zdirs.zarrTx32, T, 32),
  };
  const server = await startCountingServer({
    "/fvx/": BENCH_CACHE,
    "/z1/": zdirs.zarr1x64,
    "/zt/": zdirs.zarrTx32,
  });
  const urls: Record<Reader, string> = {
    fvxProbeIndex: `${server.url}fvx/${basename(withIndex)}`,
    fvxToday: `${server.url}fvx/${basename(today)}`,
    zarr1x64: `${server.url}z1/`,
    zarrTx32: `${server.url}zt/`,
  };
  const c = size >> 1;
  const p: Vec3 = [c + 3, c - 5, c + 1];
  const cases: Case[] = [
    { name: "probeVoxel", kind: "probe", box: { min: p, max: [p[0] + 1, p[1] + 1, p[2] + 1] } },
    { name: "probeBox4", kind: "probe", box: { min: p, max: [p[0] + 4, p[1] + 4, p[2] + 4] } },
    { name: "region128OneStep", kind: "region", t: T >> 1, box: { min: [0, 0, 0], max: local.info.dims } },
  ];

  const run = async (r: Reader, k: Case): Promise<{ ms: number; counts: Counts; sum: number }> => {
    server.reset();
    const t0 = performance.now();
    let sum = 0;
    const { min, max } = k.box;
    if (r.startsWith("fvx")) {
      const ds = await openDataset(createSource(urls[r]));
      if (k.kind === "probe") {
        const res = await ds.probe({ field: 0, box: k.box });
        if (res.source !== (r === "fvxProbeIndex" ? "probe-index" : "bricks"))
          throw new Error(`${r}: ${res.source}`);
        for (const v of res.values) for (const x of v) sum += x;
      } else {
        const v = await ds.readRegion({ field: 0, t: k.t!, box: k.box });
        for (const x of v) sum += x;
      }
    } else {
      const arr = await zarr.open.v3(new zarr.FetchStore(urls[r]), { kind: "array" });
      const sel = [
        k.kind === "probe" ? null : k.t!,
        zarr.slice(min[2], max[2]),
        zarr.slice(min[1], max[1]),
        zarr.slice(min[0], max[0]),
      ];
      const got = await zarr.get(arr, sel);
      for (const x of got.data as Float32Array) sum += x;
    }
    return { ms: performance.now() - t0, counts: server.counts(), sum };
  };

  const results: Record<string, Record<string, unknown>> = {};
  for (const k of cases) {
    const times: Record<Reader, number[]> = { fvxProbeIndex: [], fvxToday: [], zarr1x64: [], zarrTx32: [] };
    const counts = {} as Record<Reader, Counts>;
    const sums = {} as Record<Reader, number>;
    for (let i = 0; i < runs; i++) {
      const order = READERS.map((_, j) => READERS[(i + j) % READERS.length]);
      for (const r of order) {
        const x = await run(r, k);
        times[r].push(x.ms);
        counts[r] = x.counts;
        sums[r] = x.sum;
      }
    }
    // Every reader saw the same values (sums agree to float rounding).
    const ref = sums.fvxToday;
    for (const r of READERS)
      if (Math.abs(sums[r] - ref) > 1e-3 * Math.max(1, Math.abs(ref)))
        throw new Error(`${k.name}: ${r} sum ${sums[r]} ≠ ${ref}`);
    const row: Record<string, unknown> = {};
    for (const r of READERS) row[r] = { ...counts[r], ms: Number(median(times[r]).toFixed(1)) };
    const a = counts.fvxProbeIndex;
    const z = counts.zarrTx32;
    row.fvxProbeIndexVsZarrTx32 = {
      requests: Number((a.requests / z.requests).toFixed(2)),
      bytes: Number((a.bytes / z.bytes).toFixed(2)),
      ms: Number((median(times.fvxProbeIndex) / median(times.zarrTx32)).toFixed(2)),
    };
    row.fvxProbeIndexVsToday = {
      requests: Number((a.requests / counts.fvxToday.requests).toFixed(2)),
      bytes: Number((a.bytes / counts.fvxToday.bytes).toFixed(2)),
    };
    results[k.name] = row;
  }
  const { statSync } = await import("node:fs");
  printJson({
    bench: "probe",
    dataset: { kind: "gray-scott", dims: local.info.dims, timesteps: T, dtype: local.info.fields[0].dtype },
    files: {
      fvxProbeIndex: statSync(withIndex).size,
      fvxToday: statSync(today).size,
      zarr1x64: zarrBytes.zarr1x64.bytes,
      zarrTx32: zarrBytes.zarrTx32.bytes,
    },
    runs,
    results,
    environment: environment(),
  });
  await server.stop();
}

await main();
