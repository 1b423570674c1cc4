/**
 * Geometry of the three orthogonal slice panes: which grid axes each pane
 * shows, the 1-voxel-thick box of a slice, the level-0 bricks it crosses,
 * and world-coordinate axis ticks.
 */
import type { Vec3 } from "../../shared/types";
import { applyPoint, gridToWorld } from "../../shared/world-transform";
import type { ViewerInfo } from "../data/viewer-types";

export interface PaneAxes {
  name: "XY" | "XZ" | "YZ";
  /** Grid axis normal to the pane (the slice index steps along it). */
  normal: 0 | 1 | 2;
  /** Grid axis drawn left → right. */
  u: 0 | 1 | 2;
  /** Grid axis drawn bottom → top. */
  v: 0 | 1 | 2;
}

export const PANES: PaneAxes[] = [
  { name: "XY", normal: 2, u: 0, v: 1 },
  { name: "XZ", normal: 1, u: 0, v: 2 },
  { name: "YZ", normal: 0, u: 1, v: 2 },
];

/** The grid's centre voxel (the default slice position). */
export function centreVoxel(dims: Vec3): Vec3 {
  return dims.map((d) => Math.floor(d / 2)) as Vec3;
}

export function clampVoxel(p: Vec3, dims: Vec3): Vec3 {
  return p.map((v, i) => Math.min(dims[i] - 1, Math.max(0, Math.round(v)))) as Vec3;
}

/** Half-open level-0 box of the slice `index` along the pane's normal. */
export function sliceBox(dims: Vec3, pane: PaneAxes, index: number): { min: Vec3; max: Vec3 } {
  const min: Vec3 = [0, 0, 0];
  const max: Vec3 = [dims[0], dims[1], dims[2]];
  min[pane.normal] = index;
  max[pane.normal] = index + 1;
  return { min, max };
}

/** Level-0 brick coordinates the slice crosses (one brick layer). */
export function sliceBricks(
  info: Pick<ViewerInfo, "dims" | "brickSize">,
  pane: PaneAxes,
  index: number,
): Vec3[] {
  const B = info.brickSize;
  const n = info.dims.map((d) => Math.ceil(d / B));
  const out: Vec3[] = [];
  const k = Math.floor(index / B);
  for (let b = 0; b < n[pane.v]; b++)
    for (let a = 0; a < n[pane.u]; a++) {
      const c: Vec3 = [0, 0, 0];
      c[pane.normal] = k;
      c[pane.u] = a;
      c[pane.v] = b;
      out.push(c);
    }
  return out;
}

const AXIS = ["x", "y", "z"];

/**
 * World position along a grid axis: the world component the axis mostly
 * moves (for an axis-aligned grid, exactly that coordinate), as a function
 * of the level-0 voxel edge coordinate `g` (through `at`, the other axes).
 */
export function worldAxis(
  info: ViewerInfo,
  axis: 0 | 1 | 2,
  at: Vec3,
): { label: string; world: (g: number) => number } {
  const m = gridToWorld(info);
  const p0 = applyPoint(m, at);
  const step = [...at] as Vec3;
  step[axis] += 1;
  const p1 = applyPoint(m, step);
  const d = [0, 1, 2].map((i) => p1[i] - p0[i]);
  const c = d.reduce((best, v, i) => (Math.abs(v) > Math.abs(d[best]) ? i : best), 0);
  const units = info.spaceUnits ? ` (${info.spaceUnits})` : "";
  return {
    label: `${AXIS[c]}${units}`,
    world: (g) => {
      const q = [...at] as Vec3;
      q[axis] = g;
      return applyPoint(m, q)[c];
    },
  };
}

/** About `count` round tick values covering [a, b] (either order). */
export function niceTicks(a: number, b: number, count = 5): number[] {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((s) => s * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}
