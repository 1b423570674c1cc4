/**
 * A brick pyramid written as the core's octree node records
 * (src/core/layout.ts), so the WASM kernels (LOD selection, hierarchical ray
 * DDA) walk it. Two builds of the same tree:
 *  - for LOD: every brick inside the clip box, its fetch cost in bytes
 *    (0 when it needs no GPU slot) and children only above the finest level;
 *  - for picking: what is cached now — a node with no cached descendant is a
 *    leaf answered by its own data, or by its nearest cached ancestor (coarse).
 * Records go into a plain ArrayBuffer that is transferred to the core worker.
 */

import type { Vec3 } from "../shared/types";
import * as L from "./layout";
import { children, nodeBounds, type OctNode, type OctreeShape, roots, topLevel } from "./octree";

export interface NodeTree {
  /** NODE_WORDS i32/f32 words per node; root is node 0. */
  records: ArrayBuffer;
  count: number;
  /** Which brick each node is (the synthetic root, when the top level has several bricks, is level top+1). */
  nodes: OctNode[];
}

interface Draft {
  node: OctNode;
  parent: number;
  first: number;
  count: number;
}

/** Breadth-first tree over the pyramid (children contiguous); `keep` prunes subtrees. */
function layout(shape: OctreeShape, keep: (n: OctNode) => boolean, expand: (n: OctNode) => boolean): Draft[] {
  const top = topLevel(shape);
  const rs = roots(shape).filter(keep);
  const list: Draft[] = [];
  if (rs.length === 1) list.push({ node: rs[0], parent: -1, first: -1, count: 0 });
  else {
    // Several top bricks: a synthetic root one level up holds them.
    list.push({ node: { level: top + 1, brick: [0, 0, 0] }, parent: -1, first: 1, count: rs.length });
    for (const r of rs) list.push({ node: r, parent: 0, first: -1, count: 0 });
  }
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    if (d.node.level > top || !expand(d.node)) continue;
    const kids = children(shape, d.node).filter(keep);
    if (!kids.length) continue;
    d.first = list.length;
    d.count = kids.length;
    for (const k of kids) list.push({ node: k, parent: i, first: -1, count: 0 });
  }
  return list;
}

function boundsOf(shape: OctreeShape, n: OctNode): { min: Vec3; max: Vec3 } {
  if (n.level <= topLevel(shape)) return nodeBounds(shape, n);
  return { min: [0, 0, 0], max: [...shape.dims] as Vec3 };
}

function write(
  shape: OctreeShape,
  list: Draft[],
  fill: (i: number, i32: Int32Array, f32: Float32Array, o: number) => void,
): NodeTree {
  const records = new ArrayBuffer(list.length * L.NODE_WORDS * 4);
  const i32 = new Int32Array(records);
  const f32 = new Float32Array(records);
  const maxSpacing = Math.max(...((shape as { spacing?: Vec3 }).spacing ?? [1, 1, 1]));
  list.forEach((d, i) => {
    const o = i * L.NODE_WORDS;
    const b = boundsOf(shape, d.node);
    i32.set(b.min, o);
    i32.set(b.max, o + 3);
    i32[o + L.N_LEVEL] = d.node.level;
    i32[o + L.N_FLAGS] = d.count > 0 ? L.HAS_CHILDREN : 0;
    i32[o + L.N_FIRST_CHILD] = d.first;
    i32[o + L.N_CHILD_COUNT] = d.count;
    i32[o + L.N_PARENT] = d.parent;
    i32[o + L.N_DATA] = -1;
    i32[o + L.N_BYTES] = 0;
    f32[o + L.N_VMIN] = Number.NEGATIVE_INFINITY;
    f32[o + L.N_VMAX] = Number.POSITIVE_INFINITY;
    f32[o + L.N_GEOM_ERROR] = 2 ** d.node.level * maxSpacing;
    fill(i, i32, f32, o);
  });
  return { records, count: list.length, nodes: list.map((d) => d.node) };
}

export interface LodTreeOptions {
  /** Level-0 voxel box; bricks outside it are not in the tree. */
  clip?: { min: Vec3; max: Vec3 };
  /** Nodes at or below this level get no children (coarse during playback). */
  finestLevel?: number;
  /** Bytes a node costs when selected (GPU slot), 0 when it needs none. */
  cost(n: OctNode): number;
}

/** The tree the LOD kernel selects a cut from. Shape needs `spacing` for geometric errors. */
export function buildLodTree(shape: OctreeShape & { spacing: Vec3 }, o: LodTreeOptions): NodeTree {
  const clip = o.clip;
  const keep = (n: OctNode): boolean => {
    if (!clip) return true;
    const b = nodeBounds(shape, n);
    for (let i = 0; i < 3; i++) if (b.max[i] <= clip.min[i] || b.min[i] >= clip.max[i]) return false;
    return true;
  };
  const finest = o.finestLevel ?? 0;
  const list = layout(shape, keep, (n) => n.level > finest);
  // The viewer keeps a refined node's brick (drawn until its children arrive),
  // while the kernel counts only the cut. Each node therefore also carries an
  // equal share of its ancestors' cost: summed over a cut whose refined nodes
  // have all children visible, the shares add up to the ancestors' cost.
  const share = new Float64Array(list.length);
  const own = list.map((d) => (d.node.level <= topLevel(shape) ? o.cost(d.node) : 0));
  return write(shape, list, (i, i32, _f32, off) => {
    const d = list[i];
    if (d.count > 0) {
      const pass = (own[i] + share[i]) / d.count;
      for (let c = d.first; c < d.first + d.count; c++) share[c] = pass;
    }
    i32[off + L.N_BYTES] = Math.min(2 ** 31 - 1, Math.round(own[i] + share[i]));
  });
}

/** What the viewer has in memory for one brick. */
export type CachedState =
  | { kind: "uniform"; value: number }
  | { kind: "data"; key: string; min: number; max: number };

export interface PickTree extends NodeTree {
  /** Nodes answered from their own data: node index → content key. */
  resident: Map<number, string>;
}

/**
 * The tree the ray kernel walks, from what is cached (`cached(n)` per brick).
 * A node whose subtree holds nothing finer is a leaf: with its own data it is
 * resident (its stats prune the ray), uniform when cached as uniform; with
 * nothing it takes its nearest cached ancestor's answer — a uniform ancestor's
 * value directly (at that ancestor's level), a resident ancestor through the
 * kernel's fallback. Inner nodes carry no stats: coarse stats of downsampled
 * values do not bound finer values, so they must not prune.
 */
export function buildPickTree(
  shape: OctreeShape & { spacing: Vec3 },
  cached: (n: OctNode) => CachedState | undefined,
): PickTree {
  const top = topLevel(shape);
  const memo = new Map<string, boolean>();
  const key = (n: OctNode) => `${n.level}/${n.brick[0]},${n.brick[1]},${n.brick[2]}`;
  // True when some strict descendant is cached.
  const finer = (n: OctNode): boolean => {
    if (n.level === 0) return false;
    const k = key(n);
    const m = memo.get(k);
    if (m !== undefined) return m;
    const r = children(shape, n).some((c) => cached(c) !== undefined || finer(c));
    memo.set(k, r);
    return r;
  };
  const list = layout(
    shape,
    () => true,
    (n) => finer(n),
  );
  const resident = new Map<number, string>();
  // Nearest cached ancestor (or self) per node, filled top-down (parents precede children).
  const near: (CachedState | undefined)[] = new Array(list.length);
  const tree = write(shape, list, (i, i32, f32, o) => {
    const d = list[i];
    const n = d.node;
    const own = n.level <= top ? cached(n) : undefined;
    const inherited = d.parent >= 0 ? near[d.parent] : undefined;
    near[i] = own ?? inherited;
    const leaf = d.count === 0;
    if (own?.kind === "data") {
      i32[o + L.N_FLAGS] |= L.RESIDENT;
      resident.set(i, own.key);
      if (leaf) {
        f32[o + L.N_VMIN] = own.min;
        f32[o + L.N_VMAX] = own.max;
      }
    } else if (leaf && near[i]?.kind === "uniform") {
      const u = near[i] as { value: number };
      i32[o + L.N_FLAGS] = L.UNIFORM;
      f32[o + L.N_VMIN] = u.value;
      f32[o + L.N_VMAX] = u.value;
      if (!own) {
        // Reported at the level the value came from.
        let a = d.parent;
        while (a >= 0 && list[a].node.level <= top && cached(list[a].node) === undefined) a = list[a].parent;
        if (a >= 0) i32[o + L.N_LEVEL] = list[a].node.level;
      }
    }
  });
  return { ...tree, resident };
}

/** Whether the ray meets a node's box between tMin and tMax (level-0 voxel units). */
export function rayCrosses(
  records: Int32Array,
  node: number,
  origin: Vec3,
  dir: Vec3,
  tMin: number,
  tMax: number,
): boolean {
  const o = node * L.NODE_WORDS;
  let t0 = tMin;
  let t1 = tMax;
  for (let a = 0; a < 3; a++) {
    const lo = records[o + a];
    const hi = records[o + 3 + a];
    if (dir[a] === 0) {
      if (origin[a] < lo || origin[a] > hi) return false;
      continue;
    }
    let ta = (lo - origin[a]) / dir[a];
    let tb = (hi - origin[a]) / dir[a];
    if (ta > tb) [ta, tb] = [tb, ta];
    if (ta > t0) t0 = ta;
    if (tb < t1) t1 = tb;
  }
  return t0 <= t1;
}
