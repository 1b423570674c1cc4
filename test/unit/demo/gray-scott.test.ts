import { describe, expect, it } from "vitest";
import { GRAY_SCOTT_DEFAULTS, GrayScott, grayScottDemo } from "../../../src/demo/gray-scott";
import type { ArrayTimestepData } from "../../../src/writer/pack-types";

function run(opts: Parameters<typeof grayScottDemo>[0]): ArrayTimestepData[] {
  return [...grayScottDemo(opts).steps];
}

describe("GrayScott kernel", () => {
  it("keeps the background (u = 1, v = 0) exactly", () => {
    const sim = new GrayScott(12, 10, 8, GRAY_SCOTT_DEFAULTS);
    sim.step(5);
    expect(sim.u.every((x) => x === 1)).toBe(true);
    expect(sim.v.every((x) => x === 0)).toBe(true);
  });

  it("conserves mass under pure diffusion with periodic wrap", () => {
    // F = k = 0 and v = 0: du/dt = Du ∇²u, whose sum is invariant on a torus.
    const sim = new GrayScott(9, 7, 6, { Du: 0.08, Dv: 0.04, F: 0, k: 0 });
    sim.u.fill(0);
    sim.u[0] = 1000; // a corner: every neighbour of it wraps
    sim.step(80);
    const sum = sim.u.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1000, 2);
    // It spread to the far side through the periodic boundary.
    expect(sim.u[8 + 9 * (6 + 7 * 5)]).toBeGreaterThan(0.1);
    expect(Math.max(...sim.u)).toBeLessThan(100);
  });
});

describe("grayScottDemo", () => {
  it("describes the dataset", () => {
    const { spec } = grayScottDemo({ size: 32, steps: 3, substeps: 10, fields: ["u", "v"], seed: 5 });
    expect(spec.dims).toEqual([32, 32, 32]);
    expect(spec.times).toEqual([20, 30, 40]);
    expect(spec.fields.map((f) => [f.name, f.dtype, f.kind, f.units])).toEqual([
      ["u", "f32", "scalar", "1"],
      ["v", "f32", "scalar", "1"],
    ]);
    expect(spec.metadata?.code).toBe("flatvox gray-scott");
    expect(spec.metadata?.parameters).toMatchObject({ F: 0.038, k: 0.061, Du: 0.08, Dv: 0.04, seed: 5 });
    expect(Date.parse(String(spec.metadata?.created))).not.toBeNaN();
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = run({ size: 32, steps: 2, substeps: 15, seed: 9 });
    const b = run({ size: 32, steps: 2, substeps: 15, seed: 9 });
    const c = run({ size: 32, steps: 2, substeps: 15, seed: 10 });
    expect(Buffer.from(a[1].fields.v.buffer).equals(Buffer.from(b[1].fields.v.buffer))).toBe(true);
    expect(Buffer.from(a[1].fields.v.buffer).equals(Buffer.from(c[1].fields.v.buffer))).toBe(false);
  });

  it("grows structures in a quiescent background, with u and v in [0, 1]", () => {
    // Measured at size 40, seed 3: v > 0.2 covers 5.5% → 8.7% of voxels over the
    // four steps, v < 0.05 covers 92% → 86%; u stays in [0.19, 1], v in [0, 0.51];
    // v is exactly 0 (quiescent, snapped) on 63% → 48%.
    const steps = run({ size: 40, steps: 4, seed: 3, fields: ["u", "v"] });
    const high: number[] = [];
    for (const s of steps) {
      const v = s.fields.v as Float32Array;
      const u = s.fields.u as Float32Array;
      let above = 0;
      let below = 0;
      let zero = 0;
      let lo = 1;
      let hi = 0;
      for (let i = 0; i < v.length; i++) {
        lo = Math.min(lo, u[i], v[i]);
        hi = Math.max(hi, u[i], v[i]);
        if (v[i] > 0.2) above++;
        if (v[i] < 0.05) below++;
        if (v[i] === 0) zero++;
      }
      expect(zero / v.length).toBeGreaterThan(0.4);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      high.push(above / v.length);
      expect(below / v.length).toBeGreaterThan(0.8);
    }
    expect(high[0]).toBeGreaterThan(0.03);
    expect(high[3]).toBeLessThan(0.15);
    for (let t = 1; t < high.length; t++) expect(high[t]).toBeGreaterThan(high[t - 1]);
  });

  it("hands out copies, not the live simulation grid", () => {
    const steps = [...grayScottDemo({ size: 16, steps: 2, substeps: 5, warmup: 0 }).steps];
    expect(steps[0].fields.v).not.toBe(steps[1].fields.v);
    expect(steps[0].fields.v.some((x, i) => x !== steps[1].fields.v[i])).toBe(true);
  });

  it("rejects unstable or invalid settings", () => {
    expect(() => grayScottDemo({ params: { Du: 0.1 } })).toThrow(/1\/12/);
    expect(() => grayScottDemo({ size: 4 })).toThrow(/size/);
  });
});
