/**
 * A scalar brick made ready for a GPU texture: its values normalized to
 * (v − lo) × scale as IEEE halves (the atlas format) and the occupancy maxima
 * of its 8³ blocks for empty-space skipping. On the WASM core (assembly/gpu.ts,
 * SIMD) where the engine has SIMD, else the JS twins (convert-js.ts
 * normalizeToHalf, occupancy-js.ts brickBlockMax); the output is the same
 * bit for bit either way.
 */
import { FlatvoxError } from "../shared/errors";
import { type DType, dtypeOf, type TypedArray, type Vec3 } from "../shared/types";
import { normalizeToHalf } from "./convert-js";
import type { Core, CoreOptions, Implementation } from "./core";
import type { CoreMemory } from "./core-memory";
import type { CoreOps } from "./core-ops";
import { DTYPE_CODE } from "./layout";
import { blockCounts, brickBlockMax } from "./occupancy-js";
import { kernelsOn } from "./resolve-core";

export interface GpuPrep {
  lo: number;
  scale: number;
  /** The brick's clipped voxel dims and level (occupancy works in level-0 units). */
  dims: Vec3;
  level: number;
}

export interface GpuReady {
  half: Uint16Array;
  blockMax: Float32Array;
  /** Macro blocks per axis. */
  n: Vec3;
  lo: number;
  scale: number;
}

export interface GpuConvert {
  implementation: Implementation;
  /** A brick given as an array (at least dims' voxel count long; the rest is ignored). Fresh output arrays. */
  prepare(values: TypedArray, prep: GpuPrep): GpuReady;
  /** A brick of `dtype` already in the kernels' core memory at `ptr` (a decoder's output): no copy in. */
  prepareAt(ptr: number, dtype: DType, prep: GpuPrep): GpuReady;
}

function voxels(prep: GpuPrep, have?: number): number {
  const [x, y, z] = prep.dims;
  const n = x * y * z;
  const ok =
    prep.dims.every((d) => Number.isInteger(d) && d > 0) && Number.isInteger(prep.level) && prep.level >= 0;
  if (!ok || prep.level > 30)
    throw new FlatvoxError(
      "QueryError",
      `bad brick for the GPU: dims ${prep.dims.join("×")}, level ${prep.level}`,
    );
  if (have !== undefined && have < n)
    throw new FlatvoxError("QueryError", `a ${prep.dims.join("×")} brick needs ${n} values, got ${have}`);
  return n;
}

function prepareJs(values: TypedArray, prep: GpuPrep): GpuReady {
  const n = voxels(prep, values.length);
  const src = values.length === n ? values : values.subarray(0, n);
  const half = normalizeToHalf(src, prep.lo, prep.scale, new Uint16Array(n));
  const bm = brickBlockMax(src, prep.dims, prep.level);
  return { half, blockMax: bm.max, n: bm.n, lo: prep.lo, scale: prep.scale };
}

/** The JS twins on plain arrays; `memory` (a core's) serves prepareAt. */
export function jsGpuConvert(memory?: CoreMemory): GpuConvert {
  return {
    implementation: "js",
    prepare: prepareJs,
    prepareAt(ptr, dtype, prep) {
      if (!memory) throw new FlatvoxError("WorkerError", "these GPU kernels have no core memory");
      return prepareJs(memory.view(dtype, ptr, voxels(prep)), prep);
    },
  };
}

/**
 * The kernels on a core (sharing its memory), or on a new one for options:
 * "wasm-simd" when the engine has SIMD, else the JS twins; a caller that named
 * no implementation gets the twins when the WASM core cannot load.
 */
export async function createGpuConvert(core?: Core | CoreOptions): Promise<GpuConvert> {
  return kernelsOn(core, onCore, jsGpuConvert);
}

function onCore(implementation: Implementation, memory: CoreMemory, ops: CoreOps): GpuConvert {
  const prepareAt = (ptr: number, dtype: DType, prep: GpuPrep): GpuReady => {
    const n = voxels(prep);
    const [nx, ny, nz] = prep.dims;
    const blocks = blockCounts(prep.dims, prep.level);
    const nb = blocks[0] * blocks[1] * blocks[2];
    const m = memory.mark();
    try {
      const half = memory.alloc(2 * n);
      const max = memory.alloc(4 * nb);
      const scratch = memory.alloc(4 * nx * (ny + blocks[1]));
      ops.halfNormalize(ptr, DTYPE_CODE[dtype], n, half, prep.lo, prep.scale);
      ops.blockMax(ptr, DTYPE_CODE[dtype], nx, ny, nz, prep.level, max, scratch);
      const v = memory.views();
      return {
        half: v.u16.slice(half >> 1, (half >> 1) + n),
        blockMax: v.f32.slice(max >> 2, (max >> 2) + nb),
        n: blocks,
        lo: prep.lo,
        scale: prep.scale,
      };
    } finally {
      memory.release(m);
    }
  };
  return {
    implementation,
    prepareAt,
    prepare(values, prep) {
      const n = voxels(prep, values.length);
      const m = memory.mark();
      try {
        return prepareAt(memory.copyIn(values.subarray(0, n)), dtypeOf(values), prep);
      } finally {
        memory.release(m);
      }
    },
  };
}
