/**
 * NIfTI input against files written by nibabel (test/fixtures/nifti/
 * make-fixtures.py): 4D float with voxel size, TR and sform; gzip; scaled
 * int16; big-endian; NIfTI-2. Values read back voxel for voxel.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { readNifti } from "../../../src/writer/inputs/nifti";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";

afterAll(cleanupTemp);

const FIX = "test/fixtures/nifti";
const [NX, NY, NZ] = [6, 5, 4];
const v = (x: number, y: number, z: number, t = 0) => t * 100 + x + 10 * y + 0.5 * z;

async function packed(files: string[], opts: Parameters<typeof readNifti>[1] = {}) {
  const input = await readNifti(files, opts);
  const out = join(tempDir(), "n.fvx");
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return { input, ds: await openDataset(out, { workers: false }) };
}

async function grid(ds: Awaited<ReturnType<typeof openDataset>>, t: number) {
  return ds.readRegion({ field: 0, t, box: { min: [0, 0, 0], max: [NX, NY, NZ] } });
}

function expectGrid(got: ArrayLike<number>, f: (x: number, y: number, z: number) => number) {
  let i = 0;
  for (let z = 0; z < NZ; z++)
    for (let y = 0; y < NY; y++)
      for (let x = 0; x < NX; x++) expect(got[i++], `(${x},${y},${z})`).toBe(f(x, y, z));
}

describe("NIfTI input", () => {
  it("a 4D float volume: voxels, voxel size, TR as times, the sform as the world transform", async () => {
    const { input, ds } = await packed([`${FIX}/bold.nii`], { field: "bold" });
    expect(input.spec.dims).toEqual([NX, NY, NZ]);
    expect(input.spec.spacing).toEqual([2, 2.5, 3]);
    // The sform maps voxel centres; voxel (0,0,0)'s corner is half a voxel before (-10, 20, 5).
    expect(input.spec.origin).toEqual([-11, 18.75, 3.5]);
    expect(input.spec.transform).toEqual([2, 0, 0, -11, 0, 2.5, 0, 18.75, 0, 0, 3, 3.5]);
    expect(input.spec.spaceUnits).toBe("mm");
    expect(input.spec.times).toEqual([0, 1.5, 3]);
    expect(input.spec.timeUnits).toBe("s");
    expect(input.spec.metadata).toMatchObject({
      description: "flatvox test bold",
      source: ["bold.nii"],
      affine: [
        [2, 0, 0, -10],
        [0, 2.5, 0, 20],
        [0, 0, 3, 5],
        [0, 0, 0, 1],
      ],
    });
    for (let t = 0; t < 3; t++) expectGrid(await grid(ds, t), (x, y, z) => v(x, y, z, t));
  });

  it("gzip, big-endian and NIfTI-2 files read the same way", async () => {
    const labels = await packed([`${FIX}/labels.nii.gz`], { kind: "categorical" });
    expect(labels.input.spec.fields[0]).toMatchObject({ dtype: "u16", kind: "categorical" });
    expectGrid(await grid(labels.ds, 0), (x, y, z) => (x + 2 * y + 3 * z) % 7);
    for (const f of ["big.nii", "nifti2.nii"]) {
      const { ds } = await packed([`${FIX}/${f}`]);
      expectGrid(await grid(ds, 0), (x, y, z) => v(x, y, z));
    }
  });

  it("scl_slope / scl_inter are applied: the field holds real values, as f32", async () => {
    const { input, ds } = await packed([`${FIX}/scaled.nii.gz`]);
    expect(input.spec.fields[0].dtype).toBe("f32");
    expect(input.spec.fields[0].attributes).toEqual({ scl_slope: 0.5, scl_inter: -3 });
    expectGrid(await grid(ds, 0), (x, y, z) => x + 10 * y + 0.5 * z - 3);
    const e = await readNifti([`${FIX}/scaled.nii.gz`], { kind: "categorical" }).catch((x: unknown) => x);
    expect(isFlatvoxError(e, "InputError")).toBe(true);
  });

  it("what is not NIfTI is an InputError", async () => {
    const junk = join(tempDir(), "junk.nii");
    writeFileSync(junk, new Uint8Array(600).fill(1));
    const e = await readNifti([junk]).catch((x: unknown) => x);
    expect(isFlatvoxError(e, "InputError")).toBe(true);
    expect((e as Error).message).toMatch(/not a NIfTI-1 or NIfTI-2 file/);
  });

  it("flatvox pack takes .nii and .nii.gz", async () => {
    const out = join(tempDir(), "bold.fvx");
    const r = spawnSync(process.execPath, ["bin/flatvox.js", "pack", `${FIX}/bold.nii`, "-o", out, "-q"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const ds = await openDataset(out, { workers: false });
    expect(ds.info.times).toEqual([0, 1.5, 3]);
    expect(await ds.sample({ field: 0, t: 2, point: [5, 4, 3] })).toBe(v(5, 4, 3, 2));
  });
});
