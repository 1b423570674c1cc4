/**
 * JS twin of assembly/ray.ts: Amanatides–Woo DDA through a brick or a brick
 * table, and the hierarchical DDA over the octree. Same f64 operations in the
 * same order, so hits, distances and step counts match the WASM kernels.
 */
import type { MemoryViews } from "./core-memory";
import {
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

export function readValue(m: MemoryViews, ptr: number, i: number, dtype: number): number {
  switch (dtype) {
    case 4:
      return m.f32[(ptr >> 2) + i];
    case 0:
      return m.u8[ptr + i];
    case 1:
      return m.u16[(ptr >> 1) + i];
    case 2:
      return m.i16[(ptr >> 1) + i];
    default:
      return m.u32[(ptr >> 2) + i];
  }
}

/** Stateful twin; one instance per memory, reused across calls. */
export class RayJs {
  private m!: MemoryViews;
  private pMode = 0;
  private pThr = 0;
  private pSet = 0;
  private pBits = 0;
  private sKind = 0;
  private sData = 0;
  private sDtype = 0;
  private sNx = 0;
  private sNy = 0;
  private sNodes = 0;
  private sTable = 0;
  private sShift = 0;
  private sGbx = 0;
  private sGby = 0;
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
  private hScratch: Array<Array<[number, number, number]>> = [];

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
    return this.clipWith(
      ox,
      oy,
      oz,
      r[3],
      r[4],
      r[5],
      inv[0],
      inv[1],
      inv[2],
      bx0,
      by0,
      bz0,
      bx1,
      by1,
      bz1,
      tA,
      tB,
    );
  }

  /** Slab test against [b0, b1) within [tA, tB] given 1/d per axis; sets gT0, gT1. */
  private clipWith(
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    ix: number,
    iy: number,
    iz: number,
    bx0: number,
    by0: number,
    bz0: number,
    bx1: number,
    by1: number,
    bz1: number,
    tA: number,
    tB: number,
  ): boolean {
    let t0 = tA;
    let t1 = tB;
    if (dx === 0) {
      if (!(ox >= bx0 && ox < bx1)) return false;
    } else {
      let ta = (bx0 - ox) * ix;
      let tb = (bx1 - ox) * ix;
      if (ta > tb) [ta, tb] = [tb, ta];
      if (ta > t0) t0 = ta;
      if (tb < t1) t1 = tb;
    }
    if (dy === 0) {
      if (!(oy >= by0 && oy < by1)) return false;
    } else {
      let ta = (by0 - oy) * iy;
      let tb = (by1 - oy) * iy;
      if (ta > tb) [ta, tb] = [tb, ta];
      if (ta > t0) t0 = ta;
      if (tb < t1) t1 = tb;
    }
    if (dz === 0) {
      if (!(oz >= bz0 && oz < bz1)) return false;
    } else {
      let ta = (bz0 - oz) * iz;
      let tb = (bz1 - oz) * iz;
      if (ta > tb) [ta, tb] = [tb, ta];
      if (ta > t0) t0 = ta;
      if (tb < t1) t1 = tb;
    }
    this.gT0 = t0;
    this.gT1 = t1;
    return t0 < t1;
  }

  private sample(i: number, j: number, k: number): number {
    const m = this.m;
    if (this.sKind === 0) return readValue(m, this.sData, i + this.sNx * (j + this.sNy * k), this.sDtype);
    const s = this.sShift;
    const b = m.i32[(this.sTable >> 2) + (i >> s) + this.sGbx * ((j >> s) + this.sGby * (k >> s))];
    if (b < 0) return Number.NaN;
    const o = (this.sNodes >> 2) + b * NODE_WORDS;
    const flags = m.i32[o + N_FLAGS];
    if (flags & UNIFORM) return m.f32[o + N_VMIN];
    if (!(flags & RESIDENT)) {
      this.unresolved++;
      return Number.NaN;
    }
    const bw = m.i32[o + N_MAX] - m.i32[o + N_MIN];
    const bh = m.i32[o + N_MAX + 1] - m.i32[o + N_MIN + 1];
    const li = i - m.i32[o + N_MIN];
    const lj = j - m.i32[o + N_MIN + 1];
    const lk = k - m.i32[o + N_MIN + 2];
    return readValue(m, m.i32[o + N_DATA], li + bw * (lj + bh * lk), this.sDtype);
  }

  private dda(
    nx: number,
    ny: number,
    nz: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tA: number,
    tB: number,
  ): boolean {
    const fin = Number.isFinite;
    if (!(fin(ox) && fin(oy) && fin(oz)) || !(fin(dx) && fin(dy) && fin(dz))) return false;
    if (nx <= 0 || ny <= 0 || nz <= 0) return false;
    // One division per axis; a component whose inverse overflows is treated as parallel.
    const ix = 1 / dx;
    const iy = 1 / dy;
    const iz = 1 / dz;
    if (!fin(ix)) dx = 0;
    if (!fin(iy)) dy = 0;
    if (!fin(iz)) dz = 0;
    if (!this.clipWith(ox, oy, oz, dx, dy, dz, ix, iy, iz, 0, 0, 0, nx, ny, nz, tA, tB)) return false;
    const t0 = this.gT0;
    const t1 = this.gT1;
    const fx = Math.floor(ox + dx * t0);
    const fy = Math.floor(oy + dy * t0);
    const fz = Math.floor(oz + dz * t0);
    // Integers as the kernel's i32 (| 0 also turns -0 into 0).
    let i = Math.max(0, Math.min(nx - 1, fx)) | 0;
    let j = Math.max(0, Math.min(ny - 1, fy)) | 0;
    let k = Math.max(0, Math.min(nz - 1, fz)) | 0;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let tx = Infinity;
    let ty = Infinity;
    let tz = Infinity;
    let ex = Infinity;
    let ey = Infinity;
    let ez = Infinity;
    if (dx > 0) {
      sx = 1;
      tx = (i + 1 - ox) * ix;
      ex = ix;
    } else if (dx < 0) {
      sx = -1;
      tx = (i - ox) * ix;
      ex = -ix;
    }
    if (dy > 0) {
      sy = 1;
      ty = (j + 1 - oy) * iy;
      ey = iy;
    } else if (dy < 0) {
      sy = -1;
      ty = (j - oy) * iy;
      ey = -iy;
    }
    if (dz > 0) {
      sz = 1;
      tz = (k + 1 - oz) * iz;
      ez = iz;
    } else if (dz < 0) {
      sz = -1;
      tz = (k - oz) * iz;
      ez = -iz;
    }
    let t = t0;
    for (;;) {
      this.steps++;
      const v = this.sample(i, j, k);
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
        if (i < 0 || i >= nx) return false;
        t = tx;
        tx += ex;
      } else if (ty <= tz) {
        if (ty >= t1) return false;
        j += sy;
        if (j < 0 || j >= ny) return false;
        t = ty;
        ty += ey;
      } else {
        if (tz >= t1) return false;
        k += sz;
        if (k < 0 || k >= nz) return false;
        t = tz;
        tz += ez;
      }
    }
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

  rayBrick(
    m: MemoryViews,
    data: number,
    dtype: number,
    nx: number,
    ny: number,
    nz: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tMin: number,
    tMax: number,
    mode: number,
    thr: number,
    set: number,
    bits: number,
    out: number,
  ): number {
    this.begin(m, mode, thr, set, bits);
    this.sKind = 0;
    this.sData = data;
    this.sDtype = dtype;
    this.sNx = nx;
    this.sNy = ny;
    return this.writeHit(out, this.dda(nx, ny, nz, ox, oy, oz, dx, dy, dz, tMin, tMax));
  }

  rayGrid(
    m: MemoryViews,
    nodes: number,
    table: number,
    gbx: number,
    gby: number,
    shift: number,
    nx: number,
    ny: number,
    nz: number,
    dtype: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tMin: number,
    tMax: number,
    mode: number,
    thr: number,
    set: number,
    bits: number,
    out: number,
  ): number {
    this.begin(m, mode, thr, set, bits);
    this.sKind = 1;
    this.sNodes = nodes;
    this.sTable = table;
    this.sShift = shift;
    this.sGbx = gbx;
    this.sGby = gby;
    this.sDtype = dtype;
    return this.writeHit(out, this.dda(nx, ny, nz, ox, oy, oz, dx, dy, dz, tMin, tMax));
  }

  private brickAt(node: number, tA: number, tB: number): boolean {
    const m = this.m;
    const o = (this.hNodes >> 2) + node * NODE_WORDS;
    const level = m.i32[o + N_LEVEL];
    const scale = 2 ** level;
    const x0 = m.i32[o + N_MIN];
    const y0 = m.i32[o + N_MIN + 1];
    const z0 = m.i32[o + N_MIN + 2];
    const mask = (1 << level) - 1;
    const bx = (m.i32[o + N_MAX] - x0 + mask) >> level;
    const by = (m.i32[o + N_MAX + 1] - y0 + mask) >> level;
    const bz = (m.i32[o + N_MAX + 2] - z0 + mask) >> level;
    this.sKind = 0;
    this.sData = m.i32[o + N_DATA];
    this.sNx = bx;
    this.sNy = by;
    const [ox, oy, oz, dx, dy, dz] = this.r;
    const ok = this.dda(
      bx,
      by,
      bz,
      (ox - x0) / scale,
      (oy - y0) / scale,
      (oz - z0) / scale,
      dx / scale,
      dy / scale,
      dz / scale,
      tA,
      tB,
    );
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

  private visit(node: number, t0: number, t1: number, fallback: number, depth: number): boolean {
    const m = this.m;
    const o = (this.hNodes >> 2) + node * NODE_WORDS;
    const flags = m.i32[o + N_FLAGS];
    const vmin = m.f32[o + N_VMIN];
    if (flags & UNIFORM) return this.hits(vmin) ? this.uniformHit(o, vmin, t0) : false;
    if (!this.mayContain(vmin, m.f32[o + N_VMAX])) return false;
    const resident = (flags & RESIDENT) !== 0;
    const count = m.i32[o + N_CHILD_COUNT];
    if (flags & HAS_CHILDREN && count > 0) {
      const fb = resident ? node : fallback;
      const first = m.i32[o + N_FIRST_CHILD];
      while (this.hScratch.length <= depth) this.hScratch.push([]);
      const list = this.hScratch[depth];
      list.length = 0;
      const [ox, oy, oz] = this.r;
      for (let c = 0; c < count; c++) {
        const co = (this.hNodes >> 2) + (first + c) * NODE_WORDS;
        const i32 = m.i32;
        const cmin = m.f32[co + N_VMIN];
        if (i32[co + N_FLAGS] & UNIFORM ? !this.hits(cmin) : !this.mayContain(cmin, m.f32[co + N_VMAX]))
          continue;
        const ok = this.clipInv(
          ox,
          oy,
          oz,
          i32[co],
          i32[co + 1],
          i32[co + 2],
          i32[co + 3],
          i32[co + 4],
          i32[co + 5],
          t0,
          t1,
        );
        if (!ok) continue;
        let p = list.length;
        list.push([0, 0, 0]);
        while (p > 0 && list[p - 1][0] > this.gT0) {
          list[p] = list[p - 1];
          p--;
        }
        list[p] = [this.gT0, this.gT1, first + c];
      }
      for (const [a, b, child] of list.slice()) {
        if (this.visit(child, a, b, fb, depth + 1)) return true;
      }
      return false;
    }
    if (resident) return this.brickAt(node, t0, t1);
    if (fallback >= 0) return this.brickAt(fallback, t0, t1);
    this.unresolved++;
    return false;
  }

  rayOctree(
    m: MemoryViews,
    nodes: number,
    root: number,
    dtype: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tMin: number,
    tMax: number,
    mode: number,
    thr: number,
    set: number,
    bits: number,
    out: number,
  ): number {
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
    return this.writeHit(out, this.visit(root, this.gT0, this.gT1, -1, 0));
  }
}

function cellAt(p: number, scale: number, lo: number, hi: number, level: number): number {
  const c = Math.floor(p / scale);
  const a = lo >> level;
  const b = (hi - 1) >> level;
  return Math.max(a, Math.min(b, c)) | 0;
}
