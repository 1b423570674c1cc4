/**
 * VTK ImageData placement against VTK 9 (test/fixtures/vti/make-orientation.py):
 * a non-identity Direction (rotation and flip), an extent that does not start
 * at 0, point data and cell data, two one-component arrays each and a vector
 * array. Packed by the real packer and opened: the world coordinates of the
 * corner voxels' centres (VTK's TransformIndexToPhysicalPoint for points, the
 * cell centres for cells), values, sample and pick agree with VTK.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { readVtk } from "../../../src/writer/inputs/vti";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";
import { expectCorners } from "./world-oracle";

afterAll(cleanupTemp);

const FIX = "test/fixtures/vti";

interface Expectation {
  data: "point" | "cell";
  dims: Vec3;
  arrays: string[];
  vectors: string[];
  corners: { ijk: Vec3; world: Vec3; values: Record<string, number> }[];
  values: Record<string, number[]>;
}

const expectation = (name: string): Expectation =>
  JSON.parse(readFileSync(join(FIX, `${name}.json`), "utf8"));

async function packed(file: string, opts: Parameters<typeof readVtk>[1] = {}) {
  const input = await readVtk([join(FIX, file)], opts);
  const out = join(tempDir(), `${file}.fvx`);
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return { input, ds: await openDataset(out, { workers: false }) };
}

describe("VTK ImageData world placement equals VTK's", () => {
  it.each(["direction-point", "direction-cell"])(
    "%s.vti: every scalar array a field; corner centres, values, sample and pick",
    async (name) => {
      const e = expectation(name);
      const { input, ds } = await packed(`${name}.vti`);
      expect(ds.info.dims).toEqual(e.dims);
      expect(ds.info.fields.map((f) => f.name)).toEqual(e.arrays);
      expect(ds.info.transform).toHaveLength(12);
      expect(input.spec.metadata?.notes).toEqual(
        e.vectors.map((v) => `${v} (${e.data} data, 3 components) left out: not a scalar`),
      );
      for (const a of e.arrays) {
        await expectCorners(
          ds,
          e.corners.map((c) => ({ ijk: c.ijk, world: c.world, value: [c.values[a]] })),
          a,
        );
        const f32 = ds.info.fields[ds.fieldIndex(a)].dtype === "f32";
        const got = await ds.readRegion({ field: a, t: 0, box: { min: [0, 0, 0], max: ds.info.dims } });
        expect(Array.from(got)).toEqual(e.values[a].map((v) => (f32 ? Math.fround(v) : v)));
      }
    },
  );

  it("--array picks and orders fields; a named vector array is refused by name", async () => {
    const { ds } = await packed("direction-cell.vti", { array: ["mat"] });
    expect(ds.info.fields.map((f) => [f.name, f.dtype])).toEqual([["mat", "u8"]]);
    expect(
      await inputFailure(readVtk([join(FIX, "direction-cell.vti")], { array: ["rho", "flux"] })),
    ).toMatch(/flux \(cell data, 3 components\) is not a scalar/);
  });

  it("flatvox pack: repeatable --array, and inspect prints the transform", async () => {
    const out = join(tempDir(), "cli.fvx");
    const file = join(FIX, "direction-point.vti");
    const args = ["bin/flatvox.js", "pack", file, "--array", "level", "--array", "temp", "-o", out, "-q"];
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const ds = await openDataset(out, { workers: false });
    expect(ds.info.fields.map((f) => f.name)).toEqual(["level", "temp"]);
    const e = expectation("direction-point");
    await expectCorners(
      ds,
      e.corners.map((c) => ({ ijk: c.ijk, world: c.world, value: [c.values.level] })),
      "level",
    );
    const i = spawnSync(process.execPath, ["bin/flatvox.js", "inspect", out], { encoding: "utf8" });
    expect(i.status, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/transform \[0\.40957602, -0\.14339411, 0, 1\.8294552\]/);
  });
});
