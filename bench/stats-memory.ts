/**
 * Peak memory of a whole-volume `ds.stats()` (default 64-bin histogram,
 * default options) over one timestep of a large grid, read over loopback
 * HTTP. The dataset is an f32 field with structure and noise written slab by
 * slab to a raw file and packed by `flatvox pack` (streamed), so generating
 * it never holds the grid in memory either.
 *
 * Peak RSS is sampled every 10 ms (worker threads live in the same process,
 * so their memory is included).
 *
 * Usage: npx tsx bench/stats-memory.ts [--size 1024] [--runs 1]
 * Prints JSON.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { mulberry32 } from "../src/demo/prng";
import { createSource } from "../src/io/create-source";
import { openDataset } from "../src/reader";
import { startCountingServer } from "./lib/counting-server";
import { BENCH_CACHE } from "./lib/demo-data";
import { argNumber, environment, printJson } from "./lib/report";

function writeRaw(path: string, n: number, seed: number): void {
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
  const slab = new Float32Array(n * n);
  const fd = openSync(path, "w");
  try {
    for (let z = 0; z < n; z++) {
      slab.fill(0);
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
      writeSync(fd, new Uint8Array(slab.buffer));
    }
  } finally {
    closeSync(fd);
  }
}

async function ensureLarge(n: number): Promise<string> {
  const path = join(BENCH_CACHE, `structured-raw-${n}.fvx`);
  if (existsSync(path)) return path;
  mkdirSync(BENCH_CACHE, { recursive: true });
  const raw = join(BENCH_CACHE, `structured-${n}.${process.pid}.raw`);
  try {
    writeRaw(raw, n, 5);
    const tmp = `${path}.${process.pid}.tmp`;
    const r = spawnSync(
      "node",
      ["bin/flatvox.js", "pack", raw, "--dims", `${n},${n},${n}`, "--dtype", "f32", "-q", "-o", tmp],
      { stdio: "inherit" },
    );
    if (r.status !== 0) throw new Error("packing the large dataset failed");
    renameSync(tmp, path);
  } finally {
    rmSync(raw, { force: true });
  }
  return path;
}

async function main() {
  const n = argNumber("size", 1024);
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
