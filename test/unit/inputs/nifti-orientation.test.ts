/**
 * NIfTI placement against nibabel (test/fixtures/nifti/make-orientation.py):
 * oblique sform (with a qform that must lose), qform only with qfac −1, no
 * codes (nibabel's fallback), an MNI-like x flip (gzip, 4D), NIfTI-2, scl_slope on
 * int16. Each file is packed by the real packer and opened; the world
 * coordinates of its corner voxels' centres, their values, sample and pick
 * must agree with what nibabel reports.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatInspect, inspectDataset } from "../../../src/cli/inspect";
import { openDataset } from "../../../src/reader";
import { type NiftiVolume, niftiVolume, readNifti } from "../../../src/writer/inputs/nifti";
import { isSlabReader, type SlabReader } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { type Corner, expectClose, expectCorners } from "./world-oracle";

afterAll(cleanupTemp);

const FIX = "test/fixtures/nifti";

interface Expectation {
  shape: number[];
  affine: number[][];
  sform_code: number;
  qform_code: number;
  qfac: number;
  units: string[];
  slope: number;
  inter: number;
  corners: Corner[];
  values: (number | null)[][];
}

const FILES: [string, string][] = [
  ["oblique.nii", "oblique.json"],
  ["qform-flip.nii", "qform-flip.json"],
  ["nocodes.nii", "nocodes.json"],
  ["mni.nii.gz", "mni.json"],
  ["oblique2.nii", "oblique2.json"],
  ["scaled-oblique.nii.gz", "scaled-oblique.json"],
];

const expectation = (json: string): Expectation => JSON.parse(readFileSync(join(FIX, json), "utf8"));

async function packed(file: string) {
  const input = await readNifti([join(FIX, file)]);
  const out = join(tempDir(), `${file}.fvx`);
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return { input, ds: await openDataset(out, { workers: false }) };
}

describe("NIfTI world placement equals nibabel's", () => {
  it.each(FILES)("%s: corner voxel centres, values, sample and pick", async (file, json) => {
    const e = expectation(json);
    const { input, ds } = await packed(file);
    expect(ds.info.dims).toEqual(e.shape.slice(0, 3));
    expect(ds.info.transform).toHaveLength(12);
    expect(input.spec.metadata?.affine).toEqual(e.affine.map((r) => r.map((x) => +x.toPrecision(12))));
    await expectCorners(ds, e.corners);
    // Every voxel of every timestep, as nibabel's get_fdata() (NaN is no data; f32 rounds).
    const f32 = ds.info.fields[0].dtype === "f32";
    for (let t = 0; t < e.values.length; t++) {
      const got = await ds.readRegion({ field: 0, t, box: { min: [0, 0, 0], max: ds.info.dims } });
      const want = e.values[t].map((v) => (v === null ? Number.NaN : f32 ? Math.fround(v) : v));
      expect(Array.from(got)).toEqual(want);
    }
  });

  it("origin and spacing summarise the transform; spaceUnits from xyzt_units", async () => {
    for (const [file, json] of FILES) {
      const e = expectation(json);
      const { ds } = await packed(file);
      const m = ds.info.transform as number[];
      expectClose(ds.info.origin, [m[3], m[7], m[11]], `${file} origin`);
      expectClose(
        ds.info.spacing,
        [0, 1, 2].map((c) => Math.hypot(m[c], m[4 + c], m[8 + c])),
        `${file} spacing`,
      );
      expect(ds.info.spaceUnits).toBe({ mm: "mm", micron: "um", meter: "m", unknown: "" }[e.units[0]]);
    }
  });

  it("the sform wins over a qform of a higher code; qfac −1 flips k; no codes gives nibabel's centred, x-flipped grid", async () => {
    const ob = await niftiVolume(join(FIX, "oblique.nii"));
    expect(ob.affineSource).toBe("sform");
    expect(expectation("oblique.json")).toMatchObject({ sform_code: 1, qform_code: 2 });
    const q = await niftiVolume(join(FIX, "qform-flip.nii"));
    expect(q.affineSource).toBe("qform");
    expect(expectation("qform-flip.json").qfac).toBe(-1);
    const n = await niftiVolume(join(FIX, "nocodes.nii"));
    expect(n.affineSource).toBe("zooms");
    expect(n.transform[0]).toBeLessThan(0);
  });

  it("scl_slope / scl_inter: f32 physical values, the packing kept in the field's attributes, no fill", async () => {
    const e = expectation("scaled-oblique.json");
    const { input } = await packed("scaled-oblique.nii.gz");
    expect(input.spec.fields[0]).toMatchObject({
      dtype: "f32",
      attributes: { scl_slope: e.slope, scl_inter: e.inter },
    });
    expect(input.spec.fields[0].fill).toBeUndefined();
    const ob = await packed("oblique.nii");
    expect(ob.ds.info.fields[0].fill).toBeNull();
  });

  it("MNI-like grids: two files on the same grid land on the same world points", async () => {
    const e = expectation("mni.json");
    const { ds } = await packed("mni.nii.gz");
    expect(ds.info.times).toEqual([0, 2]);
    expect(ds.info.timeUnits).toBe("s");
    // Voxel (0,0,0)'s centre is at x = 90 mm and x decreases with i (LAS storage).
    expectClose(e.corners[0].world, [90, -126, -72], "nibabel");
    expect((ds.info.transform as number[])[0]).toBe(-2);
    const text = formatInspect(inspectDataset(ds, "mni.fvx"));
    expect(text).toMatch(/spacing 2, 2, 2 mm/);
    expect(text).toMatch(/transform \[-2, 0, 0, 91\]/);
  });
});

/** The SlabReaders of every timestep of a file. */
async function readers(file: string): Promise<{ vol: NiftiVolume; steps: SlabReader[] }> {
  const input = await readNifti([join(FIX, file)]);
  const steps: SlabReader[] = [];
  for await (const s of input.steps as AsyncIterable<{ fields: Record<string, unknown> }>) {
    const r = s.fields.value as SlabReader;
    expect(isSlabReader(r as never)).toBe(true);
    steps.push(r);
  }
  return { vol: await niftiVolume(join(FIX, file)), steps };
}

describe("NIfTI SlabReaders", () => {
  it.each(["mni.nii.gz", "oblique.nii"])(
    "%s: slabs in packer order, and out of order, equal nibabel's voxels",
    async (file) => {
      const e = expectation(file.replace(/\.nii(\.gz)?$/, ".json"));
      const [nx, ny, nz] = e.shape;
      const f32 = (v: number | null) => (v === null ? Number.NaN : Math.fround(v));
      const input = await readNifti([join(FIX, file)]);
      const order: [number, number, number, number][] = [
        [0, 2, 0, 2],
        [0, 2, 2, 2],
        [2, 1, 0, 4],
        [1, 2, 1, 3], // backwards: reopens the stream
        [0, nz, 0, ny],
      ];
      let t = 0;
      for await (const step of input.steps) {
        const r = step.fields.value as SlabReader;
        for (const [z0, n, y0, rows] of order) {
          const got = await r.read(z0, n, y0, rows);
          const want: number[] = [];
          for (let z = z0; z < z0 + n; z++)
            for (let y = y0; y < y0 + rows; y++)
              for (let x = 0; x < nx; x++) want.push(f32(e.values[t][x + nx * (y + ny * z)]));
          expect(Array.from(got), `t=${t} slab ${[z0, n, y0, rows]}`).toEqual(want);
        }
        await r.close?.();
        t++;
      }
      expect(t).toBe(e.values.length);
    },
  );
  it("concurrent slab reads of a .nii.gz are served in call order", async () => {
    const e = expectation("mni.json");
    const [nx, ny, nz] = e.shape;
    const { vol, steps } = await readers("mni.nii.gz");
    expect(steps).toHaveLength(vol.steps);
    const asks: [number, number, number, number, number][] = [];
    for (let t = 0; t < steps.length; t++)
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y += 2) asks.push([t, z, 1, y, Math.min(2, ny - y)]);
    const got = await Promise.all(asks.map(([t, z0, n, y0, rows]) => steps[t].read(z0, n, y0, rows)));
    asks.forEach(([t, z0, , y0, rows], i) => {
      const want: number[] = [];
      for (let y = y0; y < y0 + rows; y++)
        for (let x = 0; x < nx; x++) want.push(Math.fround(e.values[t][x + nx * (y + ny * z0)] as number));
      expect(Array.from(got[i]), `t=${t} z=${z0} y=${y0}`).toEqual(want);
    });
    for (const s of steps) await s.close?.();
  });
  it("slabs.nii.gz: a 40×36×33×2 volume packed slab by slab (16³ bricks) reads back voxel for voxel", async () => {
    const { ds } = await packed("slabs.nii.gz");
    expect(ds.info.dims).toEqual([40, 36, 33]);
    for (let t = 0; t < 2; t++) {
      const got = await ds.readRegion({ field: 0, t, box: { min: [0, 0, 0], max: [40, 36, 33] } });
      let bad = 0;
      let i = 0;
      for (let z = 0; z < 33; z++)
        for (let y = 0; y < 36; y++)
          for (let x = 0; x < 40; x++) if (got[i++] !== (x + 3 * y + 7 * z + 50 * t) % 256) bad++;
      expect(bad, `t=${t}`).toBe(0);
    }
  });
});
