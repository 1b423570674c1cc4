/**
 * Building an attribute index with a bloom filter, as the packer does for the
 * id index of 1M features: the whole index (sort, B+tree, histogram, bloom),
 * with the bloom keys hashed (xxHash64) and inserted by the SIMD WASM core
 * against the JS twin. Both write identical bytes (checked). Prints JSON.
 * Run: npx tsx bench/bloom-build.ts
 */
import { createBloom } from "../src/core/bloom";
import { buildAttributeIndex } from "../src/index/btree-writer";
import { round } from "./kernels-timing";

const N = 1_000_000;
const values = Array.from({ length: N }, (_, i) => i);
const refs = Uint32Array.from({ length: N }, (_, i) => i);
const simd = await createBloom({ implementation: "wasm-simd" });
const build = (withCore: boolean) =>
  buildAttributeIndex("id", "u32", values, refs, refs, {
    bloom: true,
    bloomKernels: withCore ? simd : undefined,
  });
if (Buffer.compare(Buffer.from(build(true)), Buffer.from(build(false))) !== 0)
  throw new Error("SIMD and JS bloom filters differ");
const best = { simd: Infinity, js: Infinity };
for (let i = 0; i < 7; i++)
  for (const k of i % 2 ? (["js", "simd"] as const) : (["simd", "js"] as const)) {
    const t0 = performance.now();
    build(k === "simd");
    best[k] = Math.min(best[k], performance.now() - t0);
  }
console.log(
  JSON.stringify(
    {
      bench: "bloom-build-1m",
      keys: N,
      indexBuildMs: { simd: round(best.simd, 0), js: round(best.js, 0) },
      speedup: round(best.js / best.simd, 2),
    },
    null,
    2,
  ),
);
