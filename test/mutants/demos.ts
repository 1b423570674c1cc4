/** The two demos, packed small with multi-level feature indices (shared by the mutant tests and fuzz targets). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GRAY_SCOTT_FEATURE_THRESHOLD, runDemo } from "../../src/cli/demo";
import { MAT, MATERIALS } from "../../src/demo/material-world";
import { featureValue } from "../../src/index/feature-sections";
import type { Feature } from "../../src/index/feature-types";
import { MemorySource } from "../../src/io/memory-source";
import { type Dataset, openDataset } from "../../src/reader";
import { readEverything } from "../unit/reader/hostile";

const LAYOUT = {
  rtree: { nodeCapacity: 4, headBudget: 512 },
  btree: { nodeCapacity: 4, headBudget: 512 },
};

/** Packed bytes of the scalar (Gray–Scott) and material demos. */
export async function packDemos(dir: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const features = {
    scalar: { field: "v", threshold: GRAY_SCOTT_FEATURE_THRESHOLD, type: "spot", layout: LAYOUT },
    material: {
      materials: [MAT.water, MAT.iron, MAT.copper, MAT.gold],
      materialNames: Object.fromEntries(MATERIALS.map((m) => [m.id, m.name])),
      layout: LAYOUT,
    },
  };
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const [kind, size, steps] of [
    ["scalar", "32", "4"],
    ["material", "32", "3"],
  ] as const) {
    const file = join(dir, `${kind}.fvx`);
    await runDemo(
      kind,
      { out: file, size, steps, substeps: "20", seed: "3", brick: "16", workers: "0", quiet: true },
      { features: features[kind] },
    );
    out.push({ name: kind, bytes: new Uint8Array(readFileSync(file)) });
  }
  return out;
}

export { LAYOUT };

/** The queries a user of the file runs: every region of every level, and the feature index in every way. */
export async function readAndQuery(ds: Dataset, probe: Feature[]): Promise<void> {
  await readEverything(ds);
  if (!ds.featureIndex.available) return;
  const s = await ds.featureIndex.summary();
  await ds.features({});
  const e = s.extent;
  await ds.features({
    box: {
      min: e.min as [number, number, number],
      max: e.min.map((m, i) => (m + e.max[i]) / 2) as [number, number, number],
    },
    time: [e.t0, (e.t0 + e.t1) / 2],
  });
  for (const ix of s.indices)
    for (const f of probe) {
      const v = featureValue(f, ix.name);
      if (v === null || v === undefined || typeof v === "boolean") continue;
      await ds.features({ where: [[ix.name, "=", v]] });
      await ds.features({ where: [[ix.name, ">=", v]], box: { min: [0, 0, 0], max: [8, 8, 8] } });
    }
  for (let id = 0; id < s.tracks; id++) await ds.track(id);
}

/** The clean file's first and last feature (query probes for its mutants). */
export async function probes(bytes: Uint8Array): Promise<Feature[]> {
  const ds = await openDataset(new MemorySource(bytes));
  if (!ds.featureIndex.available) return [];
  const all = await ds.features({});
  return [all[0], all[all.length - 1]].filter(Boolean);
}
