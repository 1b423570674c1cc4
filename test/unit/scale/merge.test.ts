import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";
import { mergeParts } from "../../../src/writer/merge";
import { packDataset } from "../../../src/writer/packer";
import { packPart, parsePart, partRange } from "../../../src/writer/part";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { demos, expectSameDataset } from "./compare";

afterAll(cleanupTemp);

describe("part ranges", () => {
  it("cover the timesteps once, contiguously, for any N ≤ T", () => {
    for (const T of [1, 2, 7, 100])
      for (let N = 1; N <= Math.min(T, 9); N++) {
        let next = 0;
        for (let i = 0; i < N; i++) {
          const [a, b] = partRange(T, i, N);
          expect(a).toBe(next);
          expect(b - a).toBeGreaterThanOrEqual(Math.floor(T / N));
          expect(b - a).toBeLessThanOrEqual(Math.ceil(T / N));
          next = b;
        }
        expect(next).toBe(T);
      }
    expect(() => partRange(3, 0, 4)).toThrow(/at least one/);
    expect(parsePart("2/5")).toEqual({ part: 2, parts: 5 });
    for (const bad of ["5/5", "1", "-1/3", "a/b", "0/0"]) expect(() => parsePart(bad)).toThrow(/I\/N/);
  });
});

describe.each(demos())("merge equals one pack: $name demo", (demo) => {
  const dir = tempDir();
  const single = join(dir, "single.fvx");
  const opts = { brickSize: 16, workers: 0, features: demo.features };

  it("single-process reference", async () => {
    const r = await packDataset(demo.spec, demo.steps, single, opts);
    // The material world keeps most bricks from step to step: dedup crosses part boundaries there.
    if (demo.name === "material") expect(r.bricks.deduped).toBeGreaterThan(0);
  });

  it.each([1, 2, 3, 5])(
    "N = %i parts, merged, read back identical (voxels, stats, features, tracks)",
    async (N) => {
      const parts: string[] = [];
      for (let i = 0; i < N; i++) {
        const out = join(dir, `n${N}-part-${i}.fvx`);
        await packPart(demo.spec, demo.steps, out, i, N, opts);
        parts.push(out);
      }
      const merged = join(dir, `n${N}.fvx`);
      // Order of the arguments does not matter: the parts say where they go.
      const r = await mergeParts([...parts].reverse(), merged, {});
      expect(r.timesteps).toBe(demo.spec.times.length);
      expect(r.parts).toBe(N);
      if (N === 1) expect(r.recovered.bricks).toBe(0);
      else if (demo.name === "material") expect(r.recovered.bricks).toBeGreaterThan(0);
      const voxels = await expectSameDataset(merged, single, { features: true });
      expect(voxels).toBeGreaterThan(40 ** 3 * demo.spec.times.length);
    },
  );

  it("parts and merge are idempotent: a rerun part and a rerun merge give the same bytes", async () => {
    const a = join(dir, "n3-part-1.fvx");
    const before = readFileSync(a);
    await packPart(demo.spec, demo.steps, a, 1, 3, opts);
    expect(readFileSync(a).equals(before)).toBe(true);
    const parts = [0, 1, 2].map((i) => join(dir, `n3-part-${i}.fvx`));
    const m1 = readFileSync(join(dir, "n3.fvx"));
    await mergeParts(parts, join(dir, "n3.fvx"));
    expect(readFileSync(join(dir, "n3.fvx")).equals(m1)).toBe(true);
  });

  it("refuses an incomplete or mixed set of parts, naming what is wrong", async () => {
    const parts = [0, 2].map((i) => join(dir, `n3-part-${i}.fvx`));
    const err = await mergeParts(parts, join(dir, "bad.fvx")).catch((e) => e);
    expect(isFlatvoxError(err, "InputError")).toBe(true);
    expect(err.message).toMatch(/missing part 1/);
    const mixed = [join(dir, "n3-part-0.fvx"), join(dir, "n2-part-1.fvx"), join(dir, "n3-part-2.fvx")];
    const err2 = await mergeParts(mixed, join(dir, "bad.fvx")).catch((e) => e);
    expect(isFlatvoxError(err2, "InputError")).toBe(true);
    const err3 = await mergeParts([single], join(dir, "bad.fvx")).catch((e) => e);
    expect(err3.message).toMatch(/not a part/);
  });
});
