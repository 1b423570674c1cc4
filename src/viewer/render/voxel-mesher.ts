/**
 * Face-culling voxel mesher: one quad per face between a drawn voxel and an
 * empty (or hidden, or outside-the-brick) neighbour. Positions are in level-0
 * voxel units, so meshes from different levels line up.
 */
import type { TypedArray, Vec3 } from "../../shared/types";

export interface MeshInput {
  data: TypedArray;
  dims: Vec3;
  /** Level-0 voxel position of the brick's first voxel. */
  origin: Vec3;
  /** Level-0 voxels per voxel of this brick (2^level). */
  scale: number;
  fill: number;
  /** Values not drawn (besides fill). */
  hidden: number[];
  /** value → [r,g,b] in 0..255; missing values get a hashed colour. */
  palette: Record<number, [number, number, number]>;
  /** Level-0 voxel box to keep; voxels whose centre lies outside are empty (so cuts are capped). */
  clip?: { min: Vec3; max: Vec3 };
}

/** What meshing a brick needs besides its ids (where the ids are kept elsewhere, e.g. the backend worker). */
export type MeshRequest = Omit<MeshInput, "data">;

export interface MeshOutput {
  positions: Float32Array;
  normals: Int8Array;
  colors: Uint8Array;
  indices: Uint32Array;
  faces: number;
}

// For each of the 6 directions: neighbour offset, normal, and the 4 corners of the face.
const FACES: { d: Vec3; corners: Vec3[] }[] = [
  {
    d: [-1, 0, 0],
    corners: [
      [0, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
      [0, 1, 0],
    ],
  },
  {
    d: [1, 0, 0],
    corners: [
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
      [1, 0, 1],
    ],
  },
  {
    d: [0, -1, 0],
    corners: [
      [0, 0, 0],
      [1, 0, 0],
      [1, 0, 1],
      [0, 0, 1],
    ],
  },
  {
    d: [0, 1, 0],
    corners: [
      [0, 1, 0],
      [0, 1, 1],
      [1, 1, 1],
      [1, 1, 0],
    ],
  },
  {
    d: [0, 0, -1],
    corners: [
      [0, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [1, 0, 0],
    ],
  },
  {
    d: [0, 0, 1],
    corners: [
      [0, 0, 1],
      [1, 0, 1],
      [1, 1, 1],
      [0, 1, 1],
    ],
  },
];

export function defaultMaterialColor(v: number): [number, number, number] {
  // Golden-angle hues: neighbouring ids get distinct colours.
  const h = (v * 137.508) % 360;
  const s = 0.55;
  const l = 0.55;
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export function meshVoxels(inp: MeshInput): MeshOutput {
  const { data, dims, origin, scale, fill } = inp;
  const [nx, ny, nz] = dims;
  const hidden = new Set(inp.hidden);
  const drawn = (v: number) => v !== fill && !hidden.has(v);
  const solid = new Uint8Array(nx * ny * nz);
  for (let i = 0; i < solid.length; i++) solid[i] = drawn(data[i]) ? 1 : 0;
  const clip = inp.clip;
  if (clip) {
    const inside = (axis: number, v: number) => {
      const c = origin[axis] + (v + 0.5) * scale;
      return c >= clip.min[axis] && c < clip.max[axis];
    };
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++)
          if (!(inside(0, x) && inside(1, y) && inside(2, z))) solid[x + nx * (y + ny * z)] = 0;
  }
  // Count first so the output arrays are allocated once.
  let faces = 0;
  const at = (x: number, y: number, z: number) =>
    x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz ? 0 : solid[x + nx * (y + ny * z)];
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if (!solid[x + nx * (y + ny * z)]) continue;
        for (const f of FACES) if (!at(x + f.d[0], y + f.d[1], z + f.d[2])) faces++;
      }
  const positions = new Float32Array(faces * 12);
  const normals = new Int8Array(faces * 12);
  const colors = new Uint8Array(faces * 12);
  const indices = new Uint32Array(faces * 6);
  const colorCache = new Map<number, [number, number, number]>();
  let q = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        if (!solid[i]) continue;
        const v = data[i];
        let c = colorCache.get(v);
        if (!c) {
          c = inp.palette[v] ?? defaultMaterialColor(v);
          colorCache.set(v, c);
        }
        for (const f of FACES) {
          if (at(x + f.d[0], y + f.d[1], z + f.d[2])) continue;
          for (let k = 0; k < 4; k++) {
            const o = (q * 4 + k) * 3;
            const cn = f.corners[k];
            positions[o] = origin[0] + (x + cn[0]) * scale;
            positions[o + 1] = origin[1] + (y + cn[1]) * scale;
            positions[o + 2] = origin[2] + (z + cn[2]) * scale;
            normals[o] = f.d[0] * 127;
            normals[o + 1] = f.d[1] * 127;
            normals[o + 2] = f.d[2] * 127;
            colors[o] = c[0];
            colors[o + 1] = c[1];
            colors[o + 2] = c[2];
          }
          const b = q * 4;
          indices.set([b, b + 1, b + 2, b, b + 2, b + 3], q * 6);
          q++;
        }
      }
  return { positions, normals, colors, indices, faces };
}
