// Entry point of the flatvox WASM core. Built twice by scripts/build-wasm.mjs:
// with SIMD (flatvox.wasm) and without (flatvox-scalar.wasm).
export { alloc, heapBase, mark, release, reset } from "./arena";
export { sbbfInsert, sbbfProbe } from "./bloom";
export { blockMax, halfNormalize } from "./gpu";
export { downsampleMean, downsampleMode, shuffle, unshuffle, widenF32, xorDelta } from "./filters";
export { selectLod } from "./lod";
export { rayBrick, rayOctree } from "./ray";
export { regionStats } from "./stats";
export { hashKeys } from "./xxhash";
export { xxhash32 } from "./xxhash32";

/** 1 when this build uses SIMD. */
export function simdBuild(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
