// The attribute-index bloom probe runs through the core's bloom facade (the
// SIMD WASM kernels where available), and every implementation answers alike.
import { describe, expect, it } from "vitest";
import { type BloomKernels, createBloom, sharedBloom } from "../../../src/core/bloom";
import { buildAttributeIndex } from "../../../src/index/btree-writer";
import { FeatureIndexReader } from "../../../src/index/feature-index-reader";
import type { FeatureInstance } from "../../../src/index/feature-types";
import type { Vec3 } from "../../../src/shared/types";
import { buildFile } from "./helpers";

const feats: FeatureInstance[] = Array.from({ length: 2000 }, (_, i) => ({
  id: i * 3,
  type: `t${i % 40}`,
  box: { min: [i % 50, i % 30, i % 7] as Vec3, max: [(i % 50) + 2, (i % 30) + 2, (i % 7) + 1] as Vec3 },
  voxels: 1 + (i % 13),
  peak: i / 7,
  mean: 0,
  centroid: [0, 0, 0] as Vec3,
  timestep: i % 10,
  time: [i % 10, i % 10] as [number, number],
}));
const file = buildFile(feats, []);

/** A facade that counts the calls made through it. */
function counting(k: BloomKernels) {
  const calls = { hashOne: 0, probeBlock: 0 };
  const spy: BloomKernels = {
    ...k,
    hashOne: (key) => {
      calls.hashOne++;
      return k.hashOne(key);
    },
    probeBlock: (b, lo, hi) => {
      calls.probeBlock++;
      return k.probeBlock(b, lo, hi);
    },
  };
  return { spy, calls };
}

describe("bloom probes through the core facade", () => {
  it("readers use the SIMD WASM kernels by default", async () => {
    expect((await sharedBloom()).implementation).toBe("wasm-simd");
  });

  it("a query's bloom step calls the facade it is given, and ends the query for an absent value", async () => {
    const { spy, calls } = counting(await createBloom({ implementation: "wasm-simd" }));
    const r = await FeatureIndexReader.open(file.source, file.refs, { bloom: spy });
    const box = { min: [0, 0, 0], max: [60, 60, 60] } as { min: Vec3; max: Vec3 };
    const plan = await r.explain({ where: [["type", "=", "absent-type"]], box });
    const bloomStep = plan.steps.find((s) => s.method === "bloom");
    expect(bloomStep?.candidates).toBe(0);
    expect(plan.results).toBe(0);
    expect(calls).toEqual({ hashOne: 1, probeBlock: 1 });
    expect(await r.query({ where: [["type", "=", "t7"]], box })).toHaveLength(50);
  });

  it("SIMD, scalar WASM and JS twin agree on every present key (always maybe) and on absent keys", async () => {
    const impls = await Promise.all(
      (["wasm-simd", "wasm-scalar", "js"] as const).map((implementation) => createBloom({ implementation })),
    );
    const readers = await Promise.all(
      impls.map((bloom) => FeatureIndexReader.open(file.source, file.refs, { bloom })),
    );
    let falsePositives = 0;
    for (let v = 0; v < 6000; v++) {
      const answers = await Promise.all(readers.map((r) => r.mightContain("id", v)));
      expect(new Set(answers).size, `id ${v}`).toBe(1);
      if (v % 3 === 0) expect(answers[0], `present id ${v}`).toBe(true);
      else if (answers[0]) falsePositives++;
    }
    // 4000 absent ids at the writer's 1% target rate.
    expect(falsePositives).toBeLessThan(120);
  });

  it("the index writer fills bloom filters through the facade with exactly the JS twin's bits", async () => {
    const n = 5000;
    const values = Array.from({ length: n }, (_, i) => `key-${(i * 7919) % 3001}`);
    const refs = Uint32Array.from({ length: n }, (_, i) => i);
    const opts = { bloom: true, nodeCapacity: 64 };
    const plain = buildAttributeIndex("name", "string", values, refs, refs, opts);
    for (const implementation of ["wasm-simd", "wasm-scalar", "js"] as const) {
      const { spy, calls } = counting(await createBloom({ implementation }));
      let inserted = 0;
      const k = {
        ...spy,
        insert: (f: Parameters<BloomKernels["insert"]>[0], b: Parameters<BloomKernels["insert"]>[1]) => {
          inserted += b.count;
          spy.insert(f, b);
        },
      };
      const viaCore = buildAttributeIndex("name", "string", values, refs, refs, { ...opts, bloomKernels: k });
      expect(inserted, implementation).toBe(3001);
      expect(calls.hashOne).toBe(0);
      expect(Buffer.compare(Buffer.from(viaCore), Buffer.from(plain)), implementation).toBe(0);
    }
  });
});
