/**
 * Connected regions (6-connectivity) of a voxel field: voxels above a
 * threshold (scalar) or of chosen materials (categorical; a region never mixes
 * materials). Iterative flood fill with an explicit stack, so memory stays
 * bounded by the region size and nothing recurses.
 */
import { FlatvoxError } from "../shared/errors";
import type { TypedArray, Vec3 } from "../shared/types";
import type { FeatureInstance } from "./feature-types";

export interface ExtractOptions {
  /** Scalar mode: voxels with value > threshold form regions. */
  threshold?: number;
  /** Categorical mode: voxels whose value is one of these form regions (one material per region). */
  materials?: number[];
  /** Regions smaller than this are dropped (default 1). */
  minVoxels?: number;
  /** Feature type; default "region" (scalar) or "material:<id>" (categorical). */
  type?: string;
}

export interface LabelResult {
  /** Per voxel: index into `instances`, or -1. Dropped (too small) regions are -1. */
  labels: Int32Array;
  instances: FeatureInstance[];
}

export function extractFeatures(data: TypedArray, dims: Vec3, opts: ExtractOptions): FeatureInstance[] {
  return labelComponents(data, dims, opts).instances;
}

export function labelComponents(data: TypedArray, dims: Vec3, opts: ExtractOptions): LabelResult {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (!(nx > 0 && ny > 0 && nz > 0) || data.length !== n) {
    throw new FlatvoxError("InputError", `data length ${data.length} does not match dims ${dims.join("x")}`);
  }
  const hasT = opts.threshold !== undefined;
  const hasM = opts.materials !== undefined && opts.materials.length > 0;
  if (hasT === hasM) throw new FlatvoxError("InputError", "give exactly one of threshold or materials");
  const minVoxels = Math.max(1, opts.minVoxels ?? 1);

  const mask = new Uint8Array(n);
  const matSet = new Set(opts.materials ?? []);
  if (hasT) {
    const th = opts.threshold as number;
    for (let i = 0; i < n; i++) if (data[i] > th) mask[i] = 1;
  } else {
    for (let i = 0; i < n; i++) if (matSet.has(data[i])) mask[i] = 1;
  }

  const labels = new Int32Array(n).fill(-1);
  const instances: FeatureInstance[] = [];
  let stack = new Int32Array(1024);
  const nxy = nx * ny;
  const members: number[] = [];
  let label = 0;
  let seedValue = 0;
  // Defined once, outside the seed loop: a function declared in the loop body would be re-created for every voxel.
  const visit = (j: number, t: number): number => {
    if (mask[j] && labels[j] === -1 && (hasT || data[j] === seedValue)) {
      labels[j] = label;
      stack[t++] = j;
    }
    return t;
  };
  for (let seed = 0; seed < n; seed++) {
    if (!mask[seed] || labels[seed] !== -1) continue;
    label = instances.length;
    seedValue = data[seed];
    let top = 0;
    stack[top++] = seed;
    labels[seed] = label;
    let count = 0;
    let sum = 0;
    let peak = -Infinity;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let x0 = nx;
    let y0 = ny;
    let z0 = nz;
    let x1 = -1;
    let y1 = -1;
    let z1 = -1;
    members.length = 0;
    while (top > 0) {
      const i = stack[--top];
      members.push(i);
      const z = (i / nxy) | 0;
      const r = i - z * nxy;
      const y = (r / nx) | 0;
      const x = r - y * nx;
      const v = data[i];
      count++;
      sum += v;
      if (v > peak) peak = v;
      sx += x;
      sy += y;
      sz += z;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
      if (top + 6 > stack.length) {
        const bigger = new Int32Array(stack.length * 2);
        bigger.set(stack);
        stack = bigger;
      }
      // Visit the 6 face neighbours that are in the mask, unlabelled and (categorical) of the same material.
      if (x > 0) top = visit(i - 1, top);
      if (x < nx - 1) top = visit(i + 1, top);
      if (y > 0) top = visit(i - nx, top);
      if (y < ny - 1) top = visit(i + nx, top);
      if (z > 0) top = visit(i - nxy, top);
      if (z < nz - 1) top = visit(i + nxy, top);
    }
    if (count < minVoxels) {
      // Too small: unlabel (mark -2 during the scan so the seed loop skips it, reset after).
      for (const i of members) labels[i] = -2;
      continue;
    }
    instances.push({
      id: label,
      type: opts.type ?? (hasT ? "region" : `material:${seedValue}`),
      box: { min: [x0, y0, z0], max: [x1 + 1, y1 + 1, z1 + 1] },
      voxels: count,
      peak,
      mean: sum / count,
      centroid: [sx / count + 0.5, sy / count + 0.5, sz / count + 0.5],
    });
  }
  for (let i = 0; i < n; i++) if (labels[i] === -2) labels[i] = -1;
  return { labels, instances };
}
