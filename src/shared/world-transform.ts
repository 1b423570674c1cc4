/**
 * Grid ↔ world coordinates. A dataset's world placement is one affine map,
 * 12 numbers row-major (3×4): world = M·(p, 1), where p is the continuous
 * level-0 grid position (voxel (i, j, k) spans [i, i+1) × [j, j+1) × [k, k+1),
 * its centre is p = ijk + 0.5). The header's `transform` when present, else
 * the axis-aligned map origin + spacing ⊙ p (docs/FORMAT.md "World transform").
 * Shared by the reader (sample, pick), the writer's inputs and the viewer.
 */
import type { Vec3 } from "./types";

/** Row-major 3×4 affine: [m00 m01 m02 tx, m10 m11 m12 ty, m20 m21 m22 tz]. */
export type Affine = number[];

/** What the map is built from (a header or a DatasetInfo). */
export interface WorldPlacement {
  origin: Vec3;
  spacing: Vec3;
  transform?: number[];
}

/** The axis-aligned map origin + spacing ⊙ p. */
export function axisAligned(origin: Vec3, spacing: Vec3): Affine {
  return [spacing[0], 0, 0, origin[0], 0, spacing[1], 0, origin[1], 0, 0, spacing[2], origin[2]];
}

/** The grid → world map of a dataset. */
export function gridToWorld(p: WorldPlacement): Affine {
  return p.transform ? [...p.transform] : axisAligned(p.origin, p.spacing);
}

/** The world → grid map of a dataset. */
export function worldToGrid(p: WorldPlacement): Affine {
  return invertAffine(gridToWorld(p));
}

/** M·(p, 1). */
export function applyPoint(m: Affine, p: ArrayLike<number>): Vec3 {
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

/** M·(v, 0): a direction or displacement (no translation). */
export function applyVector(m: Affine, v: ArrayLike<number>): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[4] * v[0] + m[5] * v[1] + m[6] * v[2],
    m[8] * v[0] + m[9] * v[1] + m[10] * v[2],
  ];
}

/** A ray mapped through M; the ray parameter is unchanged (an affine map keeps it). */
export function applyRay(
  m: Affine,
  ray: { origin: Vec3; direction: Vec3 },
): { origin: Vec3; direction: Vec3 } {
  return { origin: applyPoint(m, ray.origin), direction: applyVector(m, ray.direction) };
}

/** Determinant of the 3×3 linear part. */
export function linearDeterminant(m: Affine): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[1] * (m[4] * m[10] - m[6] * m[8]) +
    m[2] * (m[4] * m[9] - m[5] * m[8])
  );
}

/** The inverse affine; RangeError when the linear part is singular. */
export function invertAffine(m: Affine): Affine {
  const det = linearDeterminant(m);
  if (!(Math.abs(det) > 0) || !Number.isFinite(det)) throw new RangeError("singular world transform");
  const [a, b, c, , d, e, f, , g, h, k] = m;
  const i00 = (e * k - f * h) / det;
  const i01 = (c * h - b * k) / det;
  const i02 = (b * f - c * e) / det;
  const i10 = (f * g - d * k) / det;
  const i11 = (a * k - c * g) / det;
  const i12 = (c * d - a * f) / det;
  const i20 = (d * h - e * g) / det;
  const i21 = (b * g - a * h) / det;
  const i22 = (a * e - b * d) / det;
  const t = [m[3], m[7], m[11]];
  return [
    i00,
    i01,
    i02,
    -(i00 * t[0] + i01 * t[1] + i02 * t[2]),
    i10,
    i11,
    i12,
    -(i10 * t[0] + i11 * t[1] + i12 * t[2]),
    i20,
    i21,
    i22,
    -(i20 * t[0] + i21 * t[1] + i22 * t[2]),
  ];
}

/** A·B for two affines (apply B first). */
export function composeAffine(a: Affine, b: Affine): Affine {
  const out: number[] = new Array(12);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let s = c === 3 ? a[r * 4 + 3] : 0;
      for (let k = 0; k < 3; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/**
 * Our map from a voxel-centre affine A (NIfTI, VTK point data: A·(ijk, 1) is
 * the centre of voxel ijk): M = A·translate(−0.5, −0.5, −0.5), so that
 * M·(ijk + 0.5, 1) = A·(ijk, 1). `a` is 3×4 or 4×4, row-major, nested or flat.
 */
export function fromCentreAffine(a: ArrayLike<number> | number[][]): Affine {
  const flat = Array.isArray(a[0])
    ? (a as number[][]).slice(0, 3).flat()
    : Array.from(a as ArrayLike<number>);
  return composeAffine(flat.slice(0, 12), [1, 0, 0, -0.5, 0, 1, 0, -0.5, 0, 0, 1, -0.5]);
}

/** The header's axis-aligned summary of a transform: origin = M·(0,0,0,1), spacing = column lengths. */
export function placementSummary(m: Affine): { origin: Vec3; spacing: Vec3 } {
  return {
    origin: [m[3], m[7], m[11]],
    spacing: [0, 1, 2].map((c) => Math.hypot(m[c], m[4 + c], m[8 + c])) as Vec3,
  };
}

/** True when the transform is origin + spacing ⊙ p exactly (no rotation, shear or flip). */
export function isAxisAligned(m: Affine): boolean {
  return (
    m[1] === 0 &&
    m[2] === 0 &&
    m[4] === 0 &&
    m[6] === 0 &&
    m[8] === 0 &&
    m[9] === 0 &&
    m[0] > 0 &&
    m[5] > 0 &&
    m[10] > 0
  );
}

/**
 * A plane n·x + c = 0 (x in the space M maps to) expressed in M's source
 * space: n'·x' + c' with x = M·x', renormalised so |n'| = 1 (signed
 * distances stay distances when M is a rotation).
 */
export function pullBackPlane(m: Affine, n: ArrayLike<number>, c: number): [number, number, number, number] {
  const ln = [0, 1, 2].map((k) => m[k] * n[0] + m[4 + k] * n[1] + m[8 + k] * n[2]);
  const len = Math.hypot(ln[0], ln[1], ln[2]) || 1;
  const c2 = n[0] * m[3] + n[1] * m[7] + n[2] * m[11] + c;
  return [ln[0] / len, ln[1] / len, ln[2] / len, c2 / len];
}

/**
 * A camera (eye and frustum planes n·x + c ≥ 0, in world units) carried into
 * the frame where the grid is axis-aligned at origin + spacing ⊙ p, which is
 * what LOD selection assumes (node boxes, distances). The frame map is
 * origin/spacing ∘ M⁻¹: a rotation (and flip) when M's columns are
 * orthogonal, so distances are kept. Unchanged when there is no transform.
 */
export function cameraIntoGridFrame<C extends { eye: ArrayLike<number>; planes: ArrayLike<number> }>(
  p: WorldPlacement,
  camera: C,
): C {
  if (!p.transform) return camera;
  const back = composeAffine(p.transform, invertAffine(axisAligned(p.origin, p.spacing)));
  const planes: number[] = [];
  for (let i = 0; i + 3 < camera.planes.length; i += 4) {
    const n = [camera.planes[i], camera.planes[i + 1], camera.planes[i + 2]];
    planes.push(...pullBackPlane(back, n, camera.planes[i + 3]));
  }
  return { ...camera, eye: applyPoint(invertAffine(back), camera.eye), planes };
}

/** Column-major 4×4 elements (three.js Matrix4.fromArray / WebGL order). */
export function columnMajor4(m: Affine): number[] {
  return [m[0], m[4], m[8], 0, m[1], m[5], m[9], 0, m[2], m[6], m[10], 0, m[3], m[7], m[11], 1];
}
