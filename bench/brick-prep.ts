/**
 * The per-voxel work a scalar brick needs before it can be drawn — values
 * normalized to half floats, occupancy maxima — timed on one thread for a
 * 64³ f32 brick. The viewer used to do this on the page for every brick; it
 * now runs in the decode worker (`decodeGpu`), and the page only uploads.
 *
 * Usage: npx tsx bench/brick-prep.ts [--runs 50]
 * Prints JSON.
 */
import { mulberry32 } from "../src/demo/prng";
import type { Vec3 } from "../src/shared/types";
import { prepareForGpu } from "../src/worker/gpu-prep";
import { normalizeToHalf } from "../src/worker/half-float";
import { brickBlockMax } from "../src/worker/occupancy";
import { argNumber, environment, printJson, summarize } from "./lib/report";

const runs = argNumber("runs", 50);
const dims: Vec3 = [64, 64, 64];
const n = dims[0] * dims[1] * dims[2];
const r = mulberry32(1);
const values = Float32Array.from({ length: n }, () => r());
const out = new Uint16Array(n);
const half: number[] = [];
const occ: number[] = [];
const both: number[] = [];
for (let i = 0; i < runs + 5; i++) {
  const t0 = performance.now();
  normalizeToHalf(values, 0, 1, out);
  const t1 = performance.now();
  brickBlockMax(values, dims, 0);
  const t2 = performance.now();
  prepareForGpu(values, { lo: 0, scale: 1, dims, level: 0 });
  const t3 = performance.now();
  if (i < 5) continue;
  half.push(t1 - t0);
  occ.push(t2 - t1);
  both.push(t3 - t2);
}
printJson({
  bench: "brick-prep",
  brick: "64³ f32",
  msHalfFloat: summarize(half, 2),
  msOccupancy: summarize(occ, 2),
  msPrepareForGpu: summarize(both, 2),
  env: environment(),
});
