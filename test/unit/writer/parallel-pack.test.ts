import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { allocTyped } from "../../../src/shared/types";
import type { ArrayTimestepData, FieldSpec } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, prng, tempDir } from "../reader/fixtures";

afterAll(cleanupTemp);

describe("parallel packing", () => {
  // Bricks of 32³ f32 (128 KiB) and u16 (64 KiB) go through the sampled delta
  // gate; edge bricks are clipped; steps have uniform, dedup and delta bricks.
  const dims: [number, number, number] = [70, 40, 33];
  const fields: FieldSpec[] = [
    { name: "a", dtype: "f32", kind: "scalar" },
    { name: "m", dtype: "u16", kind: "categorical" },
  ];
  const steps: ArrayTimestepData[] = [0, 1, 2].map((index) => ({ index, fields: {} }));
  for (const [name, dtype, seed] of [
    ["a", "f32", 11],
    ["m", "u16", 12],
  ] as const) {
    // x < 32 constant (uniform bricks); t1 changes x in [32, 64) (the x = 64.. bricks dedup);
    // t2 changes 1% of the voxels at x ≥ 32 (delta bricks).
    const r = prng(seed);
    const val = () => (dtype === "f32" ? Math.sin(r() * 6) : Math.floor(r() * 4));
    const n = dims[0] * dims[1] * dims[2];
    const t0 = allocTyped(dtype, n);
    for (let i = 0; i < n; i++) t0[i] = i % dims[0] < 32 ? 2 : val();
    const t1 = t0.slice();
    for (let i = 0; i < n; i++) if (i % dims[0] >= 32 && i % dims[0] < 64) t1[i] = val();
    const t2 = t1.slice();
    for (let i = 0; i < n; i++) if (i % dims[0] >= 32 && r() < 0.01) t2[i] = val();
    [t0, t1, t2].forEach((a, t) => {
      steps[t].fields[name] = a;
    });
  }
  const spec = { dims, fields, times: [0, 1, 2] };

  it("writes the same bytes for 0, 1 and 3 workers, and they read back", async () => {
    const files: Buffer[] = [];
    for (const workers of [0, 1, 3]) {
      const out = join(tempDir(), `w${workers}.fvx`);
      const r = await packDataset(spec, steps, out, { brickSize: 32, workers });
      expect(r.bricks.uniform).toBeGreaterThan(0);
      expect(r.bricks.deduped).toBeGreaterThan(0);
      expect(r.bricks.delta).toBeGreaterThan(0);
      if (workers > 0) expect(r.compressor).toMatch(new RegExp(`×${workers} workers`));
      files.push(readFileSync(out));
    }
    // The LOD downsample on the packer's own thread (as it once ran) gives the same bytes too.
    const old = process.env.FLATVOX_DOWNSAMPLE;
    process.env.FLATVOX_DOWNSAMPLE = "main";
    try {
      const out = join(tempDir(), "main-downsample.fvx");
      await packDataset(spec, steps, out, { brickSize: 32, workers: 2 });
      files.push(readFileSync(out));
    } finally {
      if (old === undefined) delete process.env.FLATVOX_DOWNSAMPLE;
      else process.env.FLATVOX_DOWNSAMPLE = old;
    }
    expect(files[1].equals(files[0])).toBe(true);
    expect(files[2].equals(files[0])).toBe(true);
    expect(files[3].equals(files[0])).toBe(true);
    const ds = await openDataset(new MemorySource(new Uint8Array(files[2])));
    // The last timestep: its bricks are deltas of deltas and dedups of earlier ones.
    for (const t of [2]) {
      for (const f of ["a", "m"]) {
        const got = await ds.readRegion({ field: f, t, box: { min: [0, 0, 0], max: dims } });
        const want = Buffer.from(steps[t].fields[f].buffer);
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want)).toBe(true);
      }
    }
  });

  it("bounds the bricks in flight: a slow source still packs in order", async () => {
    async function* slow() {
      for (const s of steps) {
        await new Promise((r) => setTimeout(r, 5));
        yield s;
      }
    }
    const x = join(tempDir(), "slow.fvx");
    const y = join(tempDir(), "fast.fvx");
    await packDataset(spec, slow(), x, { brickSize: 16, workers: 2 });
    await packDataset(spec, steps, y, { brickSize: 16, workers: 0 });
    expect(readFileSync(x).equals(readFileSync(y))).toBe(true);
  });

  it("respects maxDeltaChain while earlier bricks are still encoding", async () => {
    // Sparse changes every step: each brick could be a delta of the one before,
    // but with maxDeltaChain 1 every other one must be plain.
    const d: [number, number, number] = [32, 32, 32];
    const r = prng(5);
    let cur = Float32Array.from({ length: 32 ** 3 }, () => r());
    const seq: ArrayTimestepData[] = [];
    for (let t = 0; t < 5; t++) {
      seq.push({ index: t, fields: { a: cur } });
      cur = cur.slice();
      for (let i = 0; i < cur.length; i += 50) cur[i] = r();
    }
    const s5 = { dims: d, fields: [fields[0]], times: [0, 1, 2, 3, 4] };
    const files: Buffer[] = [];
    for (const workers of [0, 2]) {
      const out = join(tempDir(), `chain${workers}.fvx`);
      const rep = await packDataset(s5, seq, out, { brickSize: 16, workers, maxDeltaChain: 1 });
      // 8 level-0 bricks + 1 level-1 brick per step; deltas only at t = 1 and 3.
      expect(rep.bricks.delta).toBe(2 * 9);
      files.push(readFileSync(out));
    }
    expect(files[1].equals(files[0])).toBe(true);
    const ds = await openDataset(new MemorySource(new Uint8Array(files[1])));
    const got = await ds.readRegion({ field: "a", t: 4, box: { min: [0, 0, 0], max: d } });
    expect(
      Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(seq[4].fields.a.buffer)),
    ).toBe(true);
  });
});
