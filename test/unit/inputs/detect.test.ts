/**
 * Inputs are recognised by content: supported formats go to their reader
 * whatever their name; unsupported ones get one line saying what the file is
 * and the tool that converts it; unknown binary stays raw (with --dims/--dtype).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { openInputs } from "../../../src/cli/pack";
import { detectInput } from "../../../src/writer/inputs/detect";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { inputFailure } from "./input-failure";
import { fixture } from "./oracle";

afterAll(cleanupTemp);

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(tempDir(), name);
  writeFileSync(p, bytes);
  return p;
}

/** A FreeSurfer MGH header: version 1, 4×4×4, 1 frame, type float (3), big-endian. */
function mgh(): Uint8Array {
  const b = new Uint8Array(284 + 64 * 4);
  const dv = new DataView(b.buffer);
  for (const [i, v] of [1, 4, 4, 4, 1, 3].entries()) dv.setInt32(i * 4, v, false);
  return b;
}

const dicom = () => {
  const b = new Uint8Array(300);
  b.set(new TextEncoder().encode("DICM"), 128);
  return b;
};

const refusals: [string, () => string, RegExp][] = [
  ["MINC", () => file("brain.mnc", new Uint8Array([0x43, 0x44, 0x46, 1, 0, 0, 0, 0])), /MINC.*mnc2nii/],
  [
    "MINC-2 (HDF5)",
    () => file("brain.mnc", new Uint8Array([0x89, 0x48, 0x44, 0x46, 13, 10, 26, 10])),
    /MINC.*mnc2nii/,
  ],
  ["MGZ", () => file("brain.mgz", gzipSync(mgh())), /MGZ.*mri_convert in\.mgz out\.nii\.gz/],
  ["MGZ under another name", () => file("brain.bin", gzipSync(mgh())), /MGZ.*mri_convert/],
  ["MGH", () => file("brain.mgh", mgh()), /MGH.*mri_convert/],
  [
    "legacy VTK",
    () => file("mesh.vtk", "# vtk DataFile Version 3.0\nx\nASCII\n"),
    /legacy VTK.*\.vti.*ParaView.*meshio/,
  ],
  ["DICOM", () => file("IM0001", dicom()), /DICOM.*dcm2niix/],
  ["NRRD", () => file("head.nrrd", "NRRD0004\ntype: float\ndimension: 3\n"), /NRRD.*c3d/],
  ["GRIB", () => file("era5.grib", "GRIB\u0000\u0000\u0001binary"), /GRIB.*cdo -f nc4 copy/],
  [
    "NetCDF CDF-5",
    () => file("big.nc", new Uint8Array([0x43, 0x44, 0x46, 5, 0, 0, 0, 0])),
    /CDF-5.*nccopy -k nc4/,
  ],
  ["CSV", () => file("table.csv", "x,y,z,value\n0,0,0,1.5\n1,0,0,2.5\n"), /CSV.*np\.save/],
  ["plain text", () => file("notes.dat", "temperature field from run 7\nsee readme\n"), /plain text.*\.npy/],
  [
    "VTK XML unstructured",
    () => file("m.vtu", '<?xml version="1.0"?>\n<VTKFile type="UnstructuredGrid">'),
    /UnstructuredGrid.*Resample To Image/,
  ],
  [
    "zip",
    () => file("a.zip", zipSync({ "readme.txt": new TextEncoder().encode("hi") })),
    /zip archive.*unzip/,
  ],
];

describe("input detection", () => {
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} in one line naming the converter`, async () => {
      const path = make();
      const msg = await inputFailure(openInputs([path], { out: "x.fvx" }));
      expect(msg).toMatch(message);
      expect(msg.startsWith(path)).toBe(true);
      expect(msg).not.toMatch(/\n/);
      expect(msg).not.toMatch(/--dims/);
    });
  }

  it("unknown binary: raw, and the message says nothing was recognised", async () => {
    const path = file(
      "blob.bin",
      new Uint8Array(64).map((_, i) => (i * 37) % 256 || 1),
    );
    expect((await detectInput(path)).kind).toBe("raw");
    expect(await inputFailure(openInputs([path], { out: "x.fvx" }))).toMatch(
      /not a format flatvox recognises.*--dims nx,ny,nz and --dtype/,
    );
    const input = await openInputs([path], { out: "x.fvx", dims: "4,4,4", dtype: "u8" });
    expect(input.spec.dims).toEqual([4, 4, 4]);
  });

  it("explicit --dims/--dtype reads a refused format's bytes raw (e.g. an MGH body after its header)", async () => {
    const input = await openInputs([file("brain.mgh", mgh())], {
      out: "x.fvx",
      dims: "4,4,4",
      dtype: ">f4",
      headerBytes: "284",
    });
    expect(input.spec.dims).toEqual([4, 4, 4]);
  });

  it("recognises supported formats by content, not name", async () => {
    const cases: [string, string][] = [
      [fixture("zarr", "order_c.zarr"), "zarr"],
      [fixture("zarr", "group.zarr"), "zarr"],
      [fixture("tiff", "stack_u16.tif"), "tiff"],
      [fixture("tiff", "slices_u8"), "tiff"],
      [fixture("npz", "two.npz"), "npz"],
      [fixture("nifti", "bold.nii"), "nifti"],
      [fixture("nifti", "labels.nii.gz"), "nifti"],
      [fixture("vti", "ascii.vti"), "vtk"],
      [fixture("vti", "series.pvd"), "vtk"],
      ["http://127.0.0.1:9/store.zarr", "zarr"],
      [fixture("netcdf", "ocean3.nc"), "hdf5"],
      [fixture("netcdf", "ocean.nc"), "hdf5"],
    ];
    for (const [p, kind] of cases) expect((await detectInput(p)).kind, p).toBe(kind);
    const renamed = file(
      "data.bin",
      new Uint8Array(await import("node:fs").then((fs) => fs.readFileSync(fixture("tiff", "stack_u16.tif")))),
    );
    expect((await detectInput(renamed)).kind).toBe("tiff");
    expect(await inputFailure(detectInput(join(tempDir(), "missing.nii")))).toMatch(/no such file/);
    expect(await inputFailure(detectInput(tempDir()))).toMatch(/neither a Zarr store .* nor a stack of TIFF/);
  });

  it("a directory of DICOM files without extensions is named as such", async () => {
    const dir = tempDir();
    for (const n of ["IM0001", "IM0002"]) writeFileSync(join(dir, n), dicom());
    expect(await inputFailure(openInputs([dir], { out: "x.fvx" }))).toMatch(
      /this is a directory of files like IM0001, a DICOM file, .*dcm2niix/,
    );
  });

  it("inputs of different kinds are refused together", async () => {
    expect(
      await inputFailure(
        openInputs([fixture("npz", "two.npz"), fixture("tiff", "stack_u16.tif")], { out: "x.fvx" }),
      ),
    ).toMatch(/inputs mix NumPy \.npz and TIFF/);
  });
});
