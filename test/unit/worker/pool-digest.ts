/**
 * What the browser test compares between Chromium and Node: a dataset read,
 * picked and summarised through a worker pool, reduced to plain JSON.
 */
import { xxhash32 } from "../../../src/format/xxhash32";
import type { ByteSource } from "../../../src/io/byte-source";
import { openDataset } from "../../../src/reader";
import { asBytes, type Vec3 } from "../../../src/shared/types";
import type { WorkerPool } from "../../../src/worker/pool";

export const DIGEST_RAYS: { origin: Vec3; direction: Vec3; threshold: number; level?: number }[] = [
  { origin: [-5, 64.3, 64.7], direction: [1, 0, 0], threshold: 0.2 },
  { origin: [64.2, -3, 10.1], direction: [0.1, 1, 0.35], threshold: 0.25 },
  { origin: [130, 130, 130], direction: [-1, -0.9, -1.1], threshold: 0.3 },
  { origin: [20.5, 30.5, 40.5], direction: [0.3, -0.2, 1], threshold: 0.1 },
  { origin: [-10, -10, 200], direction: [-1, 0, 0], threshold: 0.1 },
  { origin: [0.5, 127.5, 0.5], direction: [1, -1, 1], threshold: 0.2, level: 1 },
];

export async function poolDigest(source: ByteSource | string, pool: WorkerPool, t = 20) {
  const ds = await openDataset(source, { workers: pool });
  const info = await pool.info();
  const field = ds.info.fields[0].name;
  const region = await ds.readRegion({ field, t, box: { min: [0, 0, 0], max: ds.info.dims } });
  const coarse = await ds.readRegion({
    field,
    t,
    level: 1,
    box: { min: [0, 0, 0], max: ds.info.levels[1].dims },
  });
  const picks = [];
  for (const r of DIGEST_RAYS) {
    const hit = await ds.pick({ field, t, ray: r, threshold: r.threshold, level: r.level });
    picks.push(hit && { ijk: hit.ijk, value: hit.value, distance: hit.distance, level: hit.level });
  }
  const s = await ds.stats({ field, t, box: { min: [10, 20, 30], max: [100, 90, 128] }, bins: 16 });
  return {
    mode: info.mode,
    implementation: info.implementation,
    reason: info.reason,
    voxels: region.length,
    regionHash: xxhash32(asBytes(region)),
    coarseHash: xxhash32(asBytes(coarse)),
    picks,
    stats: {
      min: s.min,
      max: s.max,
      mean: s.mean,
      count: s.count,
      nanCount: s.nanCount,
      histogram: Array.from(s.histogram ?? []),
    },
  };
}
