/**
 * Seeded randomness and lattice noise for the demo generators. Everything is
 * integer-hash based so a seed reproduces the same bytes on every run.
 */

/** mulberry32: small, fast, good enough for seeding simulations. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hash of integer lattice coordinates and a seed to [0, 1). */
export function hash3(x: number, y: number, z: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x9e3779b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** 2D value noise in [0, 1) with smoothstep interpolation. */
export function valueNoise2(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = smooth(x - ix);
  const fy = smooth(y - iy);
  const a = hash3(ix, iy, 0, seed);
  const b = hash3(ix + 1, iy, 0, seed);
  const c = hash3(ix, iy + 1, 0, seed);
  const d = hash3(ix + 1, iy + 1, 0, seed);
  const ab = a + (b - a) * fx;
  const cd = c + (d - c) * fx;
  return ab + (cd - ab) * fy;
}

/** 3D value noise in [0, 1). */
export function valueNoise3(x: number, y: number, z: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const iz = Math.floor(z);
  const fx = smooth(x - ix);
  const fy = smooth(y - iy);
  const fz = smooth(z - iz);
  let lower = 0;
  let upper = 0;
  for (let k = 0; k < 2; k++) {
    const a = hash3(ix, iy, iz + k, seed);
    const b = hash3(ix + 1, iy, iz + k, seed);
    const c = hash3(ix, iy + 1, iz + k, seed);
    const d = hash3(ix + 1, iy + 1, iz + k, seed);
    const ab = a + (b - a) * fx;
    const cd = c + (d - c) * fx;
    const v = ab + (cd - ab) * fy;
    if (k === 0) lower = v;
    else upper = v;
  }
  return lower + (upper - lower) * fz;
}

/** Fractal sum of 2D value noise, normalised to [0, 1). `scale` is the largest feature size in voxels. */
export function fbm2(x: number, y: number, scale: number, octaves: number, seed: number): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let f = 1 / scale;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise2(x * f, y * f, seed + o * 1013);
    norm += amp;
    amp *= 0.5;
    f *= 2;
  }
  return sum / norm;
}
