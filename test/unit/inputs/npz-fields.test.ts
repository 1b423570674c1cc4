/**
 * .npz files written by NumPy: each array a field of one dataset (stored and
 * deflated members), arrays as timesteps only when asked, arrays off the
 * grid noted or refused, through the CLI too.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { openInputs } from "../../../src/cli/pack";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { readNpz } from "../../../src/writer/inputs/npz";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";
import { npy, range } from "./npy-fixture";
import { expectation, expectVoxels, fixture, packAndOpen } from "./oracle";

afterAll(cleanupTemp);

interface Expect {
  dims: Vec3;
  steps: number;
  fields: Record<string, { values: number[][] }>;
}

describe("npz fields", () => {
  const exp = expectation<Expect>("npz", "two.expect.json");

  for (const name of ["two.npz", "two_compressed.npz"]) {
    it(`np.savez${name.includes("compressed") ? "_compressed" : ""}(rho=…, T=…) → two fields of one dataset`, async () => {
      const input = await readNpz([fixture("npz", name)]);
      expect(input.spec.dims).toEqual(exp.dims);
      expect(input.spec.times).toEqual([0, 1]);
      expect(input.spec.fields.map((f) => [f.name, f.dtype, f.fill])).toEqual([
        ["rho", "f32", undefined],
        ["T", "f32", undefined],
      ]);
      expect(input.spec.metadata?.source).toEqual([name]);
      const ds = await packAndOpen(input);
      for (const [field, f] of Object.entries(exp.fields)) await expectVoxels(ds, field, f.values);
    });
  }

  it.each(["two.npz", "two_compressed.npz"])(
    "slabs in any order (%s: positioned reads, or re-inflating)",
    async (name) => {
      const input = await readNpz([fixture("npz", name)]);
      const steps = [];
      for await (const s of input.steps as AsyncIterable<{ fields: Record<string, unknown> }>) steps.push(s);
      const rho1 = steps[1].fields.rho as { read: (...a: number[]) => Promise<ArrayLike<number>> };
      const rho0 = steps[0].fields.rho as typeof rho1;
      const [nx, ny] = exp.dims;
      const late = await rho1.read(2, 1, 1, 2);
      const early = await rho0.read(0, 1, 0, ny);
      expect(Array.from(late)).toEqual(
        exp.fields.rho.values[1].slice(nx * (1 + ny * 2), nx * (3 + ny * 2)).map(Math.fround),
      );
      expect(Array.from(early)).toEqual(exp.fields.rho.values[0].slice(0, nx * ny).map(Math.fround));
    },
  );

  it("arrays as timesteps only when asked; off-grid arrays noted, or refused when named", async () => {
    const asTime = await readNpz([fixture("npz", "mixed.npz")], { arraysAsTime: true, arrays: ["rho", "T"] });
    expect(asTime.spec.fields.map((f) => f.name)).toEqual(["value"]);
    expect(asTime.spec.times).toEqual([0, 1]);
    const mixed = await readNpz([fixture("npz", "mixed.npz")]);
    expect(mixed.spec.fields.map((f) => f.name).sort()).toEqual(["T", "rho"]);
    expect(JSON.stringify(mixed.spec.metadata?.notes)).toMatch(/not packed.*mask \(shape 4×5\)/);
    expect(await inputFailure(readNpz([fixture("npz", "mixed.npz")], { arrays: ["rho", "mask"] }))).toMatch(
      /mask.npy: expected a 3D/,
    );
    expect(await inputFailure(readNpz([fixture("npz", "two.npz")], { field: "x" }))).toMatch(
      /--field applies to one field, and there are 2/,
    );
  });

  it("flatvox pack: fields by default, --array picks, --arrays-as-time keeps the old reading", async () => {
    const out = join(tempDir(), "n.fvx");
    const r = spawnSync(
      process.execPath,
      ["bin/flatvox.js", "pack", fixture("npz", "two.npz"), "-o", out, "-q"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect((await openDataset(out, { workers: false })).info.fields.map((f) => f.name)).toEqual(["rho", "T"]);
    const one = await openInputs([fixture("npz", "two.npz")], { out, array: ["T"] });
    expect(one.spec.fields.map((f) => f.name)).toEqual(["T"]);
    const series = await openInputs([fixture("npz", "mixed.npz")], {
      out,
      arrays: "rho,T",
      arraysAsTime: true,
    });
    expect(series.spec.fields.map((f) => f.name)).toEqual(["value"]);
    expect(series.spec.times).toEqual([0, 1]);
  });

  for (const level of [0, 6] as const) {
    it(`larger arrays pack band by band (${level ? "deflated" : "stored"}, C and Fortran order)`, async () => {
      const [T, nz, ny, nx] = [2, 33, 35, 37];
      const n = T * nz * ny * nx;
      const a = range(n, (i) => (i * 7919) % 10007);
      const b = range(n, (i) => (i % 251) - 125);
      const f = join(tempDir(), "big.npz");
      writeFileSync(
        f,
        zipSync(
          {
            "a.npy": npy({ code: "u2", shape: [T, nz, ny, nx], values: a }),
            "b.npy": npy({ code: "i2", shape: [T, nz, ny, nx], values: b, fortran: true }),
          },
          { level },
        ),
      );
      const ds = await packAndOpen(await readNpz([f]));
      const v = nz * ny * nx;
      await expectVoxels(ds, "a", [a.slice(0, v), a.slice(v)]);
      await expectVoxels(ds, "b", [b.slice(0, v), b.slice(v)]);
    });
  }
});
