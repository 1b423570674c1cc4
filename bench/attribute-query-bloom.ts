/**
 * End-to-end attribute queries over 1M features, with the bloom probe run by
 * the SIMD WASM core (what readers use where the engine has SIMD) against
 * its JS twin. Each query is `id = v` plus a box, so the planner consults the
 * id index's bloom filter first: for an absent id the filter ends the query,
 * for a present one the index is walked and the record fetched. The file is
 * in memory (no network): the figure is the CPU a query costs the client.
 * Also the probe alone (hash + block test, per key) through each facade.
 * Prints JSON. Run: npx tsx bench/attribute-query-bloom.ts
 */
import { type BloomKernels, createBloom } from "../src/core/bloom";
import { FeatureIndexReader } from "../src/index/feature-index-reader";
import { MemorySource } from "../src/io/memory-source";
import { load1M, N } from "../test/unit/index/fixture-1m";
import { rng, round } from "./kernels-timing";

const { file, refs } = load1M();
const source = new MemorySource(file);
const impls: Record<string, BloomKernels> = {
  simd: await createBloom({ implementation: "wasm-simd" }),
  js: await createBloom({ implementation: "js" }),
};
const readers: Record<string, FeatureIndexReader> = {};
for (const [k, bloom] of Object.entries(impls))
  readers[k] = await FeatureIndexReader.open(source, refs, { bloom });

const Q = 400;
const r = rng(99);
const absent = Array.from({ length: Q }, () => N + Math.floor(r() * N));
const present = Array.from({ length: Q }, () => Math.floor(r() * N));
const box = {
  min: [0, 0, 0] as [number, number, number],
  max: [1000, 1000, 1000] as [number, number, number],
};

async function run(reader: FeatureIndexReader, ids: number[]): Promise<number> {
  let found = 0;
  for (const id of ids) found += (await reader.query({ where: [["id", "=", id]], box })).length;
  return found;
}

// Same answers from both.
for (const ids of [absent, present]) {
  const a = await run(readers.simd, ids);
  const b = await run(readers.js, ids);
  if (a !== b) throw new Error(`implementations disagree: ${a} vs ${b}`);
}
const plan = await readers.simd.explain({ where: [["id", "=", absent[0]]], box });
if (!plan.steps.some((s) => s.method === "bloom"))
  throw new Error("the planner did not consult the bloom filter");

/** Interleaved rounds; the fastest round per implementation, in µs per query. */
async function timeQueries(ids: number[], rounds = 9): Promise<Record<string, number>> {
  const best: Record<string, number> = { simd: Infinity, js: Infinity };
  for (let i = 0; i < rounds; i++)
    for (const k of i % 2 ? ["js", "simd"] : ["simd", "js"]) {
      const t0 = performance.now();
      await run(readers[k], ids);
      best[k] = Math.min(best[k], ((performance.now() - t0) * 1000) / ids.length);
    }
  return best;
}

function timeProbe(k: BloomKernels, keys: Uint8Array[]): number {
  const block = new Uint8Array(32).fill(0x5a);
  let best = Infinity;
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    for (const key of keys) {
      const [lo, hi] = k.hashOne(key);
      k.probeBlock(block, lo, hi);
    }
    best = Math.min(best, ((performance.now() - t0) * 1e6) / keys.length);
  }
  return best;
}

const absentUs = await timeQueries(absent);
const presentUs = await timeQueries(present);
const keys = absent.map((v) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
});
const probeNs = { simd: timeProbe(impls.simd, keys), js: timeProbe(impls.js, keys) };
console.log(
  JSON.stringify(
    {
      bench: "attribute-query-bloom-1m",
      features: N,
      queries: Q,
      absentIdUsPerQuery: { simd: round(absentUs.simd, 1), js: round(absentUs.js, 1) },
      absentSpeedup: round(absentUs.js / absentUs.simd, 2),
      presentIdUsPerQuery: { simd: round(presentUs.simd, 1), js: round(presentUs.js, 1) },
      presentSpeedup: round(presentUs.js / presentUs.simd, 2),
      probeNsPerKey: { simd: round(probeNs.simd, 0), js: round(probeNs.js, 0) },
      probeSpeedup: round(probeNs.js / probeNs.simd, 2),
    },
    null,
    2,
  ),
);
