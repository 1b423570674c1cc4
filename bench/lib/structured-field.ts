/**
 * A scalar f32 field with structure and noise, for read benchmarks: a few
 * smooth Gaussian blobs drifting over time plus uniform noise of 1% of the
 * range (so bricks compress like simulation output, neither trivially nor
 * not at all). Packed once into .cache/bench/ by the real packer.
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "../../src/demo/prng";
import type { TimestepData } from "../../src/writer/pack-types";
import { packDataset } from "../../src/writer/packer";
import { BENCH_CACHE } from "./demo-data";

export interface StructuredOptions {
  size?: number;
  steps?: number;
  brickSize?: number;
  seed?: number;
}

function* timesteps(n: number, steps: number, seed: number): Generator<TimestepData> {
  const r = mulberry32(seed);
  const blobs = Array.from({ length: 6 }, () => ({
    c: [r() * n, r() * n, r() * n],
    v: [(r() - 0.5) * n * 0.05, (r() - 0.5) * n * 0.05, (r() - 0.5) * n * 0.05],
    s: n * (0.08 + r() * 0.12),
    a: 0.5 + r(),
  }));
  const gx = new Float32Array(n);
  for (let t = 0; t < steps; t++) {
    const v = new Float32Array(n * n * n);
    for (const b of blobs) {
      const c = b.c.map((x, i) => x + b.v[i] * t);
      const k = -1 / (2 * b.s * b.s);
      for (let x = 0; x < n; x++) gx[x] = Math.exp(k * (x - c[0]) ** 2);
      for (let z = 0; z < n; z++) {
        const ez = b.a * Math.exp(k * (z - c[2]) ** 2);
        if (ez < 1e-4) continue;
        for (let y = 0; y < n; y++) {
          const eyz = ez * Math.exp(k * (y - c[1]) ** 2);
          if (eyz < 1e-4) continue;
          const row = n * (y + n * z);
          for (let x = 0; x < n; x++) v[row + x] += eyz * gx[x];
        }
      }
    }
    const noise = mulberry32(seed * 1000 + t);
    for (let i = 0; i < v.length; i++) v[i] += (noise() - 0.5) * 0.02;
    yield { index: t, fields: { f: v } };
  }
}

/** Path of the structured dataset, packing it first when it is not there yet. */
export async function ensureStructured(o: StructuredOptions = {}): Promise<string> {
  const size = o.size ?? 256;
  const steps = o.steps ?? 4;
  const brickSize = o.brickSize ?? 64;
  const seed = o.seed ?? 3;
  const path = join(BENCH_CACHE, `structured-${size}-t${steps}-b${brickSize}-s${seed}.fvx`);
  if (existsSync(path)) return path;
  mkdirSync(BENCH_CACHE, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await packDataset(
    {
      dims: [size, size, size],
      fields: [{ name: "f", dtype: "f32", kind: "scalar" }],
      times: Array.from({ length: steps }, (_, i) => i),
      timeUnits: "step",
      metadata: { generator: "bench structured field", seed },
    },
    timesteps(size, steps, seed),
    tmp,
    { brickSize },
  );
  renameSync(tmp, path);
  return path;
}
