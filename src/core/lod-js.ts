/**
 * JS twin of assembly/lod.ts (screen-space-error octree selection). Same
 * parameter record, same heap order (distance, then node index), same
 * arithmetic, so the selected cut is identical.
 */
import type { MemoryViews } from "./core-memory";
import {
  HAS_CHILDREN,
  N_BYTES,
  N_CHILD_COUNT,
  N_FIRST_CHILD,
  N_FLAGS,
  N_GEOM_ERROR,
  N_LEVEL,
  N_MAX,
  N_MIN,
  NODE_WORDS,
} from "./layout";

export function selectLodJs(
  m: MemoryViews,
  nodes: number,
  root: number,
  params: number,
  out: number,
): number {
  const P = params >> 3;
  const f64 = m.f64;
  const i32 = m.i32;
  const f32 = m.f32;
  const base = nodes >> 2;
  const eye = [f64[P], f64[P + 1], f64[P + 2]];
  const planes = f64.slice(P + 3, P + 27);
  const [ox, oy, oz, sx, sy, sz] = [
    f64[P + 31],
    f64[P + 32],
    f64[P + 33],
    f64[P + 34],
    f64[P + 35],
    f64[P + 36],
  ];
  let dist = 0;

  const visible = (node: number): boolean => {
    const o = base + node * NODE_WORDS;
    const x0 = ox + i32[o + N_MIN] * sx;
    const y0 = oy + i32[o + N_MIN + 1] * sy;
    const z0 = oz + i32[o + N_MIN + 2] * sz;
    const x1 = ox + i32[o + N_MAX] * sx;
    const y1 = oy + i32[o + N_MAX + 1] * sy;
    const z1 = oz + i32[o + N_MAX + 2] * sz;
    for (let p = 0; p < 6; p++) {
      const a = planes[p * 4];
      const b = planes[p * 4 + 1];
      const c = planes[p * 4 + 2];
      const d = planes[p * 4 + 3];
      const px = a >= 0 ? x1 : x0;
      const py = b >= 0 ? y1 : y0;
      const pz = c >= 0 ? z1 : z0;
      if (a * px + b * py + c * pz + d < 0) return false;
    }
    // Written as in the kernel (select, not min/max) so NaN and -0 behave the same.
    // biome-ignore lint/complexity/useMathMinMax: must mirror the kernel exactly
    const cx = eye[0] < x0 ? x0 : eye[0] > x1 ? x1 : eye[0];
    // biome-ignore lint/complexity/useMathMinMax: must mirror the kernel exactly
    const cy = eye[1] < y0 ? y0 : eye[1] > y1 ? y1 : eye[1];
    // biome-ignore lint/complexity/useMathMinMax: must mirror the kernel exactly
    const cz = eye[2] < z0 ? z0 : eye[2] > z1 ? z1 : eye[2];
    const ddx = eye[0] - cx;
    const ddy = eye[1] - cy;
    const ddz = eye[2] - cz;
    dist = Math.sqrt(ddx * ddx + ddy * ddy + ddz * ddz);
    return true;
  };
  const voxels = (node: number): number => {
    const o = base + node * NODE_WORDS;
    const level = i32[o + N_LEVEL];
    const mk = (1 << level) - 1;
    const bx = (i32[o + N_MAX] - i32[o + N_MIN] + mk) >> level;
    const by = (i32[o + N_MAX + 1] - i32[o + N_MIN + 1] + mk) >> level;
    const bz = (i32[o + N_MAX + 2] - i32[o + N_MIN + 2] + mk) >> level;
    return bx * by * bz;
  };
  const bytesOf = (node: number): number => i32[base + node * NODE_WORDS + N_BYTES];

  // Binary min-heap on (distance, node), the same total order as the kernel.
  const hd: number[] = [];
  const hn: number[] = [];
  const less = (a: number, b: number): boolean => hd[a] < hd[b] || (hd[a] === hd[b] && hn[a] < hn[b]);
  const swap = (a: number, b: number): void => {
    [hd[a], hd[b]] = [hd[b], hd[a]];
    [hn[a], hn[b]] = [hn[b], hn[a]];
  };
  const push = (d: number, node: number): void => {
    let i = hd.length;
    hd.push(d);
    hn.push(node);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(i, parent)) break;
      swap(i, parent);
      i = parent;
    }
  };
  const pop = (): number => {
    dist = hd[0];
    const node = hn[0];
    const lastD = hd.pop()!;
    const lastN = hn.pop()!;
    const size = hd.length;
    if (size > 0) {
      hd[0] = lastD;
      hn[0] = lastN;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        let c = l;
        if (l + 1 < size && less(l + 1, l)) c = l + 1;
        if (!less(c, i)) break;
        swap(c, i);
        i = c;
      }
    }
    return node;
  };

  let visited = 0;
  let count = 0;
  let usedBytes = 0;
  let usedVox = 0;
  if (visible(root)) {
    visited++;
    usedBytes = bytesOf(root);
    usedVox = voxels(root);
    push(dist, root);
  }
  const factor = f64[P + 27];
  const threshold = f64[P + 28];
  const budgetBytes = f64[P + 29];
  const budgetVox = f64[P + 30];
  const outBase = out >> 2;
  while (hd.length > 0) {
    const node = pop();
    const d = dist;
    const o = base + node * NODE_WORDS;
    const kids = i32[o + N_CHILD_COUNT];
    if (i32[o + N_FLAGS] & HAS_CHILDREN && kids > 0) {
      const sse = d > 0 ? (f32[o + N_GEOM_ERROR] * factor) / d : Infinity;
      if (sse > threshold) {
        const first = i32[o + N_FIRST_CHILD];
        let cb = 0;
        let cv = 0;
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
    i32[outBase + count] = node;
    count++;
  }
  f64[P + 37] = usedBytes;
  f64[P + 38] = usedVox;
  f64[P + 39] = visited;
  return count;
}
