/** Synthetic input fields shared by the packing benchmarks. */
import type { TimestepData } from "../../src/writer/pack-types";

/** Sum of a few travelling Gaussian blobs plus a gentle gradient: smooth like simulation output. */
export function* smoothField(n: number, steps: number): Generator<TimestepData> {
  const blobs = Array.from({ length: 6 }, (_, i) => ({
    c: [0.2 + 0.12 * i, 0.5 + 0.3 * Math.sin(i), 0.5 + 0.3 * Math.cos(2 * i)],
    v: [0.01 * Math.cos(i), 0.01 * Math.sin(i), 0.005],
    r: 0.08 + 0.02 * i,
  }));
  const inv = 1 / n;
  const gx = new Float32Array(n);
  for (let t = 0; t < steps; t++) {
    const a = new Float32Array(n * n * n);
    for (let z = 0; z < n; z++)
      for (let y = 0; y < n; y++) {
        gx.fill(0.1 * z * inv);
        for (const b of blobs) {
          const dy = y * inv - (b.c[1] + b.v[1] * t);
          const dz = z * inv - (b.c[2] + b.v[2] * t);
          const q = (dy * dy + dz * dz) / (b.r * b.r);
          if (q > 16) continue;
          const cx = b.c[0] + b.v[0] * t;
          for (let x = 0; x < n; x++) {
            const dx = x * inv - cx;
            gx[x] += Math.exp(-(q + (dx * dx) / (b.r * b.r)));
          }
        }
        a.set(gx, n * (y + n * z));
      }
    yield { index: t, fields: { density: a } };
  }
}
