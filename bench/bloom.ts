/**
 * SBBF probe throughput: WASM SIMD vs WASM scalar vs plain JS, on a 128 KiB
 * (cache-resident) and a 16 MiB filter, filled at 10 bits/key; 1M probes per
 * call (the whole batch in one call, hashes already in core memory).
 * Prints JSON with wall-clock and CPU-time figures, both interleaved.
 *
 * Run: npx tsx bench/bloom.ts [--before <flatvox.wasm>]
 * `--before` adds another SIMD build (e.g. one compiled from an older
 * assembly/) as a fourth column, measured in the same rounds.
 */
import { readFileSync } from "node:fs";
import type { BloomKernels } from "../src/core/bloom";
import { createBloom } from "../src/core/bloom";
import { sbbfProbeJs } from "../src/core/bloom-js";
import type { Core } from "../src/core/core";
import { instantiateWasmCore } from "../src/core/wasm-loader";
import { compare, rng, round } from "./kernels-timing";

const PROBES = 1 << 20;

/** A core from a given SIMD build, for before/after runs. */
export async function coreFromFile(file: string): Promise<Core> {
  const w = await instantiateWasmCore("simd", readFileSync(file));
  return { implementation: "wasm-simd", memory: w.memory, ops: w.ops } as Core;
}

async function main() {
  const at = process.argv.indexOf("--before");
  const impls: Record<string, BloomKernels> = {
    simd: await createBloom({ implementation: "wasm-simd" }),
    scalar: await createBloom({ implementation: "wasm-scalar" }),
  };
  if (at > 0) impls.before = await createBloom(await coreFromFile(process.argv[at + 1]));
  const r = rng(99);
  const pairs = new Uint32Array(2 * PROBES);
  for (let i = 0; i < pairs.length; i++) pairs[i] = Math.floor(r() * 4294967296);
  const results: Record<string, unknown>[] = [];
  for (const filterBytes of [128 << 10, 16 << 20]) {
    const numBlocks = filterBytes / 32;
    const keys = Math.floor((filterBytes * 8) / 10);
    const inserted = pairs.subarray(0, 2 * Math.min(keys, PROBES / 2));
    const fns: Record<string, () => unknown> = {};
    let hitsRef = -1;
    for (const [name, k] of Object.entries(impls)) {
      const f = k.create(numBlocks);
      k.insert(f, k.putHashes(inserted));
      if (keys > PROBES / 2)
        k.insert(f, k.putHashes(pairs.subarray(0, 2 * (keys - PROBES / 2)).map((x) => x ^ 0x5bd1e995)));
      const batch = k.putHashes(pairs);
      const out = k.core.memory.alloc(PROBES);
      const hits = k.probeInto(f, batch, out);
      if (hitsRef >= 0 && hits !== hitsRef) throw new Error("implementations disagree");
      hitsRef = hits;
      fns[name] = () => k.probeInto(f, batch, out);
      if (name === "simd") {
        // Plain JS on ordinary typed arrays (not core memory): the baseline.
        const words = new Uint32Array(k.bytes(f).slice().buffer);
        const hashes = pairs.slice();
        const res = new Uint8Array(PROBES);
        if (sbbfProbeJs(words, 0, numBlocks, hashes, 0, PROBES, res, 0) !== hits)
          throw new Error("JS disagrees");
        fns.js = () => sbbfProbeJs(words, 0, numBlocks, hashes, 0, PROBES, res, 0);
      }
    }
    const cmp = compare(fns, "js", 9, 60);
    const perProbe = (ms: Record<string, number>) =>
      Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round((v * 1e6) / PROBES)]));
    const vsScalar = compare({ simd: fns.simd, scalar: fns.scalar }, "scalar", 5, 60);
    const speed = (s: Record<string, number>) =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 2)]));
    results.push({
      filterBytes,
      probes: PROBES,
      hitRate: round(hitsRef / PROBES, 4),
      nsPerProbe: perProbe(cmp.ms),
      cpuNsPerProbe: perProbe(cmp.cpuMs),
      vsJs: speed(cmp.speedup),
      cpuVsJs: speed(cmp.cpuSpeedup),
      simdVsScalar: round(vsScalar.speedup.simd, 2),
      cpuSimdVsScalar: round(vsScalar.cpuSpeedup.simd, 2),
      goal: "vsJs.simd >= 5 and nsPerProbe.simd <= 5 at 128 KiB",
    });
  }
  console.log(JSON.stringify({ bench: "sbbf-probe", results }, null, 2));
}

await main();
