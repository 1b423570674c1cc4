import { describe, expect, it } from "vitest";
import {
  GRAY_SCOTT_DEFAULTS,
  GrayScott,
  type GrayScottParams,
  grayScottDemo,
} from "../../../src/demo/gray-scott";

/** The model written plainly: every voxel, modulo wrap, one thread. */
function reference(
  u: Float32Array,
  v: Float32Array,
  [nx, ny, nz]: number[],
  p: GrayScottParams,
  its: number,
) {
  let a = u.slice();
  let b = v.slice();
  let ao = new Float32Array(a.length);
  let bo = new Float32Array(a.length);
  const at = (x: number, y: number, z: number) =>
    ((x + nx) % nx) + nx * (((y + ny) % ny) + ny * ((z + nz) % nz));
  for (let it = 0; it < its; it++) {
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const c = at(x, y, z);
          const n6 = [
            at(x - 1, y, z),
            at(x + 1, y, z),
            at(x, y - 1, z),
            at(x, y + 1, z),
            at(x, y, z - 1),
            at(x, y, z + 1),
          ];
          const uc = a[c];
          const vc = b[c];
          const lu = a[n6[0]] + a[n6[1]] + a[n6[2]] + a[n6[3]] + a[n6[4]] + a[n6[5]] - 6 * uc;
          const lv = b[n6[0]] + b[n6[1]] + b[n6[2]] + b[n6[3]] + b[n6[4]] + b[n6[5]] - 6 * vc;
          const uvv = uc * vc * vc;
          const un = uc + p.Du * lu - uvv + p.F * (1 - uc);
          const vn = vc + p.Dv * lv + uvv - (p.F + p.k) * vc;
          ao[c] = Math.abs(un - 1) < 1e-6 ? 1 : un;
          bo[c] = Math.abs(vn) < 1e-6 ? 0 : vn;
        }
    [a, ao] = [ao, a];
    [b, bo] = [bo, b];
  }
  return { u: a, v: b };
}

const same = (x: Float32Array, y: Float32Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));

describe("GrayScott optimised kernel", () => {
  it("is bit-identical to the plain model, on one thread and on three (shared memory)", () => {
    // 48·40·36 voxels: above the size where threads start; few blobs, so rows are skipped too.
    const dims = [48, 40, 36];
    for (const threads of [1, 3]) {
      const sim = new GrayScott(dims[0], dims[1], dims[2], GRAY_SCOTT_DEFAULTS, threads);
      try {
        sim.seedBlobs(4, 5, 4);
        const start = { u: sim.u.slice(), v: sim.v.slice() };
        sim.step(7);
        sim.step(5);
        const want = reference(start.u, start.v, dims, GRAY_SCOTT_DEFAULTS, 12);
        expect(same(sim.u, want.u)).toBe(true);
        expect(same(sim.v, want.v)).toBe(true);
        // Written between calls: the row flags are rebuilt, so a new blob far away evolves too.
        sim.u[5 + 48 * (30 + 40 * 30)] = 0.3;
        sim.v[5 + 48 * (30 + 40 * 30)] = 0.6;
        const mid = { u: sim.u.slice(), v: sim.v.slice() };
        sim.step(4);
        const want2 = reference(mid.u, mid.v, dims, GRAY_SCOTT_DEFAULTS, 4);
        expect(same(sim.u, want2.u)).toBe(true);
        expect(same(sim.v, want2.v)).toBe(true);
      } finally {
        sim.close();
      }
    }
  });

  it("the demo's timesteps do not depend on the thread count", () => {
    const run = (threads: number) => [
      ...grayScottDemo({ size: 48, steps: 2, substeps: 6, warmup: 4, seed: 2, fields: ["u", "v"], threads })
        .steps,
    ];
    const a = run(1);
    const b = run(2);
    for (let t = 0; t < 2; t++) {
      expect(same(a[t].fields.u as Float32Array, b[t].fields.u as Float32Array)).toBe(true);
      expect(same(a[t].fields.v as Float32Array, b[t].fields.v as Float32Array)).toBe(true);
    }
  });
});

describe("GrayScott threads", () => {
  it("share the slabs of each iteration with the calling thread", async () => {
    const one = new GrayScott(64, 64, 64, GRAY_SCOTT_DEFAULTS, 1);
    const two = new GrayScott(64, 64, 64, GRAY_SCOTT_DEFAULTS, 2);
    try {
      one.seedBlobs(8, 12, 5);
      two.seedBlobs(8, 12, 5);
      two.step(1); // starts the worker, which comes online in the background
      one.step(1);
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 40 && two.helperSlabs === 0; i++) {
        two.step(5);
        one.step(5);
      }
      expect(two.helperSlabs).toBeGreaterThan(0);
      expect(one.helperSlabs).toBe(0);
      expect(same(one.u, two.u)).toBe(true);
      expect(same(one.v, two.v)).toBe(true);
    } finally {
      two.close();
    }
  });
});
