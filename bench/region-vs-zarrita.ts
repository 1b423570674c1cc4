/**
 * Region reads over loopback HTTP: flatvox's reader vs zarrita on the same
 * bricks stored as a sharded Zarr v3 array (see lib/zarr-sharded.ts), served
 * by the same server: one nginx (default when installed; `--server nginx`),
 * or `flatvox serve`'s range handler in this process (`--server serve`).
 *
 * Every run is cold for both: a new source/store, open, then one region of
 * level 0 of one timestep. Readers alternate order run by run; wall times are
 * medians. Requests and bytes are counted on the server. zarrita runs twice:
 * as configured by default (FetchStore: HEAD + ranged GET for a shard index,
 * one GET per chunk) and with its opt-in `withRangeCoalescing` (32 KiB gaps).
 *
 * "open" is everything up to a handle on the data (our one request; zarrita's
 * zarr.json); "region" is what the read itself costs; "total" is both.
 * Besides wall time, each run's CPU time of this process (all its threads:
 * decode workers included; with nginx the server is outside it) is reported,
 * a figure a loaded machine disturbs much less than wall time.
 *
 * The default dataset is a 256³ × 4 f32 field with structure and noise
 * (bench/lib/structured-field.ts); the regions are one 64³ brick (aligned),
 * 100³ unaligned (straddling 8 bricks), a 256×256×32 slab and the full step.
 * Both readers run with default options (flatvox: `openDataset(url)`).
 * `--demos` adds the demo datasets (gray-scott, material-world) as before.
 *
 * Usage: npx tsx bench/region-vs-zarrita.ts [--runs 9] [--server nginx|serve] [--structured-size 256] [--t 3]
 *        [--demos] [--size 128] [--steps 4] [--gray-scott path.fvx] [--material-world path.fvx]
 * Prints JSON.
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { basename, dirname, join } from "node:path";
import * as zarr from "zarrita";
import { createSource } from "../src/io/create-source";
import { openDataset } from "../src/reader";
import { asBytes, type Box3, type TypedArray } from "../src/shared/types";
import {
  type CountingServer,
  type Counts,
  startCountingNginx,
  startCountingServer,
} from "./lib/counting-server";
import { BENCH_CACHE, type DemoKind, ensureDemo } from "./lib/demo-data";
import { argNumber, argString, environment, median, printJson, ratio, summarize } from "./lib/report";
import { ensureStructured } from "./lib/structured-field";
import { writeShardedZarr } from "./lib/zarr-sharded";

const nginxInstalled = () => ["/usr/sbin/nginx", "/usr/bin/nginx"].some((p) => existsSync(p));

type Reader = "flatvox" | "zarrita" | "zarritaCoalescing";
type Kind = DemoKind | "structured";
const READERS: Reader[] = ["flatvox", "zarrita", "zarritaCoalescing"];

type Server = CountingServer & { settle?(): Promise<void> };

interface RunResult {
  openMs: number;
  regionMs: number;
  /** CPU time of this process (all threads) during the region read. */
  regionCpuMs: number;
  open: Counts;
  region: Counts;
  data: TypedArray;
}

const diff = (a: Counts, b: Counts): Counts => ({
  requests: a.requests - b.requests,
  heads: a.heads - b.heads,
  bytes: a.bytes - b.bytes,
});

const cpuMs = (): number => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1000;
};

async function readFlatvox(server: Server, url: string, prefix: string, t: number, box: Box3) {
  await server.settle?.();
  server.reset();
  const t0 = performance.now();
  const ds = await openDataset(createSource(url));
  const t1 = performance.now();
  await server.settle?.();
  const open = server.counts(prefix);
  const c1 = cpuMs();
  const t2 = performance.now();
  const data = await ds.readRegion({ field: 0, t, level: 0, box });
  const t3 = performance.now();
  const regionCpuMs = cpuMs() - c1;
  await server.settle?.();
  return {
    openMs: t1 - t0,
    regionMs: t3 - t2,
    regionCpuMs,
    open,
    region: diff(server.counts(prefix), open),
    data,
  };
}

async function readZarrita(
  server: Server,
  url: string,
  prefix: string,
  t: number,
  box: Box3,
  coalesce: boolean,
): Promise<RunResult> {
  await server.settle?.();
  server.reset();
  const t0 = performance.now();
  const fetchStore = new zarr.FetchStore(url);
  const store = coalesce ? zarr.withRangeCoalescing(fetchStore) : fetchStore;
  const arr = await zarr.open.v3(store, { kind: "array" });
  const t1 = performance.now();
  await server.settle?.();
  const open = server.counts(prefix);
  const c1 = cpuMs();
  const t1b = performance.now();
  const { min, max } = box;
  const chunk = await zarr.get(arr, [
    t,
    zarr.slice(min[2], max[2]),
    zarr.slice(min[1], max[1]),
    zarr.slice(min[0], max[0]),
  ]);
  const t2 = performance.now();
  const regionCpuMs = cpuMs() - c1;
  await server.settle?.();
  return {
    openMs: t1 - t0,
    regionMs: t2 - t1b,
    regionCpuMs,
    open,
    region: diff(server.counts(prefix), open),
    data: chunk.data as unknown as TypedArray,
  };
}

function sameBytes(a: TypedArray, b: TypedArray): boolean {
  return Buffer.compare(asBytes(a), asBytes(b)) === 0;
}

/** The cases on an n³ grid: one aligned brick, 100³ unaligned, a 32-deep slab, everything. */
export function structuredRegions(dims: Box3["max"]): Record<string, Box3> {
  const c = dims.map((d) => d >> 1);
  const slabZ = Math.max(0, c[2] - 16);
  return {
    aligned64: { min: [0, 0, 0], max: dims.map((d) => Math.min(d, 64)) as Box3["max"] },
    unaligned100: {
      min: c.map((v) => Math.max(0, v - 50)) as Box3["min"],
      max: c.map((v, i) => Math.min(dims[i], v + 50)) as Box3["max"],
    },
    slab256x256x32: { min: [0, 0, slabZ], max: [dims[0], dims[1], Math.min(dims[2], slabZ + 32)] },
    full: { min: [0, 0, 0], max: dims },
  };
}

async function benchDataset(kind: Kind, fvxPath: string, runs: number, tArg: number, serverKind: string) {
  const local = await openDataset(fvxPath);
  const { dims } = local.info;
  const t = Math.min(tArg, local.info.times.length - 1);
  const zarrDir = join(BENCH_CACHE, "zarr", basename(fvxPath, ".fvx"));
  const written = await writeShardedZarr(local, 0, zarrDir);
  const mounts = { "/fvx/": dirname(fvxPath), "/zarr/": zarrDir };
  const server: Server =
    serverKind === "nginx" ? await startCountingNginx(mounts) : await startCountingServer(mounts);
  const fvxPrefix = `/fvx/${basename(fvxPath)}`;
  const zarrPrefix = "/zarr/";
  const fvxUrl = `${server.url}fvx/${basename(fvxPath)}`;
  const zarrUrl = `${server.url}zarr/`;

  const regions: Record<string, Box3> =
    kind === "structured"
      ? structuredRegions(dims)
      : {
          full: { min: [0, 0, 0], max: dims },
          sub64: {
            min: dims.map((d) => Math.max(0, (d >> 1) - 32)) as Box3["min"],
            max: dims.map((d) => Math.min(d, (d >> 1) + 32)) as Box3["max"],
          },
          sub64Aligned: { min: [0, 0, 0], max: dims.map((d) => Math.min(d, 64)) as Box3["max"] },
        };

  const out: Record<string, unknown> = {};
  for (const [name, box] of Object.entries(regions)) {
    const read = (r: Reader) =>
      r === "flatvox"
        ? readFlatvox(server, fvxUrl, fvxPrefix, t, box)
        : readZarrita(server, zarrUrl, zarrPrefix, t, box, r === "zarritaCoalescing");
    // Warm-up (JIT, codec initialisation, connections), and the equality check.
    const expected = await local.readRegion({ field: 0, t, level: 0, box });
    const equal: Record<string, boolean> = {};
    for (const r of READERS) equal[r] = sameBytes((await read(r)).data, expected);

    const results: Record<Reader, RunResult[]> = { flatvox: [], zarrita: [], zarritaCoalescing: [] };
    for (let run = 0; run < runs; run++) {
      for (let k = 0; k < READERS.length; k++) {
        const r = READERS[(k + run) % READERS.length];
        const res = await read(r);
        res.data = new Uint8Array(0); // drop references early
        results[r].push(res);
      }
    }
    const last = (r: Reader) => results[r][results[r].length - 1];
    const openMs = (r: Reader) => results[r].map((x) => x.openMs);
    const regionMs = (r: Reader) => results[r].map((x) => x.regionMs);
    const regionCpuMs = (r: Reader) => results[r].map((x) => x.regionCpuMs);
    const totalMs = (r: Reader) => results[r].map((x) => x.openMs + x.regionMs);
    const per = Object.fromEntries(
      READERS.map((r) => {
        const { open, region } = last(r);
        const reg = summarize(regionMs(r));
        return [
          r,
          {
            openRequests: open.requests,
            openBytes: open.bytes,
            openMs: summarize(openMs(r)).median,
            regionRequests: region.requests,
            regionHeads: region.heads,
            regionBytes: region.bytes,
            regionMs: reg.median,
            regionMsRange: [reg.min, reg.max],
            regionCpuMs: median(regionCpuMs(r)),
            totalRequests: open.requests + region.requests,
            totalMs: summarize(totalMs(r)).median,
          },
        ];
      }),
    );
    const ratios = (base: Reader) => ({
      regionRequests: ratio(last("flatvox").region.requests, last(base).region.requests),
      regionMs: ratio(median(regionMs("flatvox")), median(regionMs(base))),
      regionCpuMs: ratio(median(regionCpuMs("flatvox")), median(regionCpuMs(base))),
      regionBytes: ratio(last("flatvox").region.bytes, last(base).region.bytes),
      totalRequests: ratio(
        last("flatvox").open.requests + last("flatvox").region.requests,
        last(base).open.requests + last(base).region.requests,
      ),
      totalMs: ratio(median(totalMs("flatvox")), median(totalMs(base))),
    });
    out[name] = {
      box: `[${box.min[0]},${box.max[0]})×[${box.min[1]},${box.max[1]})×[${box.min[2]},${box.max[2]})`,
      identicalToLocal: equal,
      ...per,
      ratioVsZarrita: ratios("zarrita"),
      ratioVsZarritaCoalescing: ratios("zarritaCoalescing"),
    };
  }
  await server.stop();
  await local.source.close?.();
  return {
    dataset: kind,
    fvx: { path: fvxPath, bytes: local.info.size },
    zarr: {
      dir: zarrDir,
      shardBytes: written.bytes,
      chunks: written.chunks,
      emptyChunks: written.emptyChunks,
    },
    dims,
    brickSize: local.info.brickSize,
    field: { name: local.info.fields[0].name, dtype: local.info.fields[0].dtype },
    t,
    ...out,
  };
}

async function main() {
  const runs = argNumber("runs", 9);
  const size = argNumber("size", 128);
  const steps = argNumber("steps", 4);
  const t = argNumber("t", 3);
  const loadavgAtStart = loadavg().map((x) => Number(x.toFixed(2)));
  const datasets = [];
  const serverKind = argString("server") ?? (nginxInstalled() ? "nginx" : "serve");
  const structured = await ensureStructured({ size: argNumber("structured-size", 256), steps: 4 });
  datasets.push(await benchDataset("structured", structured, runs, t, serverKind));
  if (process.argv.includes("--demos"))
    for (const kind of ["gray-scott", "material-world"] as const) {
      const path = argString(kind) ?? (await ensureDemo(kind, { size, steps }));
      datasets.push(await benchDataset(kind, path, runs, t, serverKind));
    }
  printJson({
    bench: "region-vs-zarrita",
    goal: "flatvox ≤ 0.5× zarrita's requests and ≤ 0.7× its time (brief §7)",
    transport: `loopback HTTP/1.1, ${serverKind === "nginx" ? "one nginx (worker_processes 1, sendfile)" : "flatvox serve range handler in this process"}, Node fetch for both readers`,
    loadavgAtStart,
    loadavgAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
    zarr: "v3, sharding_indexed (one shard per timestep), inner chunks = .fvx bricks, bytes+zstd(level 1), index bytes+crc32c at the end",
    runs,
    env: environment(),
    datasets,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
