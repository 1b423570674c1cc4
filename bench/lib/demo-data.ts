/**
 * Demo datasets for benches: generated once into .cache/bench/ (by the demo
 * generators and the real packer) and reused, or taken from a given path.
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { grayScottDemo } from "../../src/demo/gray-scott";
import { materialWorldDemo } from "../../src/demo/material-world";
import { packDataset } from "../../src/writer/packer";

export type DemoKind = "gray-scott" | "material-world";

export interface DemoOptions {
  size?: number;
  steps?: number;
  brickSize?: number;
  seed?: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BENCH_CACHE = join(ROOT, ".cache", "bench");

/** Path of the demo dataset, generating it first when it is not there yet. */
export async function ensureDemo(kind: DemoKind, o: DemoOptions = {}): Promise<string> {
  const size = o.size ?? 128;
  const steps = o.steps ?? 4;
  const brickSize = o.brickSize ?? 64;
  const seed = o.seed ?? 1;
  const path = join(BENCH_CACHE, `${kind}-${size}-t${steps}-b${brickSize}-s${seed}.fvx`);
  if (existsSync(path)) return path;
  mkdirSync(BENCH_CACHE, { recursive: true });
  const demo =
    kind === "gray-scott" ? grayScottDemo({ size, steps, seed }) : materialWorldDemo({ size, steps, seed });
  // Write under a temporary name so an interrupted run never leaves a half file to reuse.
  const tmp = `${path}.${process.pid}.tmp`;
  await packDataset(demo.spec, demo.steps, tmp, { brickSize });
  renameSync(tmp, path);
  return path;
}
