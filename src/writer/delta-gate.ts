/**
 * Cheap estimate of whether an XOR-delta brick is worth compressing: order-0
 * entropy per byte position (the planes the shuffle creates), sampled, of the
 * plain values versus their XOR with the previous timestep. Compressing both
 * forms of every changed brick would halve packing speed; this gate costs a
 * small fraction of one compression.
 */
const hist = new Uint32Array(256 * 8);

function planeEntropyBits(
  cur: Uint8Array,
  ref: Uint8Array | undefined,
  size: number,
  stride: number,
): number {
  hist.fill(0);
  const n = (cur.length / size) | 0;
  let samples = 0;
  for (let i = 0; i < n; i += stride) {
    const o = i * size;
    for (let b = 0; b < size; b++) {
      const v = ref ? cur[o + b] ^ ref[o + b] : cur[o + b];
      hist[(b << 8) | v]++;
    }
    samples++;
  }
  let bits = 0;
  for (let b = 0; b < size; b++) {
    for (let v = 0; v < 256; v++) {
      const c = hist[(b << 8) | v];
      if (c > 0) bits -= c * Math.log2(c / samples);
    }
  }
  return bits;
}

/** True when the delta form looks at most `ratio` times the plain form's information content. */
export function deltaLooksSmaller(cur: Uint8Array, ref: Uint8Array, size: number, ratio = 0.85): boolean {
  const stride = 7;
  const plain = planeEntropyBits(cur, undefined, size, stride);
  const delta = planeEntropyBits(cur, ref, size, stride);
  return delta <= plain * ratio;
}
