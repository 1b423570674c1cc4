/**
 * TIFF stacks written by Pillow: multi-page (u16 with an ImageJ description,
 * f32 with OME-XML, i32 without voxel size) and a directory of single pages in
 * natural name order; every voxel compared with what Pillow reads back.
 */
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openInputs } from "../../../src/cli/pack";
import type { Vec3 } from "../../../src/shared/types";
import { readTiff } from "../../../src/writer/inputs/tiff";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";
import { expectation, expectVoxels, fixture, packAndOpen } from "./oracle";

afterAll(cleanupTemp);

interface Expect {
  dims: Vec3;
  spacing: Vec3;
  spaceUnits?: string;
  values: number[];
}

const cases: [string, string, string][] = [
  ["stack_u16", "stack_u16.tif", "u16"],
  ["stack_f32", "stack_f32.tif", "f32"],
  ["stack_i32", "stack_i32.tif", "f32"],
  ["slices_u8", "slices_u8", "u8"],
];

describe("TIFF stacks", () => {
  for (const [name, path, dtype] of cases) {
    it(`${path}: every voxel, voxel size and units`, async () => {
      const exp = expectation<Expect>("tiff", `${name}.expect.json`);
      const input = await readTiff([fixture("tiff", path)]);
      expect(input.spec.dims).toEqual(exp.dims);
      expect(input.spec.fields[0]).toMatchObject({ name: "value", dtype });
      const ds = await packAndOpen(input);
      expect(ds.info.spacing).toEqual(exp.spacing);
      expect(input.spec.spaceUnits).toBe(exp.spaceUnits);
      if (!exp.spaceUnits) expect(JSON.stringify(ds.info.metadata.notes)).toMatch(/spacing 1/);
      await expectVoxels(ds, "value", [exp.values]);
    });
  }

  it("a list of single-page files is stacked in natural order, whatever order they are given in", async () => {
    const exp = expectation<Expect>("tiff", "slices_u8.expect.json");
    const dir = fixture("tiff", "slices_u8");
    const files = readdirSync(dir).map((n) => join(dir, n)); // slice_1, slice_10, slice_2, ...
    const input = await openInputs(files.sort(), { out: "x.fvx" });
    const ds = await packAndOpen(input);
    await expectVoxels(ds, "value", [exp.values]);
  });

  it("several multi-page files are a time series; mismatched pages are refused", async () => {
    const exp = expectation<Expect>("tiff", "stack_u16.expect.json");
    const dir = tempDir();
    for (const n of ["t0.tif", "t1.tif"]) copyFileSync(fixture("tiff", "stack_u16.tif"), join(dir, n));
    const input = await readTiff([join(dir, "t0.tif"), join(dir, "t1.tif")]);
    expect(input.spec.times).toEqual([0, 1]);
    const ds = await packAndOpen(input);
    await expectVoxels(ds, "value", [exp.values, exp.values]);
    const bad = tempDir();
    mkdirSync(join(bad, "s"));
    copyFileSync(fixture("tiff", "slices_u8", "slice_1.tif"), join(bad, "s", "a1.tif"));
    copyFileSync(fixture("tiff", "stack_i32.tif"), join(bad, "s", "a2.tif"));
    const err = await inputFailure(
      readTiff([join(bad, "s")]).then(async (d) => {
        for await (const s of d.steps as AsyncIterable<{
          fields: Record<string, { read: (...a: number[]) => Promise<unknown> }>;
        }>)
          await s.fields.value.read(0, 2, 0, 5);
      }),
    );
    expect(err).toMatch(/\d+ timesteps|another sample type|differs|page 0/);
  });

  it("an ImageJ hyperstack: channels as fields, slices as z, frames as times (finterval)", async () => {
    const exp = expectation<{
      dims: Vec3;
      times: number[];
      spacing: Vec3;
      spaceUnits: string;
      fields: Record<string, number[][]>;
    }>("tiff", "hyper_u16.expect.json");
    const input = await readTiff([fixture("tiff", "hyper_u16.tif")]);
    expect(input.spec).toMatchObject({
      dims: exp.dims,
      times: exp.times,
      timeUnits: "s",
      spacing: exp.spacing,
      spaceUnits: exp.spaceUnits,
    });
    expect(input.spec.fields.map((f) => f.name)).toEqual(["c0", "c1"]);
    const ds = await packAndOpen(input);
    for (const [name, values] of Object.entries(exp.fields)) await expectVoxels(ds, name, values);
  });

  it("an OME-TIFF with DimensionOrder XYCZT: named channels, PhysicalSize", async () => {
    const exp = expectation<{
      dims: Vec3;
      spacing: Vec3;
      spaceUnits: string;
      fields: Record<string, number[][]>;
    }>("tiff", "ome_channels.expect.json");
    const input = await readTiff([fixture("tiff", "ome_channels.tif")]);
    expect(input.spec).toMatchObject({ dims: exp.dims, spacing: exp.spacing, spaceUnits: exp.spaceUnits });
    expect(input.spec.fields.map((f) => [f.name, f.dtype])).toEqual([
      ["nuclei", "u8"],
      ["membrane", "u8"],
    ]);
    const ds = await packAndOpen(input);
    for (const [name, values] of Object.entries(exp.fields)) await expectVoxels(ds, name, values);
  });
});
