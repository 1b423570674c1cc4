// Octree LOD selection by screen-space error with frustum culling, under a
// byte and a voxel budget, refining nearest nodes first.
//
// Parameters at `params` (f64 words): 0–2 eye (world), 3–26 six planes
// (a, b, c, d; inside when a·x + b·y + c·z + d >= 0), 27 sseFactor
// (= viewportHeight / (2·tan(fovy/2)), computed by the caller so both twins
// share it), 28 threshold (px), 29 byte budget, 30 voxel budget, 31–33
// origin, 34–36 spacing (world = origin + voxel·spacing). Written back: 37
// bytes used, 38 voxels used, 39 nodes visited.
import { HAS_CHILDREN, N_BYTES, N_CHILD_COUNT, N_FIRST_CHILD, N_FLAGS, N_GEOM_ERROR, N_LEVEL, N_MAX_X, N_MIN_X, nodeAt } from "./layout";

let P: usize = 0;
let NODES: usize = 0;
let HEAP: usize = 0;
let heapSize: i32 = 0;
let dist: f64 = 0;

@inline function param(i: i32): f64 {
  return load<f64>(P + (<usize>i << 3));
}

/** False when the node's world box is entirely outside one plane; sets `dist` (eye to box). */
function visible(node: i32): bool {
  const n = nodeAt(NODES, node);
  const ox = param(31), oy = param(32), oz = param(33);
  const sx = param(34), sy = param(35), sz = param(36);
  const x0 = ox + <f64>load<i32>(n + N_MIN_X) * sx;
  const y0 = oy + <f64>load<i32>(n + N_MIN_X + 4) * sy;
  const z0 = oz + <f64>load<i32>(n + N_MIN_X + 8) * sz;
  const x1 = ox + <f64>load<i32>(n + N_MAX_X) * sx;
  const y1 = oy + <f64>load<i32>(n + N_MAX_X + 4) * sy;
  const z1 = oz + <f64>load<i32>(n + N_MAX_X + 8) * sz;
  for (let p = 0; p < 6; p++) {
    const a = param(3 + p * 4), b = param(4 + p * 4), c = param(5 + p * 4), d = param(6 + p * 4);
    const px = a >= 0 ? x1 : x0;
    const py = b >= 0 ? y1 : y0;
    const pz = c >= 0 ? z1 : z0;
    if (a * px + b * py + c * pz + d < 0) return false;
  }
  const ex = param(0), ey = param(1), ez = param(2);
  const cx = ex < x0 ? x0 : ex > x1 ? x1 : ex;
  const cy = ey < y0 ? y0 : ey > y1 ? y1 : ey;
  const cz = ez < z0 ? z0 : ez > z1 ? z1 : ez;
  const ddx = ex - cx, ddy = ey - cy, ddz = ez - cz;
  dist = Math.sqrt(ddx * ddx + ddy * ddy + ddz * ddz);
  return true;
}

function voxels(node: i32): f64 {
  const n = nodeAt(NODES, node);
  const level = load<i32>(n + N_LEVEL);
  const m = (1 << level) - 1;
  const bx = (load<i32>(n + N_MAX_X) - load<i32>(n + N_MIN_X) + m) >> level;
  const by = (load<i32>(n + N_MAX_X + 4) - load<i32>(n + N_MIN_X + 4) + m) >> level;
  const bz = (load<i32>(n + N_MAX_X + 8) - load<i32>(n + N_MIN_X + 8) + m) >> level;
  return <f64>bx * <f64>by * <f64>bz;
}

@inline function bytesOf(node: i32): f64 {
  return <f64>load<i32>(nodeAt(NODES, node) + N_BYTES);
}

// Binary min-heap of (distance, node); ties broken by node index so the
// order is a total one and both twins pop identically.
@inline function less(a: usize, b: usize): bool {
  const da = load<f64>(a);
  const db = load<f64>(b);
  return da < db || (da == db && load<i32>(a, 8) < load<i32>(b, 8));
}

function swap(a: usize, b: usize): void {
  const d = load<f64>(a);
  const n = load<i32>(a, 8);
  store<f64>(a, load<f64>(b));
  store<i32>(a, load<i32>(b, 8), 8);
  store<f64>(b, d);
  store<i32>(b, n, 8);
}

function push(d: f64, node: i32): void {
  let i = heapSize++;
  store<f64>(HEAP + (<usize>i << 4), d);
  store<i32>(HEAP + (<usize>i << 4), node, 8);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const a = HEAP + (<usize>i << 4);
    const b = HEAP + (<usize>parent << 4);
    if (!less(a, b)) break;
    swap(a, b);
    i = parent;
  }
}

/** Removes the nearest entry; returns its node and leaves its distance in `dist`. */
function pop(): i32 {
  const top = HEAP;
  dist = load<f64>(top);
  const node = load<i32>(top, 8);
  heapSize--;
  if (heapSize > 0) {
    const last = HEAP + (<usize>heapSize << 4);
    store<f64>(top, load<f64>(last));
    store<i32>(top, load<i32>(last, 8), 8);
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= heapSize) break;
      let c = l;
      if (l + 1 < heapSize && less(HEAP + (<usize>(l + 1) << 4), HEAP + (<usize>l << 4))) c = l + 1;
      const a = HEAP + (<usize>c << 4);
      const b = HEAP + (<usize>i << 4);
      if (!less(a, b)) break;
      swap(a, b);
      i = c;
    }
  }
  return node;
}

/**
 * Select the cut of the octree to draw. Writes node indices to `out` in the
 * order they were settled (nearest first) and returns how many. `heap` needs
 * 16 bytes per node that can be queued at once (nodeCount is always enough).
 */
export function selectLod(nodes: usize, root: i32, params: usize, heap: usize, out: usize): i32 {
  P = params;
  NODES = nodes;
  HEAP = heap;
  heapSize = 0;
  let visited = 0;
  let count = 0;
  let usedBytes: f64 = 0;
  let usedVox: f64 = 0;
  if (visible(root)) {
    visited++;
    usedBytes = bytesOf(root);
    usedVox = voxels(root);
    push(dist, root);
  }
  const factor = param(27);
  const threshold = param(28);
  const budgetBytes = param(29);
  const budgetVox = param(30);
  while (heapSize > 0) {
    const node = pop();
    const d = dist;
    const n = nodeAt(NODES, node);
    const flags = load<i32>(n + N_FLAGS);
    const kids = load<i32>(n + N_CHILD_COUNT);
    if ((flags & HAS_CHILDREN) && kids > 0) {
      const sse = d > 0 ? (<f64>load<f32>(n + N_GEOM_ERROR) * factor) / d : Infinity;
      if (sse > threshold) {
        const first = load<i32>(n + N_FIRST_CHILD);
        let cb: f64 = 0;
        let cv: f64 = 0;
        for (let c = 0; c < kids; c++) {
          if (visible(first + c)) {
            cb += bytesOf(first + c);
            cv += voxels(first + c);
          }
        }
        const nb = usedBytes - bytesOf(node) + cb;
        const nv = usedVox - voxels(node) + cv;
        if (nb <= budgetBytes && nv <= budgetVox) {
          usedBytes = nb;
          usedVox = nv;
          for (let c = 0; c < kids; c++) {
            if (visible(first + c)) {
              visited++;
              push(dist, first + c);
            }
          }
          continue;
        }
      }
    }
    store<i32>(out + (<usize>count << 2), node);
    count++;
  }
  store<f64>(P + 37 * 8, usedBytes);
  store<f64>(P + 38 * 8, usedVox);
  store<f64>(P + 39 * 8, <f64>visited);
  return count;
}
