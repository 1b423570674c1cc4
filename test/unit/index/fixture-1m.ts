/**
 * 1M synthetic features as a feature-section file. Building takes tens of
 * seconds on a shared 2-core machine, so the file is generated once into the
 * OS temp dir, keyed by seed and a checksum of the index sources.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checksum } from "../../../src/index/checksum";
import type { FeatureSectionRefs } from "../../../src/index/feature-index-reader";
import { buildFeatureSectionBlobs } from "../../../src/index/feature-sections";
import type { FeatureInstance } from "../../../src/index/feature-types";
import { layoutFile, rng } from "./helpers";

export const N = 1_000_000;
export const SEED = 1234;
const here = dirname(fileURLToPath(import.meta.url));
export function synthFeatures(n: number, seed: number): FeatureInstance[] {
  const r = rng(seed);
  const fs: FeatureInstance[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = Math.floor(r() * 1000);
    const y = Math.floor(r() * 1000);
    const z = Math.floor(r() * 1000);
    const ts = Math.floor(r() * 100);
    fs[i] = {
      id: i,
      type: i % 3 === 0 ? "vortex" : "blob",
      box: { min: [x, y, z], max: [x + 1 + (i % 7), y + 1 + (i % 5), z + 1 + (i % 3)] },
      voxels: 1 + (i % 1000),
      peak: Math.round(r() * 1e6) / 1e3,
      mean: 0,
      centroid: [x, y, z],
      timestep: ts,
      time: [ts, ts + (i % 4 === 0 ? 2 : 0)],
    };
  }
  return fs;
}

function sourceKey(): string {
  const dir = join(here, "../../../src/index");
  const enc = new TextEncoder();
  let all = "";
  for (const f of readdirSync(dir).sort()) all += readFileSync(join(dir, f), "utf8");
  return checksum(enc.encode(all)).toString(16);
}

export function load1M(): { file: Uint8Array; refs: FeatureSectionRefs; path: string } {
  const cacheDir = join(tmpdir(), "flatvox-test-cache");
  const base = join(cacheDir, `features-1m-${SEED}-${sourceKey()}`);
  if (existsSync(`${base}.bin`) && existsSync(`${base}.json`)) {
    return {
      file: new Uint8Array(readFileSync(`${base}.bin`)),
      refs: JSON.parse(readFileSync(`${base}.json`, "utf8")),
      path: base,
    };
  }
  const blobs = buildFeatureSectionBlobs(synthFeatures(N, SEED), [], {
    indices: [
      { name: "id", type: "u32", bloom: true },
      { name: "voxels", type: "u32" },
      { name: "peak", type: "f64" },
    ],
  });
  const out = layoutFile(blobs);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${base}.bin`, out.file);
  writeFileSync(`${base}.json`, JSON.stringify(out.refs));
  return { ...out, path: base };
}
