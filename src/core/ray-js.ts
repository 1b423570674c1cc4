/**
 * JS twin of assembly/ray.ts: Amanatides–Woo DDA through a brick or a brick
 * table, and the hierarchical DDA over the octree. Same f64 operations in the
 * same order, so hits, distances and step counts match the WASM kernels.
 */

import type { MemoryViews } from "./core-memory";
import type { CoreOps } from "./core-ops";
import {
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
  N_MAX,
  N_MIN,
  N_VMAX,
  N_VMIN,
  NODE_WORDS,
  RESIDENT,
  UNIFORM,
} from "./layout";

/** Stateful twin; one instance per memory, reused across calls. */
export class RayJs {
  private m!: MemoryViews;
  private pMode = 0;
  private pThr = 0;
  private pSet = 0;
  private pBits = 0;
  private sDtype = 0;
  private gT0 = 0;
  private gT1 = 0;
  private hI = 0;
  private hJ = 0;
  private hK = 0;
  private hV = 0;
  private hT = 0;
  private hLevel = 0;
  private unresolved = 0;
  private steps = 0;
  private r = [0, 0, 0, 0, 0, 0];
  private hNodes = 0;
  // Brick-local ray of the brick being walked, its values and row stride.
  private lOx = 0;
  private lOy = 0;
  private lOz = 0;
  private lDx = 0;
  private lDy = 0;
  private lDz = 0;
  private lIx = 0;
  private lIy = 0;
  private lIz = 0;
  private lArr: ArrayLike<number> = new Uint8Array(0);
  private lBase = 0;
  private lNx = 0;
  private lNy = 0;

  private bitSet(b: number): boolean {
    return ((this.m.u32[(this.pSet >> 2) + (b >>> 5)] >>> (b & 31)) & 1) !== 0;
  }

  private hits(v: number): boolean {
    if (this.pMode === 0) return v >= this.pThr;
    if (!(v >= 0) || v >= this.pBits) return false;
    if (Math.floor(v) !== v) return false;
    return this.bitSet(v);
  }

  private mayContain(lo: number, hi: number): boolean {
    if (this.pMode === 0) return hi >= this.pThr;
    if (!(lo <= hi)) return false;
    let a = Math.ceil(lo);
    if (a < 0) a = 0;
    let b = Math.floor(hi);
    if (b > this.pBits - 1) b = this.pBits - 1;
    for (let v = a; v <= b; v++) if (this.bitSet(v)) return true;
    return false;
  }

  private inv = [0, 0, 0];

  /** Slab test of the octree ray (origin given) against a box within [tA, tB]; sets gT0, gT1. */
  private clipInv(
    ox: number,
    oy: number,
    oz: number,
    bx0: number,
    by0: number,
    bz0: number,
    bx1: number,
    by1: number,
    bz1: number,
    tA: number,
    tB: number,
  ): boolean {
    const r = this.r;
    const inv = this.inv;
    this.gT0 = tA;
    this.gT1 = tB;
    return (
      this.slab(ox, r[3], inv[0], bx0, bx1) &&
      this.slab(oy, r[4], inv[1], by0, by1) &&
      this.slab(oz, r[5], inv[2], bz0, bz1) &&
      this.gT0 < this.gT1
    );
  }

  /** One axis of the slab test, narrowing [gT0, gT1]; false when the ray is parallel to it and outside [b0, b1). */
  private slab(o: number, d: number, inv: number, b0: number, b1: number): boolean {
    if (d === 0) return o >= b0 && o < b1;
    let ta = (b0 - o) * inv;
    let tb = (b1 - o) * inv;
    if (ta > tb) [ta, tb] = [tb, ta];
    if (ta > this.gT0) this.gT0 = ta;
    if (tb < this.gT1) this.gT1 = tb;
    return true;
  }

  private begin(m: MemoryViews, mode: number, thr: number, set: number, bits: number): void {
    this.m = m;
    this.pMode = mode;
    this.pThr = thr;
    this.pSet = set;
    this.pBits = bits;
    this.unresolved = 0;
    this.steps = 0;
    this.hLevel = 0;
  }

  private writeHit(out: number, hit: boolean): number {
    const f = this.m.f64;
    const o = out >> 3;
    f[o] = hit ? this.hI : Number.NaN;
    f[o + 1] = hit ? this.hJ : Number.NaN;
    f[o + 2] = hit ? this.hK : Number.NaN;
    f[o + 3] = hit ? this.hV : Number.NaN;
    f[o + 4] = hit ? this.hT : Number.NaN;
    f[o + 5] = hit ? this.hLevel : Number.NaN;
    f[o + 6] = this.unresolved;
    f[o + 7] = this.steps;
    return hit ? 1 : 0;
  }

  /** First voxel of a dense brick hit by the ray: the voxel walk the octree runs in its leaves. */
  rayBrick(m: MemoryViews, ...args: Parameters<CoreOps["rayBrick"]>): number {
    const [data, dtype, nx, ny, nz, ox, oy, oz, dx, dy, dz, tMin, tMax, mode, thr, set, bits, out] = args;
    this.begin(m, mode, thr, set, bits);
    const fin = Number.isFinite;
    if (!(fin(ox) && fin(oy) && fin(oz) && fin(dx) && fin(dy) && fin(dz)) || nx <= 0 || ny <= 0 || nz <= 0)
      return this.writeHit(out, false);
    this.lOx = ox;
    this.lOy = oy;
    this.lOz = oz;
    this.lIx = 1 / dx;
    this.lIy = 1 / dy;
    this.lIz = 1 / dz;
    // A component whose inverse overflows is treated as parallel.
    this.lDx = fin(this.lIx) ? dx : 0;
    this.lDy = fin(this.lIy) ? dy : 0;
    this.lDz = fin(this.lIz) ? dz : 0;
    this.sDtype = dtype;
    this.setBrick(data, nx, ny);
    return this.writeHit(
      out,
      this.clipLocal(0, 0, 0, nx, ny, nz, tMin, tMax) && this.voxelWalk(0, 0, 0, nx, ny, nz),
    );
  }

  /** The values the voxel walk reads: brick data at byte `data`, rows of `nx`, planes of `nx·ny`. */
  private setBrick(data: number, nx: number, ny: number): number {
    const m = this.m;
    const dt = this.sDtype;
    const bpv = dt === 0 ? 1 : dt === 1 || dt === 2 ? 2 : 4;
    this.lArr = dt === 4 ? m.f32 : dt === 0 ? m.u8 : dt === 1 ? m.u16 : dt === 2 ? m.i16 : m.u32;
    this.lBase = data / bpv;
    this.lNx = nx;
    this.lNy = ny;
    return bpv;
  }

  /** Slab test of the brick-local ray against a voxel box within [tA, tB]; sets gT0, gT1. */
  private clipLocal(
    i0: number,
    j0: number,
    k0: number,
    i1: number,
    j1: number,
    k1: number,
    tA: number,
    tB: number,
  ) {
    this.gT0 = tA;
    this.gT1 = tB;
    return (
      this.slab(this.lOx, this.lDx, this.lIx, i0, i1) &&
      this.slab(this.lOy, this.lDy, this.lIy, j0, j1) &&
      this.slab(this.lOz, this.lDz, this.lIz, k0, k1) &&
      this.gT0 < this.gT1
    );
  }

  /** Amanatides–Woo through the voxels of a box of the current brick, within [gT0, gT1] set by clipLocal. */
  private voxelWalk(i0: number, j0: number, k0: number, i1: number, j1: number, k1: number): boolean {
    const t0 = this.gT0;
    const t1 = this.gT1;
    const { lOx, lOy, lOz, lDx, lDy, lDz, lIx, lIy, lIz } = this;
    let i = clampCell(lOx + lDx * t0, i0, i1);
    let j = clampCell(lOy + lDy * t0, j0, j1);
    let k = clampCell(lOz + lDz * t0, k0, k1);
    let [sx, tx, ex] = axisStep(i, lOx, lDx, lIx);
    let [sy, ty, ey] = axisStep(j, lOy, lDy, lIy);
    let [sz, tz, ez] = axisStep(k, lOz, lDz, lIz);
    const arr = this.lArr;
    const base = this.lBase;
    const nx = this.lNx;
    const nxy = this.lNx * this.lNy;
    let t = t0;
    for (;;) {
      this.steps++;
      const v = arr[base + i + nx * j + nxy * k];
      if (this.hits(v)) {
        this.hI = i;
        this.hJ = j;
        this.hK = k;
        this.hV = v;
        this.hT = t;
        return true;
      }
      if (tx <= ty && tx <= tz) {
        if (tx >= t1) return false;
        i += sx;
        if (i < i0 || i >= i1) return false;
        t = tx;
        tx += ex;
      } else if (ty <= tz) {
        if (ty >= t1) return false;
        j += sy;
        if (j < j0 || j >= j1) return false;
        t = ty;
        ty += ey;
      } else {
        if (tz >= t1) return false;
        k += sz;
        if (k < k0 || k >= k1) return false;
        t = tz;
        tz += ez;
      }
    }
  }

  /** DDA over the brick's cells, walking voxels only in cells that may hold a hit. */
  private cellWalk(nx: number, ny: number, nz: number, cells: number, tA: number, tB: number): boolean {
    if (!this.clipLocal(0, 0, 0, nx, ny, nz, tA, tB)) return false;
    const t1 = this.gT1;
    let t = this.gT0;
    const { lOx, lOy, lOz, lDx, lDy, lDz, lIx, lIy, lIz } = this;
    const f32 = this.m.f32;
    const cx = (nx + CELL_SIZE - 1) >> CELL_SHIFT;
    const cy = (ny + CELL_SIZE - 1) >> CELL_SHIFT;
    const cz = (nz + CELL_SIZE - 1) >> CELL_SHIFT;
    let ci = clampCell(lOx + lDx * t, 0, nx) >> CELL_SHIFT;
    let cj = clampCell(lOy + lDy * t, 0, ny) >> CELL_SHIFT;
    let ck = clampCell(lOz + lDz * t, 0, nz) >> CELL_SHIFT;
    const sx = lDx > 0 ? 1 : lDx < 0 ? -1 : 0;
    const sy = lDy > 0 ? 1 : lDy < 0 ? -1 : 0;
    const sz = lDz > 0 ? 1 : lDz < 0 ? -1 : 0;
    let tx = cellExit(ci, sx, lOx, lIx);
    let ty = cellExit(cj, sy, lOy, lIy);
    let tz = cellExit(ck, sz, lOz, lIz);
    for (;;) {
      const c = (cells >> 2) + 2 * (ci + cx * (cj + cy * ck));
      if (this.mayContain(f32[c], f32[c + 1])) {
        let tn = t1;
        if (tx < tn) tn = tx;
        if (ty < tn) tn = ty;
        if (tz < tn) tn = tz;
        const i0 = ci << CELL_SHIFT;
        const j0 = cj << CELL_SHIFT;
        const k0 = ck << CELL_SHIFT;
        const i1 = Math.min(i0 + CELL_SIZE, nx);
        const j1 = Math.min(j0 + CELL_SIZE, ny);
        const k1 = Math.min(k0 + CELL_SIZE, nz);
        if (this.clipLocal(i0, j0, k0, i1, j1, k1, t, tn) && this.voxelWalk(i0, j0, k0, i1, j1, k1))
          return true;
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

  /** Walk the resident brick of `node` over [tA, tB]. */
  private leaf(node: number, tA: number, tB: number): boolean {
    const m = this.m;
    const o = (this.hNodes >> 2) + node * NODE_WORDS;
    const level = m.i32[o + N_LEVEL];
    const scale = 2 ** level;
    const inv = 1 / scale;
    const x0 = m.i32[o + N_MIN];
    const y0 = m.i32[o + N_MIN + 1];
    const z0 = m.i32[o + N_MIN + 2];
    const mask = (1 << level) - 1;
    const bx = (m.i32[o + N_MAX] - x0 + mask) >> level;
    const by = (m.i32[o + N_MAX + 1] - y0 + mask) >> level;
    const bz = (m.i32[o + N_MAX + 2] - z0 + mask) >> level;
    if (bx <= 0 || by <= 0 || bz <= 0) return false;
    const [ox, oy, oz, dx, dy, dz] = this.r;
    const [ix, iy, iz] = this.inv;
    this.lOx = (ox - x0) * inv;
    this.lOy = (oy - y0) * inv;
    this.lOz = (oz - z0) * inv;
    this.lIx = ix * scale;
    this.lIy = iy * scale;
    this.lIz = iz * scale;
    // A component whose inverse overflows at this scale is treated as parallel.
    this.lDx = Number.isFinite(this.lIx) ? dx * inv : 0;
    this.lDy = Number.isFinite(this.lIy) ? dy * inv : 0;
    this.lDz = Number.isFinite(this.lIz) ? dz * inv : 0;
    const data = m.i32[o + N_DATA];
    const bpv = this.setBrick(data, bx, by);
    const ok =
      m.i32[o + N_FLAGS] & CELLS
        ? this.cellWalk(bx, by, bz, data + cellTableOffset(bx * by * bz, bpv), tA, tB)
        : this.clipLocal(0, 0, 0, bx, by, bz, tA, tB) && this.voxelWalk(0, 0, 0, bx, by, bz);
    if (ok) {
      this.hI += x0 >> level;
      this.hJ += y0 >> level;
      this.hK += z0 >> level;
      this.hLevel = level;
    }
    return ok;
  }

  private uniformHit(o: number, v: number, t: number): boolean {
    const m = this.m;
    const level = m.i32[o + N_LEVEL];
    const scale = 2 ** level;
    const [ox, oy, oz, dx, dy, dz] = this.r;
    this.hI = cellAt(ox + dx * t, scale, m.i32[o + N_MIN], m.i32[o + N_MAX], level);
    this.hJ = cellAt(oy + dy * t, scale, m.i32[o + N_MIN + 1], m.i32[o + N_MAX + 1], level);
    this.hK = cellAt(oz + dz * t, scale, m.i32[o + N_MIN + 2], m.i32[o + N_MAX + 2], level);
    this.hV = v;
    this.hT = t;
    this.hLevel = level;
    this.steps++;
    return true;
  }

  /** Octant of child record `co` within a parent whose min is (nx0, ny0, nz0). */
  private octantOf(co: number, nx0: number, ny0: number, nz0: number): number {
    const i32 = this.m.i32;
    return (i32[co] > nx0 ? 1 : 0) | (i32[co + 1] > ny0 ? 2 : 0) | (i32[co + 2] > nz0 ? 4 : 0);
  }

  /** The child in octant `oct`, or -1 (eight children are normally in octant order). */
  private childIn(first: number, count: number, oct: number, nx0: number, ny0: number, nz0: number): number {
    const base = this.hNodes >> 2;
    if (count === 8 && this.octantOf(base + (first + oct) * NODE_WORDS, nx0, ny0, nz0) === oct)
      return first + oct;
    for (let c = 0; c < count; c++)
      if (this.octantOf(base + (first + c) * NODE_WORDS, nx0, ny0, nz0) === oct) return first + c;
    return -1;
  }

  /** Children front to back: octants in the order the ray crosses the split planes. */
  private children(o: number, t0: number, t1: number, fb: number, count: number): boolean {
    const i32 = this.m.i32;
    const first = i32[o + N_FIRST_CHILD];
    const nx0 = i32[o + N_MIN];
    const ny0 = i32[o + N_MIN + 1];
    const nz0 = i32[o + N_MIN + 2];
    // Split planes from any one child: its min where it is the high half, else its max.
    const f = (this.hNodes >> 2) + first * NODE_WORDS;
    const sx = i32[f] > nx0 ? i32[f] : i32[f + N_MAX];
    const sy = i32[f + 1] > ny0 ? i32[f + 1] : i32[f + N_MAX + 1];
    const sz = i32[f + 2] > nz0 ? i32[f + 2] : i32[f + N_MAX + 2];
    const [ox, oy, oz, dx, dy, dz] = this.r;
    const [ix, iy, iz] = this.inv;
    let oct =
      sideAt(sx, ox, dx, ix, t0) | (sideAt(sy, oy, dy, iy, t0) << 1) | (sideAt(sz, oz, dz, iz, t0) << 2);
    let cx = crossing(sx, ox, dx, ix, t0, t1);
    let cy = crossing(sy, oy, dy, iy, t0, t1);
    let cz = crossing(sz, oz, dz, iz, t0, t1);
    let ta = t0;
    for (;;) {
      let tb = t1;
      let axis = 0;
      if (cx < tb) {
        tb = cx;
        axis = 1;
      }
      if (cy < tb) {
        tb = cy;
        axis = 2;
      }
      if (cz < tb) {
        tb = cz;
        axis = 4;
      }
      if (ta < tb) {
        const c = this.childIn(first, count, oct, nx0, ny0, nz0);
        if (c >= 0 && this.visit(c, ta, tb, fb)) return true;
      }
      if (axis === 0) return false;
      oct ^= axis;
      if (axis === 1) cx = Infinity;
      else if (axis === 2) cy = Infinity;
      else cz = Infinity;
      ta = tb;
    }
  }

  private visit(node: number, t0: number, t1: number, fallback: number): boolean {
    const m = this.m;
    const o = (this.hNodes >> 2) + node * NODE_WORDS;
    const flags = m.i32[o + N_FLAGS];
    const vmin = m.f32[o + N_VMIN];
    if (flags & UNIFORM) return this.hits(vmin) ? this.uniformHit(o, vmin, t0) : false;
    if (!this.mayContain(vmin, m.f32[o + N_VMAX])) return false;
    const resident = (flags & RESIDENT) !== 0;
    const count = m.i32[o + N_CHILD_COUNT];
    if (flags & HAS_CHILDREN && count > 0) return this.children(o, t0, t1, resident ? node : fallback, count);
    if (resident) return this.leaf(node, t0, t1);
    if (fallback >= 0) return this.leaf(fallback, t0, t1);
    this.unresolved++;
    return false;
  }

  rayOctree(m: MemoryViews, ...args: Parameters<CoreOps["rayOctree"]>): number {
    const [nodes, root, dtype, ox, oy, oz, dx, dy, dz, tMin, tMax, mode, thr, set, bits, , out] = args;
    this.begin(m, mode, thr, set, bits);
    this.hNodes = nodes;
    this.sDtype = dtype;
    const fin = Number.isFinite;
    if (!(fin(ox) && fin(oy) && fin(oz) && fin(dx) && fin(dy) && fin(dz))) return this.writeHit(out, false);
    // A component so small that its inverse overflows is treated as parallel.
    const dx0 = fin(1 / dx) ? dx : 0;
    const dy0 = fin(1 / dy) ? dy : 0;
    const dz0 = fin(1 / dz) ? dz : 0;
    this.r = [ox, oy, oz, dx0, dy0, dz0];
    this.inv = [1 / dx0, 1 / dy0, 1 / dz0];
    const o = (nodes >> 2) + root * NODE_WORDS;
    const i32 = m.i32;
    const ok = this.clipInv(
      ox,
      oy,
      oz,
      i32[o],
      i32[o + 1],
      i32[o + 2],
      i32[o + 3],
      i32[o + 4],
      i32[o + 5],
      tMin,
      tMax,
    );
    if (!ok) return this.writeHit(out, false);
    return this.writeHit(out, this.visit(root, this.gT0, this.gT1, -1));
  }
}

/** Along one axis: step (−1, 0, 1), t of the first voxel boundary crossed, t per voxel. */
function axisStep(c: number, o: number, d: number, inv: number): [number, number, number] {
  if (d > 0) return [1, (c + 1 - o) * inv, inv];
  if (d < 0) return [-1, (c - o) * inv, -inv];
  return [0, Infinity, Infinity];
}

function clampCell(p: number, lo: number, hi: number): number {
  const f = Math.floor(p);
  return Math.max(lo, Math.min(hi - 1, f)) | 0;
}

/** Next cell boundary crossed along one axis. */
function cellExit(c: number, s: number, o: number, inv: number): number {
  if (s > 0) return (((c + 1) << CELL_SHIFT) - o) * inv;
  if (s < 0) return ((c << CELL_SHIFT) - o) * inv;
  return Infinity;
}

/** 1 when the ray is on the high side of split plane `s` at t0. */
function sideAt(s: number, o: number, d: number, inv: number, t0: number): number {
  if (d > 0) return (s - o) * inv <= t0 ? 1 : 0;
  if (d < 0) return (s - o) * inv > t0 ? 1 : 0;
  return o >= s ? 1 : 0;
}

/** When the ray crosses split plane `s` strictly inside (t0, t1), else +∞. */
function crossing(s: number, o: number, d: number, inv: number, t0: number, t1: number): number {
  if (d === 0) return Infinity;
  const ts = (s - o) * inv;
  return ts > t0 && ts < t1 ? ts : Infinity;
}

function cellAt(p: number, scale: number, lo: number, hi: number, level: number): number {
  const c = Math.floor(p / scale);
  const a = lo >> level;
  const b = (hi - 1) >> level;
  return Math.max(a, Math.min(b, c)) | 0;
}
