/**
 * `ds.selectLod`: which bricks a camera needs, the viewer's LOD selection as
 * a library call. The brick pyramid of one field and timestep becomes the
 * core's octree records (src/core/node-tree.ts) with each brick's decoded
 * size as its cost (0 for uniform bricks, which need no fetch), and the LOD
 * kernel (WASM, or its JS twin) picks the cut: nearest first, refined where
 * a brick's screen-space error exceeds the threshold, frustum culled, under
 * the byte (and voxel) budget. Costs only hierarchy pages, never bricks.
 */
import { N_FLAGS, NODE_WORDS, UNIFORM } from "../core/layout";
import {
  createLodSelector,
  type LodBudget,
  type LodCamera,
  type LodGrid,
  type LodKernels,
  type LodSelection,
} from "../core/lod";
import { buildLodTree } from "../core/node-tree";
import { brickDims, type OctNode, topLevel } from "../core/octree";
import { Encoding } from "../format/constants";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import { type Box3, bytesPerValue, type Vec3 } from "../shared/types";
import { cameraIntoGridFrame } from "../shared/world-transform";
import type { BrickAccess, CallOptions, FieldRef, LocatedEntry } from "./dataset-types";

export interface LodQuery {
  field: FieldRef;
  t: number;
  /** Eye, frustum planes (world units), viewport height in px, vertical fov in radians, threshold in px (default 16). */
  camera: LodCamera;
  /** Decoded bytes (and voxels) the selected bricks may occupy. */
  budget: LodBudget;
  /** Level-0 voxel box; bricks outside it are left out. */
  clip?: Box3;
  /** Do not refine below this level (default 0). */
  finestLevel?: number;
}

export interface LodBrick {
  level: number;
  brick: Vec3;
  /** Uniform bricks need no fetch: their value is in the entry. */
  uniform: boolean;
  /** Decoded bytes. */
  bytes: number;
  /** Bytes to fetch (0 for uniform bricks). */
  storedBytes: number;
}

export interface LodResult {
  /** The cut, nearest first. */
  bricks: LodBrick[];
  /** The cut's bricks that must be fetched (not uniform), nearest first. */
  fetch: LodBrick[];
  /** Decoded bytes and voxels of the cut, and octree nodes the kernel visited. */
  bytes: number;
  voxels: number;
  visited: number;
  implementation: string;
}

/** Bricks per timestep beyond which the whole pyramid is not summarised at once. */
const MAX_NODES = 1 << 20;

let selector: Promise<LodKernels> | undefined;

/**
 * One LOD cut over a node tree (buildLodTree's records): the kernel call both
 * `ds.selectLod` and the viewer's LOD selection (its core worker,
 * src/viewer/core/core-service.ts) make. `camera` is in the grid frame
 * (cameraIntoGridFrame); the records are copied into core memory for the call.
 */
export function selectCut(
  lod: LodKernels,
  records: Int32Array,
  count: number,
  camera: LodCamera,
  budget: LodBudget,
  grid: LodGrid,
): LodSelection {
  const mem = lod.core.memory;
  const mark = mem.mark();
  try {
    return lod.select(mem.copyIn(records), count, 0, camera, budget, grid);
  } finally {
    mem.release(mark);
  }
}

export async function selectLod(ds: BrickAccess, q: LodQuery, opts: CallOptions = {}): Promise<LodResult> {
  throwIfAborted(opts.signal);
  const { field } = ds.checkQuery(q.field, q.t, 0);
  const info = ds.info;
  const shape = { dims: info.dims, brickSize: info.brickSize, levels: info.levels, spacing: info.spacing };
  const count = info.levels.reduce((n, l) => n + l.bricks[0] * l.bricks[1] * l.bricks[2], 0);
  if (count > MAX_NODES)
    throw new FlatvoxError(
      "LimitError",
      `${count} bricks per timestep is more than ${MAX_NODES} to select from`,
    );
  const clip = q.clip;
  // Every brick entry of the pyramid (hierarchy pages, fetched once and cached).
  const entries = new Map<string, LocatedEntry>();
  const jobs: Promise<void>[] = [];
  for (const g of info.levels)
    for (let z = 0; z < g.bricks[2]; z++)
      for (let y = 0; y < g.bricks[1]; y++)
        for (let x = 0; x < g.bricks[0]; x++) {
          const b: Vec3 = [x, y, z];
          jobs.push(
            ds.brickEntry(field, q.t, g.level, b, opts).then((e) => {
              entries.set(`${g.level}/${x},${y},${z}`, e);
            }),
          );
        }
  await Promise.all(jobs);
  const entryOf = (n: OctNode) => entries.get(`${n.level}/${n.brick[0]},${n.brick[1]},${n.brick[2]}`);
  const bpv = bytesPerValue(info.fields[field].dtype);
  const decoded = (n: OctNode) => {
    const d = brickDims(shape, n);
    return d[0] * d[1] * d[2] * bpv;
  };
  const uniform = (e?: LocatedEntry) => e?.encoding === Encoding.UNIFORM;
  const tree = buildLodTree(shape, {
    clip,
    finestLevel: q.finestLevel,
    cost: (n) => (uniform(entryOf(n)) ? 0 : decoded(n)),
  });
  const i32 = new Int32Array(tree.records);
  tree.nodes.forEach((n, i) => {
    if (n.level <= topLevel(shape) && uniform(entryOf(n))) i32[i * NODE_WORDS + N_FLAGS] |= UNIFORM;
  });
  selector ??= createLodSelector();
  const lod = await selector;
  // Nodes are placed at origin + spacing ⊙ p: a world transform carries the camera into that frame.
  const r = selectCut(lod, i32, tree.count, cameraIntoGridFrame(info, q.camera), q.budget, {
    origin: info.origin,
    spacing: info.spacing,
  });
  const brick = (i: number): LodBrick => {
    const n = tree.nodes[i];
    const e = entryOf(n);
    const u = uniform(e);
    return {
      level: n.level,
      brick: n.brick,
      uniform: u,
      bytes: decoded(n),
      storedBytes: u ? 0 : (e?.length ?? 0),
    };
  };
  // A synthetic root (several top bricks) is not a brick of the file.
  const real = (i: number) => tree.nodes[i].level <= topLevel(shape);
  const bricks = [...r.selected].filter(real).map(brick);
  return {
    bricks,
    fetch: bricks.filter((b) => !b.uniform),
    bytes: r.bytes,
    voxels: r.voxels,
    visited: r.visited,
    implementation: lod.implementation,
  };
}
