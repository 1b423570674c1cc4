/**
 * A decoded scalar brick made ready for the GPU where it was decoded: values
 * normalized to (v − lo) × scale as IEEE halves (the atlas texture format)
 * and the occupancy maxima for empty-space skipping, by the core's kernels
 * (src/core/gpu-convert.ts: SIMD WASM where the engine has it, else the JS
 * twins). The page then only uploads; no per-voxel work is left on its thread.
 *
 * A decode service prepares on its own core, where the values already are
 * (`prepareAt`); other callers in a thread share one set of kernels, loaded
 * once by `loadGpuPrep` (until then, and where it cannot load, the JS twins
 * answer: the output is identical).
 */
import {
  createGpuConvert,
  type GpuConvert,
  type GpuPrep,
  type GpuReady,
  jsGpuConvert,
} from "../core/gpu-convert";
import type { TypedArray } from "../shared/types";

export type { GpuPrep, GpuReady } from "../core/gpu-convert";

const twins = jsGpuConvert();
let loading: Promise<GpuConvert> | undefined;
let loaded: GpuConvert | undefined;

/** This thread's GPU-prep kernels, loaded on the first call (later calls share them). */
export function loadGpuPrep(): Promise<GpuConvert> {
  loading ??= createGpuConvert().then((k) => {
    loaded = k;
    return k;
  });
  return loading;
}

export function prepareForGpu(
  values: TypedArray,
  prep: GpuPrep,
  kernels: GpuConvert = loaded ?? twins,
): GpuReady {
  return kernels.prepare(values, prep);
}
