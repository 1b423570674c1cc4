/**
 * Plain HDF5 written by h5py (test/fixtures/hdf5/make-fixtures.py; each .json
 * holds what h5py reads back): datasets in a group become fields named by
 * their path, values voxel for voxel (f8 rounded to f32, big-endian swapped),
 * attributes kept (file attributes in metadata, dataset attributes on the
 * field), no netCDF default fills; an unavailable filter is one line.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { readHdf5 } from "../../../src/writer/inputs/hdf5";
import type { SlabReader } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";

afterAll(cleanupTemp);

const DIR = "test/fixtures/hdf5";

interface Expected {
  attributes: Record<string, unknown>;
  datasets: Record<
    string,
    { dtype: string; shape: number[]; attributes: Record<string, unknown>; values: number[] | string }
  >;
}

const expected = (name: string): Expected =>
  JSON.parse(readFileSync(join(DIR, name.replace(/\.h5$/, ".json")), "utf8"));

describe("HDF5 input, checked against h5py", () => {
  it("a group of 3D datasets: one field each, values, attributes, no implicit fill", async () => {
    const exp = expected("plain.h5");
    const input = await readHdf5([join(DIR, "plain.h5")]);
    const out = join(tempDir(), "plain.fvx");
    await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
    const ds = await openDataset(out, { workers: false });
    const fields3d = Object.entries(exp.datasets).filter(([, d]) => d.shape.length === 3);
    expect(ds.info.fields.map((f) => `/${f.name}`).sort()).toEqual(fields3d.map(([p]) => p).sort());
    expect(ds.info.times).toEqual([0]);
    expect(ds.info.origin).toEqual([0, 0, 0]);
    expect(ds.info.spacing).toEqual([1, 1, 1]);
    expect(ds.info.metadata.attributes).toEqual(exp.attributes);
    expect(ds.info.metadata.source).toEqual(["plain.h5"]);
    for (const [path, d] of fields3d) {
      const field = ds.info.fields.find((f) => `/${f.name}` === path)!;
      expect(field.fill, path).toBeNull();
      expect(field.attributes ?? {}, path).toEqual(d.attributes);
      expect(field.units).toBe((d.attributes.units as string) ?? "");
      const [nz, ny, nx] = d.shape;
      const got = await ds.readRegion({
        field: field.name,
        t: 0,
        box: { min: [0, 0, 0], max: [nx, ny, nz] as Vec3 },
      });
      const values = d.values as number[];
      expect(got.length).toBe(values.length);
      for (let i = 0; i < values.length; i++) expect(got[i], `${path} #${i}`).toBe(Math.fround(values[i]));
    }
  });

  it("szip-compressed datasets are read", async () => {
    const exp = expected("szip.h5").datasets["/v"];
    const input = await readHdf5([join(DIR, "szip.h5")]);
    for await (const step of input.steps) {
      const got = await (step.fields.v as SlabReader).read(0, 4, 0, 5);
      expect(Array.from(got)).toEqual((exp.values as number[]).map(Math.fround));
    }
  });

  it("an unavailable filter is one line naming the filter and h5repack", async () => {
    const msg = await inputFailure(readHdf5([join(DIR, "lzf.h5")]));
    expect(msg).toBe(
      `${join(DIR, "lzf.h5")}: dataset /v uses the lzf filter (id 32000), which is not available; rewrite it with h5repack -f GZIP=4`,
    );
  });
});
