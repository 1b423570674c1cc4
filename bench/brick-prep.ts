/**
 * The per-voxel work a scalar brick needs before it can be drawn — values
 * normalized to half floats, occupancy maxima — on the WASM SIMD kernels
 * (assembly/gpu.ts) against their JS twins, in one process, interleaved:
 *
 *  - userPath: what the viewer's backend worker runs per brick, a decode
 *    service's `decodeGpu` (decode, then the GPU form where the values lie in
 *    core memory) on the 64³ bricks of a Gray–Scott demo, against the same
 *    decode followed by the JS twins on the decoded array (the path before
 *    the kernel). Both decode on the WASM core.
 *  - prepareForGpu: the backend's own call on an array (64³ f32 and u16),
 *    WASM kernels (values copied in, results copied out) vs the twins.
 *  - parts: halves and occupancy alone, each way (and on the scalar WASM build).
 *
 * Usage: npx tsx bench/brick-prep.ts [--runs 40] [--file x.fvx]
 * Prints JSON (per-brick milliseconds: median, min, max; ratios of medians).
 */

import { normalizeToHalf } from "../src/core/convert-js";
import { loadCore } from "../src/core/core";
import { createGpuConvert, jsGpuConvert } from "../src/core/gpu-convert";
import { DTYPE_CODE } from "../src/core/layout";
import { brickBlockMax } from "../src/core/occupancy-js";
import { mulberry32 } from "../src/demo/prng";
import { FileSource } from "../src/io/file-source";
import { openDataset } from "../src/reader";
import { bytesPerValue, type TypedArray, type Vec3, viewTyped } from "../src/shared/types";
import { createDecodeService } from "../src/worker/decode-service";
import { prepareForGpu } from "../src/worker/gpu-prep";
import type { GpuJob } from "../src/worker/protocol";
import { ensureDemo } from "./lib/demo-data";
import { argNumber, argString, environment, median, printJson, ratio, summarize } from "./lib/report";

const runs = argNumber("runs", 40);
const samples = new Map<string, number[]>();
const time = (key: string, f: () => unknown) => {
  const t0 = performance.now();
  f();
  const ms = performance.now() - t0;
  samples.set(key, [...(samples.get(key) ?? []), ms]);
};

async function main(): Promise<void> {
  // The user path: decode + GPU form of every full 64³ brick of one timestep.
  const file = argString("file") ?? (await ensureDemo("gray-scott", { size: 128, steps: 4, brickSize: 64 }));
  const src = await FileSource.open(file);
  const ds = await openDataset(src, { workers: false });
  const t = ds.info.times.length - 1;
  const field = ds.info.fields.findIndex((f) => f.kind === "scalar");
  const { lo, hi } = { lo: 0, hi: 1 };
  const jobs: GpuJob[] = [];
  const g = ds.info.levels[0];
  for (let z = 0; z < g.bricks[2]; z++)
    for (let y = 0; y < g.bricks[1]; y++)
      for (let x = 0; x < g.bricks[0]; x++) {
        const e = await ds.brickEntry(field, t, 0, [x, y, z]);
        if (e.encoding === 0) continue;
        const job = await ds.brickJob(e);
        jobs.push({ ...job, gpu: { lo, scale: 1 / (hi - lo), dims: e.size, level: 0 } });
      }
  const service = createDecodeService();
  const info = await service.init("wasm-simd");
  if (!info.ok || info.value.implementation !== "wasm-simd") throw new Error("WASM SIMD core did not load");
  const twins = jsGpuConvert();
  const dtype = ds.info.fields[field].dtype;

  // The backend's own call, on arrays.
  const dims: Vec3 = [64, 64, 64];
  const n = dims[0] * dims[1] * dims[2];
  const r = mulberry32(1);
  const arrays: Record<string, TypedArray> = {
    f32: Float32Array.from({ length: n }, () => r() * 2 - 0.5),
    u16: Uint16Array.from({ length: n }, () => Math.floor(r() * 65536)),
  };
  const wasm = await createGpuConvert({ implementation: "wasm-simd" });
  const core = await loadCore({ implementation: "wasm-simd" });
  const scalar = await loadCore({ implementation: "wasm-scalar" });
  const out = new Uint16Array(n);

  for (let i = 0; i < runs + 3; i++) {
    const warm = i < 3;
    for (const job of jobs) {
      // (decodeGpu finishes synchronously once the kernels are loaded: its promise only carries the result)
      time("user.wasm", () => service.decodeGpu(i, job));
      time("user.js", () => {
        const values = service.decodeNow(job);
        twins.prepare(viewTyped(job.dtype, new Uint8Array(values)), job.gpu);
      });
    }
    for (const [name, a] of Object.entries(arrays)) {
      const prep = { lo: name === "f32" ? -0.5 : 0, scale: name === "f32" ? 0.5 : 1 / 65535, dims, level: 0 };
      time(`prepareForGpu.${name}.wasm`, () => prepareForGpu(a, prep, wasm));
      time(`prepareForGpu.${name}.js`, () => prepareForGpu(a, prep, twins));
      if (name !== "f32") continue;
      // Parts, on values already in core memory for the kernels.
      for (const [kind, c] of [
        ["wasm", core],
        ["scalar", scalar],
      ] as const) {
        const m = c.memory.mark();
        const p = c.memory.copyIn(a);
        const dst = c.memory.alloc(2 * n);
        const bm = c.memory.alloc(4 * 512);
        const scratch = c.memory.alloc(4 * 64 * (64 + 8));
        time(`halves.${kind}`, () => c.ops.halfNormalize(p, DTYPE_CODE.f32, n, dst, prep.lo, prep.scale));
        time(`occupancy.${kind}`, () => c.ops.blockMax(p, DTYPE_CODE.f32, 64, 64, 64, 0, bm, scratch));
        c.memory.release(m);
      }
      time("halves.js", () => normalizeToHalf(a, prep.lo, prep.scale, out));
      time("occupancy.js", () => brickBlockMax(a, dims, 0));
    }
    if (warm) samples.clear();
  }
  await src.close?.();

  const s = (k: string) => summarize(samples.get(k) ?? [], 3);
  const speedup = (k: string) =>
    ratio(median(samples.get(`${k}.js`) ?? []), median(samples.get(`${k}.wasm`) ?? []));
  printJson({
    bench: "brick-prep",
    file,
    userPath: {
      bricks: jobs.length,
      dtype,
      brickBytes: jobs[0] ? jobs[0].voxels * bytesPerValue(dtype) : 0,
      msDecodeGpuWasm: s("user.wasm"),
      msDecodeThenJsTwins: s("user.js"),
      speedup: speedup("user"),
      prepOnlyMsSaved: Number(
        (median(samples.get("user.js") ?? []) - median(samples.get("user.wasm") ?? [])).toFixed(3),
      ),
    },
    prepareForGpu: {
      f32: {
        msWasm: s("prepareForGpu.f32.wasm"),
        msJs: s("prepareForGpu.f32.js"),
        speedup: speedup("prepareForGpu.f32"),
      },
      u16: {
        msWasm: s("prepareForGpu.u16.wasm"),
        msJs: s("prepareForGpu.u16.js"),
        speedup: speedup("prepareForGpu.u16"),
      },
    },
    // speedup: JS twin / SIMD; simdVsScalar: scalar WASM / SIMD.
    parts64f32: Object.fromEntries(
      ["halves", "occupancy"].map((k) => [
        k,
        {
          msWasm: s(`${k}.wasm`),
          msScalarWasm: s(`${k}.scalar`),
          msJs: s(`${k}.js`),
          speedup: speedup(k),
          simdVsScalar: ratio(
            median(samples.get(`${k}.scalar`) ?? []),
            median(samples.get(`${k}.wasm`) ?? []),
          ),
        },
      ]),
    ),
    runs,
    env: environment(),
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
