/**
 * Peak memory of a whole-volume `ds.stats()` (default 64-bin histogram,
 * default options) over one timestep of a large grid, read over loopback
 * HTTP. The dataset is an f32 field with structure and noise, packed once by
 * the real packer in a child process.
 *
 * Peak RSS is sampled every 10 ms (worker threads live in the same process,
 * so their memory is included).
 *
 * Usage: npx tsx bench/stats-memory.ts [--size 1024] [--runs 1]
 * Prints JSON.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../src/demo/prng";
import { createSource } from "../src/io/create-source";
import { openDataset } from "../src/reader";
import { packDataset } from "../src/writer/packer";
import { startCountingServer } from "./lib/counting-server";
import { BENCH_CACHE } from "./lib/demo-data";
import { argNumber, environment, printJson } from "./lib/report";

/** One f32 timestep of n³: six Gaussian blobs plus noise of 1% of the range, filled slab by slab. */
function fillField(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const blobs = Array.from({ length: 6 }, () => ({
    c: [r() * n, r() * n, r() * n],
    s: n * (0.08 + r() * 0.12),
    a: 0.5 + r(),
  }));
  const noise = mulberry32(seed * 1000);
  const gx = blobs.map((b) =>
    Float32Array.from({ length: n }, (_, x) => Math.exp(-((x - b.c[0]) ** 2) / (2 * b.s * b.s))),
  );
  const v = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) {
    const slab = v.subarray(z * n * n, (z + 1) * n * n);
    blobs.forEach((b, k) => {
      const e = -1 / (2 * b.s * b.s);
      const ez = b.a * Math.exp(e * (z - b.c[2]) ** 2);
      if (ez < 1e-4) return;
      for (let y = 0; y < n; y++) {
        const eyz = ez * Math.exp(e * (y - b.c[1]) ** 2);
        if (eyz < 1e-4) continue;
        const g = gx[k];
        for (let x = 0; x < n; x++) slab[y * n + x] += eyz * g[x];
      }
    });
    for (let i = 0; i < slab.length; i++) slab[i] += (noise() - 0.5) * 0.02;
  }
  return v;
}

/**
 * The dataset, packed once by the real packer in a child process (the grid is
 * held in memory there, never in the process that measures).
 */
async function ensureLarge(n: number): Promise<string> {
  const path = join(BENCH_CACHE, `structured-${n}-t1-b64-s5.fvx`);
  if (existsSync(path)) return path;
  mkdirSync(BENCH_CACHE, { recursive: true });
  const r = spawnSync("npx", ["tsx", fileURLToPath(import.meta.url), "--pack-only", "--size", String(n)], {
    stdio: "inherit",
  });
  if (r.status !== 0 || !existsSync(path)) throw new Error("packing the large dataset failed");
  return path;
}

async function packOnly(n: number): Promise<void> {
  const path = join(BENCH_CACHE, `structured-${n}-t1-b64-s5.fvx`);
  const tmp = `${path}.${process.pid}.tmp`;
  const field = fillField(n, 5);
  await packDataset(
    {
      dims: [n, n, n],
      fields: [{ name: "f", dtype: "f32", kind: "scalar" }],
      times: [0],
      metadata: { generator: "bench stats-memory", seed: 5 },
    },
    [{ index: 0, fields: { f: field } }],
    tmp,
    { brickSize: 64 },
  );
  renameSync(tmp, path);
}

async function main() {
  const n = argNumber("size", 1024);
  if (process.argv.includes("--pack-only")) return packOnly(n);
  const runs = argNumber("runs", 1);
  const path = await ensureLarge(n);
  const server = await startCountingServer({ "/fvx/": dirname(path) });
  const url = `${server.url}fvx/${basename(path)}`;
  const results = [];
  for (let run = 0; run < runs; run++) {
    globalThis.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const t0 = performance.now();
    const ds = await openDataset(createSource(url));
    const s = await ds.stats({ field: 0, t: 0, box: { min: [0, 0, 0], max: ds.info.dims } });
    const ms = performance.now() - t0;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    results.push({
      ms: Math.round(ms),
      peakRssMiB: Math.round(peak / 2 ** 20),
      baseRssMiB: Math.round(base / 2 ** 20),
      bricks: s.bricks,
      count: s.count,
      mean: s.mean,
    });
  }
  await server.stop();
  printJson({
    bench: "stats-memory",
    goal: "whole-volume stats() of a 1024³ step: peak RSS ≤ 512 MiB",
    dims: [n, n, n],
    dtype: "f32",
    env: environment(),
    results,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
