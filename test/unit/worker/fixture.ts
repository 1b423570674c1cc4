/** A small packed dataset with uniform background, blobs, NaNs, dedup and delta bricks (B = 16). */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Vec3 } from "../../../src/shared/types";
import type { ArrayTimestepData } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { type Packed, packSmall, prng, tempDir } from "../reader/fixtures";

export { type Packed, packSmall, prng };

export const DIMS: Vec3 = [45, 37, 29];

/** Scalar f32 "s": 0 background, a few Gaussian blobs (some negative), scattered NaN; categorical u8 "m": layers + a blob. */
export async function packQueryDataset(): Promise<{
  bytes: Uint8Array;
  path: string;
  steps: ArrayTimestepData[];
}> {
  const [nx, ny, nz] = DIMS;
  const r = prng(7);
  const blobs = Array.from({ length: 8 }, () => ({
    c: [r() * nx, r() * ny, r() * nz],
    rad: 2 + r() * 5,
    amp: (r() - 0.3) * 10,
  }));
  const steps: ArrayTimestepData[] = [];
  for (let t = 0; t < 3; t++) {
    const s = new Float32Array(nx * ny * nz);
    const m = new Uint8Array(nx * ny * nz);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = x + nx * (y + ny * z);
          let v = 0;
          for (const b of blobs) {
            const dx = x - b.c[0] - t * 0.7;
            const dy = y - b.c[1];
            const dz = z - b.c[2];
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 < b.rad * b.rad * 2.5) v += b.amp * Math.exp(-d2 / (b.rad * b.rad));
          }
          if (v !== 0 && (i * 2654435761) % 997 === t) v = Number.NaN;
          s[i] = v;
          m[i] = z < 8 ? 1 : z < 12 + (x % 5 === 0 ? 1 : 0) ? 2 : 0;
          if ((x - 30) ** 2 + (y - 10 - t) ** 2 + (z - 20) ** 2 < 16) m[i] = 5;
        }
    steps.push({ index: t, fields: { s, m } });
  }
  const path = join(tempDir(), "query.fvx");
  await packDataset(
    {
      dims: DIMS,
      origin: [1, -2, 0.5],
      spacing: [0.5, 1, 2],
      fields: [
        { name: "s", dtype: "f32", kind: "scalar" },
        { name: "m", dtype: "u8", kind: "categorical" },
      ],
      times: [0, 1, 2],
    },
    steps,
    path,
    { brickSize: 16, workers: 0 },
  );
  return { bytes: new Uint8Array(readFileSync(path)), path, steps };
}
