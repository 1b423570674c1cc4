/**
 * Packer throughput with the brick encoders' shuffle and checksum on the WASM
 * core (SIMD) against the JS twins: the same synthetic smooth f32 field
 * (default 128³ × 6 timesteps, B = 64, the CLI's zstd level 1), the whole
 * packer (read, pyramid, stats, encode, write), variants interleaved in one
 * process and chosen by FLATVOX_KERNELS exactly as a user could. Both with
 * the default encoding workers and with everything on the calling thread
 * (where the kernels' share of the time is not hidden behind other cores).
 * Also the filters alone on the same bricks (MB per CPU second of shuffle,
 * delta shuffle and checksum, as the encoder calls them), and the pyramid's
 * downsample alone on the same steps (f32 mean; mode on u8 labels derived
 * from them), as the packer calls it on its calling thread.
 * Reports medians and whether every variant wrote the same bytes.
 * Usage: npx tsx bench/pack-kernels.ts [--n 128] [--steps 6] [--rounds 3] [--workers <cores>]
 * Prints JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type ByteFilters, createByteFilters, jsByteFilters } from "../src/core/byte-filters";
import { halfDims } from "../src/core/filters";
import type { TypedArray, Vec3 } from "../src/shared/types";
import type { DatasetSpec } from "../src/writer/pack-types";
import { packDataset } from "../src/writer/packer";
import { smoothField } from "./lib/fields";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Every 64³ brick of every step after the first, with the same brick one step earlier. */
function bricksOf(steps: Float32Array[], n: number): { cur: Uint8Array; ref: Uint8Array }[] {
  const B = 64;
  const out: { cur: Uint8Array; ref: Uint8Array }[] = [];
  for (let t = 1; t < steps.length; t++)
    for (let bz = 0; bz < n; bz += B)
      for (let by = 0; by < n; by += B)
        for (let bx = 0; bx < n; bx += B) {
          const cur = new Float32Array(B * B * B);
          const ref = new Float32Array(B * B * B);
          for (let z = 0; z < B; z++)
            for (let y = 0; y < B; y++) {
              const o = bx + n * (by + y + n * (bz + z));
              cur.set(steps[t].subarray(o, o + B), B * (y + B * z));
              ref.set(steps[t - 1].subarray(o, o + B), B * (y + B * z));
            }
          out.push({ cur: new Uint8Array(cur.buffer), ref: new Uint8Array(ref.buffer) });
        }
  return out;
}

/** CPU seconds of the pyramid's downsample calls: every level of every step, as whole arrays. */
function downsampleSeconds(f: ByteFilters, steps: TypedArray[], n: number, kind: "mean" | "mode"): number {
  let sink = 0;
  const c0 = process.cpuUsage();
  for (const s of steps) {
    let level = s;
    let dims: Vec3 = [n, n, n];
    while (dims[0] > 1) {
      level = f.downsample(level, dims, kind === "mean" ? "f32" : "u8", kind).slice();
      dims = halfDims(dims);
    }
    sink += level[0];
  }
  const c = process.cpuUsage(c0);
  if (sink === 0.5) console.log(sink);
  return (c.user + c.system) / 1e6;
}

/** CPU seconds of the encoder's filter calls over the bricks: shuffle, delta shuffle, checksum of a copy of each. */
function filterSeconds(
  f: ByteFilters,
  bricks: { cur: Uint8Array; ref: Uint8Array }[],
  copy: Uint8Array,
): number {
  let sink = 0;
  const c0 = process.cpuUsage();
  for (const { cur, ref } of bricks) {
    copy.set(f.shuffle(cur, 4));
    sink ^= f.checksum(copy);
    copy.set(f.shuffle(cur, 4, ref));
    sink ^= f.checksum(copy);
  }
  const c = process.cpuUsage(c0);
  if (sink === 0.5) console.log(sink);
  return (c.user + c.system) / 1e6;
}

const cpuSince = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

async function main() {
  const n = arg("n", 128);
  const stepCount = arg("steps", 6);
  const rounds = arg("rounds", 3);
  const workers = arg("workers", availableParallelism());
  const data = [...smoothField(n, stepCount)];
  const spec: DatasetSpec = {
    dims: [n, n, n],
    fields: [{ name: "density", dtype: "f32", kind: "scalar" }],
    times: data.map((_, i) => i),
  };
  const dir = mkdtempSync(join(tmpdir(), "fvx-bench-"));
  const kernels = ["js", "wasm-simd"] as const;
  const modes = [
    { name: "workers", workers },
    { name: "inline", workers: 0 },
  ];
  const walls = new Map<string, number[]>();
  const cpus = new Map<string, number[]>();
  const files = new Map<string, Buffer>();
  let bytesIn = 0;
  const old = process.env.FLATVOX_KERNELS;
  for (let r = 0; r < rounds; r++) {
    for (const m of modes) {
      for (const k of kernels) {
        const key = `${m.name}/${k}`;
        const out = join(dir, `${m.name}-${k}.fvx`);
        process.env.FLATVOX_KERNELS = k;
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const rep = await packDataset(spec, data, out, { brickSize: 64, workers: m.workers });
        const wall = (performance.now() - t0) / 1000;
        bytesIn = rep.bytesIn;
        walls.set(key, [...(walls.get(key) ?? []), wall]);
        cpus.set(key, [...(cpus.get(key) ?? []), cpuSince(c0)]);
        if (r === 0) files.set(key, readFileSync(out));
      }
    }
  }
  if (old === undefined) delete process.env.FLATVOX_KERNELS;
  else process.env.FLATVOX_KERNELS = old;
  rmSync(dir, { recursive: true, force: true });

  // The filters alone, interleaved likewise.
  const steps = data.map((d) => d.fields.density as Float32Array);
  const filters: Record<string, ByteFilters> = {
    js: jsByteFilters(),
    "wasm-simd": await createByteFilters({ implementation: "wasm-simd" }),
  };
  const bricks = bricksOf(steps, n);
  const copy = new Uint8Array(64 * 64 * 64 * 4);
  const filterRuns = new Map<string, number[]>();
  const filterMB = (bricks.length * copy.length * 2) / 1e6;
  for (let r = 0; r < 2 * rounds + 1; r++)
    for (const k of kernels)
      filterRuns.set(k, [...(filterRuns.get(k) ?? []), filterSeconds(filters[k], bricks, copy)]);

  // The pyramid's downsample alone, interleaved likewise.
  const labels = steps.map((s) => Uint8Array.from(s, (v) => Math.max(0, Math.min(7, Math.floor(v * 4)))));
  const downRuns = new Map<string, number[]>();
  for (let r = 0; r < 2 * rounds + 1; r++)
    for (const k of kernels) {
      downRuns.set(`mean/${k}`, [
        ...(downRuns.get(`mean/${k}`) ?? []),
        downsampleSeconds(filters[k], steps, n, "mean"),
      ]);
      downRuns.set(`mode/${k}`, [
        ...(downRuns.get(`mode/${k}`) ?? []),
        downsampleSeconds(filters[k], labels, n, "mode"),
      ]);
    }
  const downMB = (steps.length * n * n * n * 4) / 1e6;
  const labelMB = downMB / 4;
  const down = (kind: string, mbIn: number) => {
    const js = median(downRuns.get(`${kind}/js`)!);
    const simd = median(downRuns.get(`${kind}/wasm-simd`)!);
    return {
      MB: mbIn,
      jsMBps: +(mbIn / js).toFixed(0),
      wasmSimdMBps: +(mbIn / simd).toFixed(0),
      speedup: +(js / simd).toFixed(2),
    };
  };

  const mb = bytesIn / 1e6;
  const pack = (mode: string) => {
    const js = median(walls.get(`${mode}/js`)!);
    const simd = median(walls.get(`${mode}/wasm-simd`)!);
    const jsCpu = median(cpus.get(`${mode}/js`)!);
    const simdCpu = median(cpus.get(`${mode}/wasm-simd`)!);
    return {
      jsMBps: +(mb / js).toFixed(1),
      wasmSimdMBps: +(mb / simd).toFixed(1),
      speedupWall: +(js / simd).toFixed(3),
      // CPU seconds of every thread: less sensitive to other load on the machine than wall time.
      jsMBperCpuSecond: +(mb / jsCpu).toFixed(1),
      wasmSimdMBperCpuSecond: +(mb / simdCpu).toFixed(1),
      speedupCpu: +(jsCpu / simdCpu).toFixed(3),
      wallRuns: Object.fromEntries(
        kernels.map((k) => [k, walls.get(`${mode}/${k}`)!.map((w) => +w.toFixed(3))]),
      ),
      cpuRuns: Object.fromEntries(
        kernels.map((k) => [k, cpus.get(`${mode}/${k}`)!.map((w) => +w.toFixed(3))]),
      ),
    };
  };
  const fj = median(filterRuns.get("js")!);
  const fs = median(filterRuns.get("wasm-simd")!);
  const first = files.get("workers/js")!;
  console.log(
    JSON.stringify(
      {
        bench: "pack-kernels",
        grid: [n, n, n],
        steps: stepCount,
        inputMB: mb,
        cores: availableParallelism(),
        workers,
        packWithWorkers: pack("workers"),
        packInline: pack("inline"),
        filtersOnly: {
          MB: filterMB,
          jsMBps: +(filterMB / fj).toFixed(0),
          wasmSimdMBps: +(filterMB / fs).toFixed(0),
          speedup: +(fj / fs).toFixed(2),
        },
        downsampleOnly: { meanF32: down("mean", downMB), modeU8: down("mode", labelMB) },
        sameBytes: [...files.values()].every((b) => b.equals(first)),
        loadAverage1m: loadavg()[0],
      },
      null,
      2,
    ),
  );
}

main();
