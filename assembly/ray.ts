// Ray–voxel intersection: one Amanatides–Woo voxel walk, run over a dense
// brick (rayBrick) and in the leaves of a hierarchical DDA over the octree
// that skips nodes whose stats rule out a hit (NanoVDB's HDDA idea). The ray is o + t·d in level-0 voxel
// units; every step is in f64 so the JS twin reproduces it exactly.
//
// Hit record at `out` (f64 words): 0 i, 1 j, 2 k (voxel index at the hit
// level), 3 value, 4 t, 5 level, 6 unresolved nodes met, 7 voxels visited.
import { F32, I16, U8, U16 } from "./dtype";
import {
  CELL_MASK,
  CELL_SHIFT,
  CELL_SIZE,
  CELLS,
  cellTableOffset,
  HAS_CHILDREN,
  N_CHILD_COUNT,
  N_DATA,
  N_FIRST_CHILD,
  N_FLAGS,
  N_LEVEL,
  N_MAX_X,
  N_MIN_X,
  N_VMAX,
  N_VMIN,
  nodeAt,
  RESIDENT,
  UNIFORM,
} from "./layout";

// Predicate: mode 0 → value >= threshold; mode 1 → integral value whose bit is set.
let pMode: i32 = 0;
let pThr: f64 = 0;
let pSet: usize = 0;
let pBits: i32 = 0;

let sDtype: i32 = 0;

let gT0: f64 = 0;
let gT1: f64 = 0;
let hI: i32 = 0;
let hJ: i32 = 0;
let hK: i32 = 0;
let hV: f64 = 0;
let hT: f64 = 0;
let hLevel: i32 = 0;
let unresolved: i32 = 0;
let steps: i32 = 0;

@inline function bitSet(b: u32): bool {
  return ((load<u32>(pSet + (<usize>(b >> 5) << 2)) >> (b & 31)) & 1) != 0;
}

function hits(v: f64): bool {
  if (pMode == 0) return v >= pThr;
  if (!(v >= 0) || v >= <f64>pBits) return false;
  const b = <u32>v;
  if (<f64>b != v) return false;
  return bitSet(b);
}

function mayContain(lo: f64, hi: f64): bool {
  if (pMode == 0) return hi >= pThr;
  if (!(lo <= hi)) return false;
  let a = Math.ceil(lo);
  if (a < 0) a = 0;
  let b = Math.floor(hi);
  if (b > <f64>(pBits - 1)) b = <f64>(pBits - 1);
  for (let v = <i32>a; <f64>v <= b; v++) if (bitSet(<u32>v)) return true;
  return false;
}

@inline function finite3(x: f64, y: f64, z: f64): bool {
  return isFinite(x) && isFinite(y) && isFinite(z);
}

/** Slab test of o + t·d against [b0, b1) within [tA, tB], given 1/d per axis; sets gT0, gT1. */
function clipWith(ox: f64, oy: f64, oz: f64, dx: f64, dy: f64, dz: f64, ix: f64, iy: f64, iz: f64, bx0: f64, by0: f64, bz0: f64, bx1: f64, by1: f64, bz1: f64, tA: f64, tB: f64): bool {
  let t0 = tA;
  let t1 = tB;
  if (dx == 0) {
    if (!(ox >= bx0 && ox < bx1)) return false;
  } else {
    let ta = (bx0 - ox) * ix;
    let tb = (bx1 - ox) * ix;
    if (ta > tb) { const s = ta; ta = tb; tb = s; }
    if (ta > t0) t0 = ta;
    if (tb < t1) t1 = tb;
  }
  if (dy == 0) {
    if (!(oy >= by0 && oy < by1)) return false;
  } else {
    let ta = (by0 - oy) * iy;
    let tb = (by1 - oy) * iy;
    if (ta > tb) { const s = ta; ta = tb; tb = s; }
    if (ta > t0) t0 = ta;
    if (tb < t1) t1 = tb;
  }
  if (dz == 0) {
    if (!(oz >= bz0 && oz < bz1)) return false;
  } else {
    let ta = (bz0 - oz) * iz;
    let tb = (bz1 - oz) * iz;
    if (ta > tb) { const s = ta; ta = tb; tb = s; }
    if (ta > t0) t0 = ta;
    if (tb < t1) t1 = tb;
  }
  gT0 = t0;
  gT1 = t1;
  return t0 < t1;
}

function setPredicate(mode: i32, thr: f64, set: usize, bits: i32): void {
  pMode = mode;
  pThr = thr;
  pSet = set;
  pBits = bits;
}

function writeHit(out: usize, hit: bool): i32 {
  store<f64>(out, hit ? <f64>hI : NaN);
  store<f64>(out, hit ? <f64>hJ : NaN, 8);
  store<f64>(out, hit ? <f64>hK : NaN, 16);
  store<f64>(out, hit ? hV : NaN, 24);
  store<f64>(out, hit ? hT : NaN, 32);
  store<f64>(out, hit ? <f64>hLevel : NaN, 40);
  store<f64>(out, <f64>unresolved, 48);
  store<f64>(out, <f64>steps, 56);
  return hit ? 1 : 0;
}

let rOx: f64 = 0, rOy: f64 = 0, rOz: f64 = 0, rDx: f64 = 0, rDy: f64 = 0, rDz: f64 = 0;
let rIx: f64 = 0, rIy: f64 = 0, rIz: f64 = 0;

let hNodes: usize = 0;

// The ray in the voxel units of the brick being walked (origin at its min
// corner), its inverse direction, and the brick's values and row strides.
let lOx: f64 = 0, lOy: f64 = 0, lOz: f64 = 0, lDx: f64 = 0, lDy: f64 = 0, lDz: f64 = 0;
let lIx: f64 = 0, lIy: f64 = 0, lIz: f64 = 0;
let lData: usize = 0;
let lNx: i32 = 0;
let lNy: i32 = 0;

/** clipWith() for the current octree ray. */
@inline function clipInv(ox: f64, oy: f64, oz: f64, bx0: f64, by0: f64, bz0: f64, bx1: f64, by1: f64, bz1: f64, tA: f64, tB: f64): bool {
  return clipWith(ox, oy, oz, rDx, rDy, rDz, rIx, rIy, rIz, bx0, by0, bz0, bx1, by1, bz1, tA, tB);
}

// One axis of a slab test, narrowing [gT0, gT1]; false when the ray is
// parallel to the axis and outside [b0, b1). Same arithmetic as clipWith().
@inline function slab(o: f64, d: f64, inv: f64, b0: f64, b1: f64): bool {
  if (d == 0) return o >= b0 && o < b1;
  let ta = (b0 - o) * inv;
  let tb = (b1 - o) * inv;
  if (ta > tb) { const s = ta; ta = tb; tb = s; }
  if (ta > gT0) gT0 = ta;
  if (tb < gT1) gT1 = tb;
  return true;
}

/** clipWith() for the brick-local ray against the voxel box [i0, i1) × [j0, j1) × [k0, k1), inlined. */
@inline function clipLocal(i0: i32, j0: i32, k0: i32, i1: i32, j1: i32, k1: i32, tA: f64, tB: f64): bool {
  gT0 = tA;
  gT1 = tB;
  return (
    slab(lOx, lDx, lIx, <f64>i0, <f64>i1) &&
    slab(lOy, lDy, lIy, <f64>j0, <f64>j1) &&
    slab(lOz, lDz, lIz, <f64>k0, <f64>k1) &&
    gT0 < gT1
  );
}

@inline function clampCell(p: f64, lo: i32, hi: i32): i32 {
  const f = Math.floor(p);
  return <i32>(f < <f64>lo ? <f64>lo : f > <f64>(hi - 1) ? <f64>(hi - 1) : f);
}

/**
 * Amanatides–Woo through the voxels of box [i0, i1) × [j0, j1) × [k0, k1) of
 * the current brick (values of type T) within [tA, tB]. Sets the hit fields.
 */
function voxelWalk<T>(i0: i32, j0: i32, k0: i32, i1: i32, j1: i32, k1: i32, tA: f64, tB: f64): bool {
  if (!clipLocal(i0, j0, k0, i1, j1, k1, tA, tB)) return false;
  const t0 = gT0;
  const t1 = gT1;
  let i = clampCell(lOx + lDx * t0, i0, i1);
  let j = clampCell(lOy + lDy * t0, j0, j1);
  let k = clampCell(lOz + lDz * t0, k0, k1);
  let sx = 0, sy = 0, sz = 0;
  let tx = Infinity, ty = Infinity, tz = Infinity;
  let ex = Infinity, ey = Infinity, ez = Infinity;
  if (lDx > 0) { sx = 1; tx = (<f64>(i + 1) - lOx) * lIx; ex = lIx; }
  else if (lDx < 0) { sx = -1; tx = (<f64>i - lOx) * lIx; ex = -lIx; }
  if (lDy > 0) { sy = 1; ty = (<f64>(j + 1) - lOy) * lIy; ey = lIy; }
  else if (lDy < 0) { sy = -1; ty = (<f64>j - lOy) * lIy; ey = -lIy; }
  if (lDz > 0) { sz = 1; tz = (<f64>(k + 1) - lOz) * lIz; ez = lIz; }
  else if (lDz < 0) { sz = -1; tz = (<f64>k - lOz) * lIz; ez = -lIz; }
  const data = lData;
  const nx = <usize>lNx;
  const nxy = <usize>lNx * <usize>lNy;
  // Globals read once: the loop keeps everything in locals.
  const threshold = pMode == 0;
  const thr = pThr;
  let n = 0;
  let t = t0;
  let found = false;
  while (true) {
    n++;
    const v = <f64>load<T>(data + (<usize>i + nx * <usize>j + nxy * <usize>k) * sizeof<T>());
    if (threshold ? v >= thr : hits(v)) {
      hI = i;
      hJ = j;
      hK = k;
      hV = v;
      hT = t;
      found = true;
      break;
    }
    if (tx <= ty && tx <= tz) {
      if (tx >= t1) break;
      i += sx;
      if (i < i0 || i >= i1) break;
      t = tx;
      tx += ex;
    } else if (ty <= tz) {
      if (ty >= t1) break;
      j += sy;
      if (j < j0 || j >= j1) break;
      t = ty;
      ty += ey;
    } else {
      if (tz >= t1) break;
      k += sz;
      if (k < k0 || k >= k1) break;
      t = tz;
      tz += ez;
    }
  }
  steps += n;
  return found;
}

/** Next cell boundary crossed along one axis, from the boundary coordinate. */
@inline function cellExit(c: i32, s: i32, o: f64, inv: f64): f64 {
  if (s > 0) return (<f64>((c + 1) << CELL_SHIFT) - o) * inv;
  if (s < 0) return (<f64>(c << CELL_SHIFT) - o) * inv;
  return Infinity;
}

/**
 * DDA over the brick's cells (CELL_SHIFT-sized blocks with a min/max each,
 * at `cells`), walking voxels only in cells whose range may hold a hit.
 */
function cellWalk<T>(nx: i32, ny: i32, nz: i32, cells: usize, tA: f64, tB: f64): bool {
  if (!clipLocal(0, 0, 0, nx, ny, nz, tA, tB)) return false;
  const t1 = gT1;
  let t = gT0;
  const cx = (nx + CELL_MASK) >> CELL_SHIFT;
  const cy = (ny + CELL_MASK) >> CELL_SHIFT;
  const cz = (nz + CELL_MASK) >> CELL_SHIFT;
  let ci = clampCell(lOx + lDx * t, 0, nx) >> CELL_SHIFT;
  let cj = clampCell(lOy + lDy * t, 0, ny) >> CELL_SHIFT;
  let ck = clampCell(lOz + lDz * t, 0, nz) >> CELL_SHIFT;
  const sx = lDx > 0 ? 1 : lDx < 0 ? -1 : 0;
  const sy = lDy > 0 ? 1 : lDy < 0 ? -1 : 0;
  const sz = lDz > 0 ? 1 : lDz < 0 ? -1 : 0;
  let tx = cellExit(ci, sx, lOx, lIx);
  let ty = cellExit(cj, sy, lOy, lIy);
  let tz = cellExit(ck, sz, lOz, lIz);
  while (true) {
    const c = cells + (<usize>(ci + cx * (cj + cy * ck)) << 3);
    if (mayContain(<f64>load<f32>(c), <f64>load<f32>(c, 4))) {
      let tn = t1;
      if (tx < tn) tn = tx;
      if (ty < tn) tn = ty;
      if (tz < tn) tn = tz;
      const i0 = ci << CELL_SHIFT;
      const j0 = cj << CELL_SHIFT;
      const k0 = ck << CELL_SHIFT;
      const i1 = min(i0 + CELL_SIZE, nx);
      const j1 = min(j0 + CELL_SIZE, ny);
      const k1 = min(k0 + CELL_SIZE, nz);
      if (voxelWalk<T>(i0, j0, k0, i1, j1, k1, t, tn)) return true;
    }
    if (tx <= ty && tx <= tz) {
      if (tx >= t1) return false;
      ci += sx;
      if (ci < 0 || ci >= cx) return false;
      t = tx;
      tx = cellExit(ci, sx, lOx, lIx);
    } else if (ty <= tz) {
      if (ty >= t1) return false;
      cj += sy;
      if (cj < 0 || cj >= cy) return false;
      t = ty;
      ty = cellExit(cj, sy, lOy, lIy);
    } else {
      if (tz >= t1) return false;
      ck += sz;
      if (ck < 0 || ck >= cz) return false;
      t = tz;
      tz = cellExit(ck, sz, lOz, lIz);
    }
  }
}

function walkBrick<T>(nx: i32, ny: i32, nz: i32, cells: usize, tA: f64, tB: f64): bool {
  if (cells != 0) return cellWalk<T>(nx, ny, nz, cells, tA, tB);
  return voxelWalk<T>(0, 0, 0, nx, ny, nz, tA, tB);
}

/**
 * First voxel of a dense brick hit by the ray (brick-local voxel units):
 * the same voxel walk the octree runs in its leaves. Returns 1 on a hit.
 */
export function rayBrick(data: usize, dtype: i32, nx: i32, ny: i32, nz: i32, ox: f64, oy: f64, oz: f64, dx: f64, dy: f64, dz: f64, tMin: f64, tMax: f64, mode: i32, thr: f64, set: usize, bits: i32, out: usize): i32 {
  setPredicate(mode, thr, set, bits);
  unresolved = 0;
  steps = 0;
  hLevel = 0;
  if (!finite3(ox, oy, oz) || !finite3(dx, dy, dz) || nx <= 0 || ny <= 0 || nz <= 0) return writeHit(out, false);
  lOx = ox;
  lOy = oy;
  lOz = oz;
  lIx = 1 / dx;
  lIy = 1 / dy;
  lIz = 1 / dz;
  // A component whose inverse overflows is treated as parallel.
  lDx = isFinite(lIx) ? dx : 0;
  lDy = isFinite(lIy) ? dy : 0;
  lDz = isFinite(lIz) ? dz : 0;
  lData = data;
  lNx = nx;
  lNy = ny;
  let ok = false;
  if (dtype == F32) ok = voxelWalk<f32>(0, 0, 0, nx, ny, nz, tMin, tMax);
  else if (dtype == U8) ok = voxelWalk<u8>(0, 0, 0, nx, ny, nz, tMin, tMax);
  else if (dtype == U16) ok = voxelWalk<u16>(0, 0, 0, nx, ny, nz, tMin, tMax);
  else if (dtype == I16) ok = voxelWalk<i16>(0, 0, 0, nx, ny, nz, tMin, tMax);
  else ok = voxelWalk<u32>(0, 0, 0, nx, ny, nz, tMin, tMax);
  return writeHit(out, ok);
}

/** Walk the resident brick of `node` over [tA, tB]. */
function leaf(node: i32, tA: f64, tB: f64): bool {
  const n = nodeAt(hNodes, node);
  const level = load<i32>(n + N_LEVEL);
  // Powers of two: multiplying by 1/scale is exact, like dividing.
  const scale = <f64>(1 << level);
  const inv = 1 / scale;
  const x0 = load<i32>(n + N_MIN_X);
  const y0 = load<i32>(n + N_MIN_X + 4);
  const z0 = load<i32>(n + N_MIN_X + 8);
  const mask = (1 << level) - 1;
  const bx = (load<i32>(n + N_MAX_X) - x0 + mask) >> level;
  const by = (load<i32>(n + N_MAX_X + 4) - y0 + mask) >> level;
  const bz = (load<i32>(n + N_MAX_X + 8) - z0 + mask) >> level;
  if (bx <= 0 || by <= 0 || bz <= 0) return false;
  lOx = (rOx - <f64>x0) * inv;
  lOy = (rOy - <f64>y0) * inv;
  lOz = (rOz - <f64>z0) * inv;
  lDx = rDx * inv;
  lDy = rDy * inv;
  lDz = rDz * inv;
  lIx = rIx * scale;
  lIy = rIy * scale;
  lIz = rIz * scale;
  // A component whose inverse overflows at this scale is treated as parallel.
  if (!isFinite(lIx)) lDx = 0;
  if (!isFinite(lIy)) lDy = 0;
  if (!isFinite(lIz)) lDz = 0;
  const data = <usize>load<i32>(n + N_DATA);
  lData = data;
  lNx = bx;
  lNy = by;
  const voxels = <usize>bx * <usize>by * <usize>bz;
  let cells: usize = 0;
  let ok = false;
  const dt = sDtype;
  if (dt == F32) {
    if (load<i32>(n + N_FLAGS) & CELLS) cells = data + cellTableOffset(voxels, 4);
    ok = walkBrick<f32>(bx, by, bz, cells, tA, tB);
  } else if (dt == U8) {
    if (load<i32>(n + N_FLAGS) & CELLS) cells = data + cellTableOffset(voxels, 1);
    ok = walkBrick<u8>(bx, by, bz, cells, tA, tB);
  } else if (dt == U16) {
    if (load<i32>(n + N_FLAGS) & CELLS) cells = data + cellTableOffset(voxels, 2);
    ok = walkBrick<u16>(bx, by, bz, cells, tA, tB);
  } else if (dt == I16) {
    if (load<i32>(n + N_FLAGS) & CELLS) cells = data + cellTableOffset(voxels, 2);
    ok = walkBrick<i16>(bx, by, bz, cells, tA, tB);
  } else {
    if (load<i32>(n + N_FLAGS) & CELLS) cells = data + cellTableOffset(voxels, 4);
    ok = walkBrick<u32>(bx, by, bz, cells, tA, tB);
  }
  if (ok) {
    hI += x0 >> level;
    hJ += y0 >> level;
    hK += z0 >> level;
    hLevel = level;
  }
  return ok;
}

function uniformHit(n: usize, v: f64, t: f64): bool {
  const level = load<i32>(n + N_LEVEL);
  const scale = <f64>(1 << level);
  hI = cellAt(rOx + rDx * t, scale, load<i32>(n + N_MIN_X), load<i32>(n + N_MAX_X), level);
  hJ = cellAt(rOy + rDy * t, scale, load<i32>(n + N_MIN_X + 4), load<i32>(n + N_MAX_X + 4), level);
  hK = cellAt(rOz + rDz * t, scale, load<i32>(n + N_MIN_X + 8), load<i32>(n + N_MAX_X + 8), level);
  hV = v;
  hT = t;
  hLevel = level;
  steps++;
  return true;
}

@inline function cellAt(p: f64, scale: f64, lo: i32, hi: i32, level: i32): i32 {
  let c = Math.floor(p / scale);
  const a = <f64>(lo >> level);
  const b = <f64>((hi - 1) >> level);
  c = c < a ? a : c > b ? b : c;
  return <i32>c;
}

// Bit 0 of the result: the ray is on the high side of split plane s at t0.
// Bit 1: it crosses the plane strictly inside (t0, t1), at gTs. The sign
// test is the same for the whole ray; the comparisons are selects, not
// branches, since their outcome is as good as random.
let gTs: f64 = 0;
@inline function splitAxis(s: i32, o: f64, d: f64, inv: f64, t0: f64, t1: f64): i32 {
  if (d == 0) return <i32>(o >= <f64>s);
  const ts = (<f64>s - o) * inv;
  gTs = ts;
  const after = ts > t0;
  const high = select<bool>(!after, after, d > 0);
  return <i32>high | (<i32>(after & (ts < t1)) << 1);
}

/** The node's stats allow a hit (checked before paying for a call). */
@inline function mayHit(n: usize): bool {
  const vmin = <f64>load<f32>(n + N_VMIN);
  return load<i32>(n + N_FLAGS) & UNIFORM ? hits(vmin) : mayContain(vmin, <f64>load<f32>(n + N_VMAX));
}

/** Octant of a child within its parent (bit 0 x, 1 y, 2 z: the high half). */
@inline function octantOf(c: usize, nx0: i32, ny0: i32, nz0: i32): i32 {
  return <i32>(load<i32>(c + N_MIN_X) > nx0) | (<i32>(load<i32>(c + N_MIN_X + 4) > ny0) << 1) | (<i32>(load<i32>(c + N_MIN_X + 8) > nz0) << 2);
}

/**
 * The child in octant `oct`, or -1. Eight children are normally stored in
 * octant order, which one check confirms; otherwise the children are scanned.
 */
function childIn(first: i32, count: i32, oct: i32, nx0: i32, ny0: i32, nz0: i32): i32 {
  if (count == 8 && octantOf(nodeAt(hNodes, first + oct), nx0, ny0, nz0) == oct) return first + oct;
  for (let c = 0; c < count; c++) if (octantOf(nodeAt(hNodes, first + c), nx0, ny0, nz0) == oct) return first + c;
  return -1;
}

/**
 * Children in front-to-back order: children are octants of the node, so the
 * ray meets at most four of them, in the order it crosses the three split
 * planes. No slab test and no stats check for children off the ray.
 */
function children(n: usize, t0: f64, t1: f64, fb: i32, count: i32): bool {
  const first = load<i32>(n + N_FIRST_CHILD);
  const nx0 = load<i32>(n + N_MIN_X);
  const ny0 = load<i32>(n + N_MIN_X + 4);
  const nz0 = load<i32>(n + N_MIN_X + 8);
  // Split planes from any one child: its min where it is the high half,
  // else its max (the node's max when the node has no high half).
  const f = nodeAt(hNodes, first);
  const fx = load<i32>(f + N_MIN_X);
  const fy = load<i32>(f + N_MIN_X + 4);
  const fz = load<i32>(f + N_MIN_X + 8);
  const sx = fx > nx0 ? fx : load<i32>(f + N_MAX_X);
  const sy = fy > ny0 ? fy : load<i32>(f + N_MAX_X + 4);
  const sz = fz > nz0 ? fz : load<i32>(f + N_MAX_X + 8);
  let cx = Infinity, cy = Infinity, cz = Infinity;
  const ax = splitAxis(sx, rOx, rDx, rIx, t0, t1);
  if (ax & 2) cx = gTs;
  const ay = splitAxis(sy, rOy, rDy, rIy, t0, t1);
  if (ay & 2) cy = gTs;
  const az = splitAxis(sz, rOz, rDz, rIz, t0, t1);
  if (az & 2) cz = gTs;
  let oct = (ax & 1) | ((ay & 1) << 1) | ((az & 1) << 2);
  let ta = t0;
  while (true) {
    let tb = t1;
    let axis = 0;
    if (cx < tb) { tb = cx; axis = 1; }
    if (cy < tb) { tb = cy; axis = 2; }
    if (cz < tb) { tb = cz; axis = 4; }
    if (ta < tb) {
      const c = childIn(first, count, oct, nx0, ny0, nz0);
      if (c >= 0 && mayHit(nodeAt(hNodes, c)) && visit(c, ta, tb, fb)) return true;
    }
    if (axis == 0) return false;
    oct ^= axis;
    if (axis == 1) cx = Infinity;
    else if (axis == 2) cy = Infinity;
    else cz = Infinity;
    ta = tb;
  }
}

function visit(node: i32, t0: f64, t1: f64, fallback: i32): bool {
  const n = nodeAt(hNodes, node);
  const flags = load<i32>(n + N_FLAGS);
  const vmin = <f64>load<f32>(n + N_VMIN);
  if (flags & UNIFORM) return hits(vmin) ? uniformHit(n, vmin, t0) : false;
  if (!mayContain(vmin, <f64>load<f32>(n + N_VMAX))) return false;
  const resident = (flags & RESIDENT) != 0;
  const count = load<i32>(n + N_CHILD_COUNT);
  if ((flags & HAS_CHILDREN) && count > 0) return children(n, t0, t1, resident ? node : fallback, count);
  if (resident) return leaf(node, t0, t1);
  if (fallback >= 0) return leaf(fallback, t0, t1);
  unresolved++;
  return false;
}

/**
 * Hierarchical DDA from node `root` (`scratch` is not used; kept for callers).
 * Children are octants of their parent's box (disjoint); space inside a node
 * that no child covers is empty. A node neither uniform nor resident and
 * without children is sampled from its nearest resident ancestor (a coarse
 * answer) or counted unresolved. Bricks flagged CELLS carry per-cell min/max
 * after their values, and the walk skips cells that cannot hold a hit.
 */
export function rayOctree(nodes: usize, root: i32, dtype: i32, ox: f64, oy: f64, oz: f64, dx: f64, dy: f64, dz: f64, tMin: f64, tMax: f64, mode: i32, thr: f64, set: usize, bits: i32, scratch: usize, out: usize): i32 {
  setPredicate(mode, thr, set, bits);
  hNodes = nodes;
  sDtype = dtype;
  unresolved = 0;
  steps = 0;
  hLevel = 0;
  if (!finite3(ox, oy, oz) || !finite3(dx, dy, dz)) return writeHit(out, false);
  // A component so small that its inverse overflows is treated as parallel.
  if (!isFinite(1 / dx)) dx = 0;
  if (!isFinite(1 / dy)) dy = 0;
  if (!isFinite(1 / dz)) dz = 0;
  rOx = ox; rOy = oy; rOz = oz; rDx = dx; rDy = dy; rDz = dz;
  rIx = 1 / dx; rIy = 1 / dy; rIz = 1 / dz;
  const n = nodeAt(nodes, root);
  const ok = clipInv(
    ox, oy, oz,
    <f64>load<i32>(n + N_MIN_X), <f64>load<i32>(n + N_MIN_X + 4), <f64>load<i32>(n + N_MIN_X + 8),
    <f64>load<i32>(n + N_MAX_X), <f64>load<i32>(n + N_MAX_X + 4), <f64>load<i32>(n + N_MAX_X + 8),
    tMin, tMax,
  );
  if (!ok) return writeHit(out, false);
  return writeHit(out, visit(root, gT0, gT1, -1));
}
