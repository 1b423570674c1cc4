/**
 * SIMD vs scalar WASM builds (and the JS twins) for the decode filters and
 * region statistics on a 64³ brick. Prints JSON with per-kernel MB/s and
 * ratios from the same run. Run: npx tsx bench/kernels-simd.ts
 */
import type { DecodeKernels } from "../src/core/brick-decode";
import { createBrickDecoder } from "../src/core/brick-decode";
import type { StatsKernels } from "../src/core/region-stats";
import { createRegionStats } from "../src/core/region-stats";
import type { DType, Vec3 } from "../src/shared/types";
import { rng, round, timeIt } from "./kernels-timing";

const N = 64;
const COUNT = N * N * N;
const dims: Vec3 = [N, N, N];

interface Impl {
  dec: DecodeKernels;
  st: StatsKernels;
  u8: number;
  u16: number;
  f32: number;
  out: number;
  ref: number;
}

async function make(implementation: "wasm-simd" | "wasm-scalar" | "js"): Promise<Impl> {
  const dec = await createBrickDecoder({ implementation });
  const st = await createRegionStats(dec.core);
  const mem = dec.core.memory;
  const r = rng(5);
  const u8 = mem.alloc(COUNT);
  const u16 = mem.alloc(2 * COUNT);
  const f32 = mem.alloc(4 * COUNT);
  const out = mem.alloc(4 * COUNT);
  const ref = mem.alloc(4 * COUNT);
  const v = mem.views();
  for (let i = 0; i < COUNT; i++) {
    v.u8[u8 + i] = (r() * 256) | 0;
    v.u16[(u16 >> 1) + i] = (r() * 65536) | 0;
    v.f32[(f32 >> 2) + i] = r() < 0.01 ? Number.NaN : r() * 100 - 50;
    v.u8[ref + i] = (r() * 256) | 0;
  }
  return { dec, st, u8, u16, f32, out, ref };
}

async function main() {
  const impls = { simd: await make("wasm-simd"), scalar: await make("wasm-scalar"), js: await make("js") };
  const cases: { name: string; bytes: number; run: (k: Impl) => unknown }[] = [
    { name: "unshuffle4", bytes: 4 * COUNT, run: (k) => k.dec.unshuffle(k.f32, k.out, 4 * COUNT, 4) },
    { name: "unshuffle2", bytes: 2 * COUNT, run: (k) => k.dec.unshuffle(k.u16, k.out, 2 * COUNT, 2) },
    { name: "shuffle4", bytes: 4 * COUNT, run: (k) => k.dec.shuffle(k.f32, k.out, 4 * COUNT, 4) },
    { name: "xorDelta", bytes: 4 * COUNT, run: (k) => k.dec.xorDelta(k.f32, k.ref, k.out, 4 * COUNT) },
    { name: "u8->f32 normalised", bytes: COUNT, run: (k) => k.dec.toF32(k.u8, "u8", COUNT, k.out, "dtype") },
    {
      name: "u16->f32 normalised",
      bytes: 2 * COUNT,
      run: (k) => k.dec.toF32(k.u16, "u16", COUNT, k.out, "dtype"),
    },
    {
      name: "f32->f32 range",
      bytes: 4 * COUNT,
      run: (k) => k.dec.toF32(k.f32, "f32", COUNT, k.out, { lo: -50, hi: 50 }),
    },
    {
      name: "downsample mean f32",
      bytes: 4 * COUNT,
      run: (k) => k.dec.downsample(k.f32, "f32", dims, k.out, "mean"),
    },
    {
      name: "downsample mode u8",
      bytes: COUNT,
      run: (k) => k.dec.downsample(k.u8, "u8", dims, k.out, "mode"),
    },
    {
      name: "stats f32 (min/max/sum/NaN)",
      bytes: 4 * COUNT,
      run: (k) => k.st.brick(k.f32, "f32", dims, { min: [0, 0, 0], max: dims }),
    },
    {
      name: "stats f32 + 64-bin histogram",
      bytes: 4 * COUNT,
      run: (k) =>
        k.st.brick(k.f32, "f32", dims, { min: [0, 0, 0], max: dims }, { bins: 64, lo: -50, hi: 50 }),
    },
    {
      name: "stats u16",
      bytes: 2 * COUNT,
      run: (k) => k.st.brick(k.u16, "u16" as DType, dims, { min: [0, 0, 0], max: dims }),
    },
  ];
  const results = cases.map((c) => {
    const ms = {
      simd: timeIt(() => c.run(impls.simd), 40, 5),
      scalar: timeIt(() => c.run(impls.scalar), 40, 5),
      js: timeIt(() => c.run(impls.js), 40, 5),
    };
    const mbps = (t: number) => round(c.bytes / 1e3 / t, 0);
    return {
      kernel: c.name,
      inputMB: round(c.bytes / 1e6, 2),
      MBps: { simd: mbps(ms.simd), scalar: mbps(ms.scalar), js: mbps(ms.js) },
      simdVsScalar: round(ms.scalar / ms.simd, 2),
      simdVsJs: round(ms.js / ms.simd, 2),
    };
  });
  console.log(JSON.stringify({ bench: "kernels-simd-vs-scalar", brick: dims, results }, null, 2));
}

await main();
