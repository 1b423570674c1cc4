/**
 * 3D Hilbert curve index (Skilling's transpose method), `bits` per axis
 * (≤ 10, so the index fits in 30 bits and stays in fast 32-bit integer math).
 */
const scratch = new Uint32Array(3);

export function hilbert3(x: number, y: number, z: number, bits = 10): number {
  const X = scratch;
  X[0] = x >>> 0;
  X[1] = y >>> 0;
  X[2] = z >>> 0;
  const M = 1 << (bits - 1);
  // Inverse undo of the excess work.
  for (let Q = M; Q > 1; Q >>>= 1) {
    const P = Q - 1;
    for (let i = 0; i < 3; i++) {
      if (X[i] & Q) X[0] ^= P;
      else {
        const t = (X[0] ^ X[i]) & P;
        X[0] ^= t;
        X[i] ^= t;
      }
    }
  }
  // Gray encode.
  X[1] ^= X[0];
  X[2] ^= X[1];
  let t = 0;
  for (let Q = M; Q > 1; Q >>>= 1) if (X[2] & Q) t ^= Q - 1;
  X[0] ^= t;
  X[1] ^= t;
  X[2] ^= t;
  // Interleave the transposed bits, most significant first.
  let h = 0;
  for (let b = bits - 1; b >= 0; b--) {
    h = h * 8 + (((X[0] >>> b) & 1) << 2) + (((X[1] >>> b) & 1) << 1) + ((X[2] >>> b) & 1);
  }
  return h;
}

/** 2D Hilbert curve index of (x, y) in a 2^bits grid (the classic rotate-and-flip walk; bits ≤ 16). */
export function hilbert2(x: number, y: number, bits = 16): number {
  let d = 0;
  for (let s = 1 << (bits - 1); s > 0; s >>>= 1) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      const t = x;
      x = y;
      y = t;
    }
  }
  return d;
}
