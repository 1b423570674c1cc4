/**
 * What an input is, from its first bytes (and a directory's contents), not
 * its name: the reader to use, or one line saying what the file is and which
 * tool converts it to something flatvox reads. Unknown binary files are left
 * to the raw reader, which needs --dims and --dtype.
 */
import { open, readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { constants, gunzipSync } from "node:zlib";
import { inputError } from "./input-error";

/** "hdf5" covers HDF5, NetCDF-4 and NetCDF-3 (hdf5.ts dispatches on the same bytes). */
export type InputKind = "npy" | "npz" | "hdf5" | "vtk" | "nifti" | "zarr" | "tiff" | "raw";

export interface Detected {
  kind: InputKind;
  /** What was recognised, for messages ("NIfTI-1", "multi-page TIFF", ...). */
  what: string;
  /** Why the file is refused, with the converter to use (kind is then "raw": only explicit --dims/--dtype read it). */
  refusal?: string;
}

const HEAD_BYTES = 4096;

async function head(path: string, n = HEAD_BYTES): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const ascii = (b: Uint8Array, start: number, len: number) =>
  String.fromCharCode(...b.subarray(start, Math.min(b.length, start + len)));

const startsWith = (b: Uint8Array, sig: number[], at = 0) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

/** Mostly printable text (UTF-8 allowed), no NUL bytes. */
function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  let printable = 0;
  for (const c of b) {
    if (c === 0) return false;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
  }
  return printable / b.length > 0.98;
}

const HDF5_SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Bytes after gunzip (as much as the head holds), or undefined. */
function gunzipHead(b: Uint8Array): Uint8Array | undefined {
  try {
    return gunzipSync(b, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

function isNifti(b: Uint8Array): string | undefined {
  if (b.length >= 348) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const magic1 = ascii(b, 344, 3);
    if (
      (dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) &&
      (magic1 === "n+1" || magic1 === "ni1")
    )
      return "NIfTI-1";
    if (
      b.length >= 540 &&
      (dv.getInt32(0, true) === 540 || dv.getInt32(0, false) === 540) &&
      ascii(b, 4, 3) === "n+2"
    )
      return "NIfTI-2";
  }
  return undefined;
}

/** FreeSurfer MGH: big-endian int32 version 1, then width, height, depth, frames, type (0,1,3,4). */
function isMgh(b: Uint8Array): boolean {
  if (b.length < 28) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = [4, 8, 12, 16].map((o) => dv.getInt32(o, false));
  return (
    dv.getInt32(0, false) === 1 &&
    dims.every((d) => d > 0 && d < 1 << 20) &&
    [0, 1, 3, 4].includes(dv.getInt32(20, false))
  );
}

const refuse = (what: string, refusal: string): Detected => ({ kind: "raw", what, refusal });

/** Recognise one file's format from its first bytes. */
export function detectBytes(b: Uint8Array, name: string): Detected {
  const ext = extname(name).toLowerCase();
  const lower = name.toLowerCase();
  if (startsWith(b, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return { kind: "npy", what: "NumPy .npy" };
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) {
    if (ext === ".npz" || /\.npy/.test(ascii(b, 30, 512))) return { kind: "npz", what: "NumPy .npz" };
    if (/zarr\.json|\.zarray|\.zgroup/.test(ascii(b, 0, b.length)))
      return refuse("a zipped Zarr store", "unzip it and pack the store directory");
    return refuse("a zip archive", "unzip it and pack the files inside");
  }
  if (ext === ".mnc" || (ext === ".gz" && lower.endsWith(".mnc.gz")))
    return refuse("a MINC volume", "convert it to NIfTI with `mnc2nii in.mnc out.nii` (minc-tools)");
  for (const at of [0, 512, 1024, 2048]) {
    if (startsWith(b, HDF5_SIG, at)) return { kind: "hdf5", what: "HDF5 / NetCDF-4" };
  }
  if (startsWith(b, [0x43, 0x44, 0x46]) && (b[3] === 1 || b[3] === 2))
    return { kind: "hdf5", what: `NetCDF-3 (${b[3] === 1 ? "classic" : "64-bit offset"})` };
  if (startsWith(b, [0x43, 0x44, 0x46, 5]))
    return refuse(
      "a NetCDF-3 64-bit data (CDF-5) file",
      "convert it to NetCDF-4 with `nccopy -k nc4 in.nc out.nc`",
    );
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]))
    return { kind: "tiff", what: "TIFF" };
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b]))
    return { kind: "tiff", what: "BigTIFF" };
  if (b.length >= 132 && ascii(b, 128, 4) === "DICM")
    return refuse("a DICOM file", "convert the series to NIfTI with `dcm2niix -o outdir dicomdir`");
  const nifti = isNifti(b);
  if (nifti) return { kind: "nifti", what: nifti };
  if (startsWith(b, [0x1f, 0x8b])) {
    const inner = gunzipHead(b);
    if (inner && isNifti(inner)) return { kind: "nifti", what: `${isNifti(inner)} (gzip)` };
    if (ext === ".mgz" || (inner && isMgh(inner)))
      return refuse("a FreeSurfer MGZ volume", "convert it with `mri_convert in.mgz out.nii.gz`");
    if (inner && ascii(inner, 0, 4) === "GRIB")
      return refuse("a gzipped GRIB file", "gunzip it, then `cdo -f nc4 copy in.grib out.nc`");
    return refuse("a gzip-compressed file", "decompress it (gunzip) and pack what it holds");
  }
  if (ext === ".mgh" || ext === ".mgz" || isMgh(b))
    return refuse("a FreeSurfer MGH volume", "convert it with `mri_convert in.mgh out.nii.gz`");
  if (ascii(b, 0, 4) === "GRIB")
    return refuse("a GRIB file", "convert it with `cdo -f nc4 copy in.grib out.nc`");
  if (ascii(b, 0, 4) === "NRRD" || ext === ".nhdr")
    return refuse(
      "an NRRD volume",
      "convert it to NIfTI, e.g. `c3d in.nrrd -o out.nii.gz` (Convert3D) or with 3D Slicer",
    );
  if (ascii(b, 0, 9) === "SIMPLE  =")
    return refuse("a FITS file", "save its data array as .npy (astropy.io.fits + numpy.save)");
  const text = ascii(b, 0, 512).replace(/^\uFEFF/, "");
  if (/^# vtk DataFile Version/.test(text))
    return refuse("a legacy VTK file", "convert it to .vti with ParaView (File › Save Data) or meshio");
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<VTKFile/.test(text)) {
    const type = /<VTKFile[^>]*\btype="(\w+)"/.exec(ascii(b, 0, b.length))?.[1];
    if (!type || type === "ImageData" || type === "Collection")
      return { kind: "vtk", what: `VTK XML ${type ?? ""}`.trim() };
    return refuse(
      `a VTK XML ${type} file`,
      "resample it to ImageData (.vti) with ParaView's Resample To Image filter",
    );
  }
  if (looksLikeText(b)) {
    const csv = ext === ".csv" || /^[^\n]*[,;\t][^\n]*\n/.test(text);
    return refuse(
      csv ? "a text/CSV table" : "a plain text file",
      "flatvox reads binary grids: load it with NumPy and save a .npy (np.save('out.npy', np.loadtxt(f, delimiter=',').reshape(nz, ny, nx)))",
    );
  }
  return { kind: "raw", what: "no known format" };
}

const TIFF_EXT = /\.(tiff?|ome\.tiff?)$/i;

/** Recognise an input path or URL. */
export async function detectInput(input: string): Promise<Detected> {
  if (/^https?:\/\//i.test(input)) return { kind: "zarr", what: "remote Zarr store" };
  const st = await stat(input).catch(() => undefined);
  if (!st) throw inputError("no such file or directory", input);
  if (st.isDirectory()) {
    const names = await readdir(input).catch(() => [] as string[]);
    if (names.some((n) => n === ".zarray" || n === ".zgroup" || n === "zarr.json" || n === ".zattrs"))
      return { kind: "zarr", what: "Zarr store" };
    if (names.some((n) => TIFF_EXT.test(n))) return { kind: "tiff", what: "directory of TIFF images" };
    if (
      names.some((n) => /\.dcm$/i.test(n)) ||
      /^dicom$/i.test(input.split(/[\\/]/).filter(Boolean).pop() ?? "")
    )
      return refuse("a DICOM directory", "convert the series to NIfTI with `dcm2niix -o outdir dicomdir`");
    // A directory of files of one unsupported format (e.g. a DICOM series IM0001, IM0002, ...).
    for (const n of names.filter((x) => !x.startsWith(".")).slice(0, 3)) {
      const full = join(input, n);
      if (!(await stat(full).catch(() => undefined))?.isFile()) continue;
      const d = detectBytes(await head(full), full);
      if (d.refusal) return { ...d, what: `a directory of files like ${n}, ${d.what}` };
    }
    if (
      input
        .replace(/[\\/]+$/, "")
        .toLowerCase()
        .endsWith(".zarr")
    )
      return refuse(
        "a directory named .zarr without Zarr metadata",
        "check the path (no .zarray, .zgroup or zarr.json inside)",
      );
    throw inputError(
      "a directory that is neither a Zarr store (.zarray, .zgroup, zarr.json) nor a stack of TIFF images",
      input,
    );
  }
  const d = detectBytes(await head(input), input);
  if (d.kind === "raw" && d.refusal === undefined && /\.dcm$/i.test(input))
    return refuse("a DICOM file", "convert the series to NIfTI with `dcm2niix -o outdir dicomdir`");
  return d;
}

/** The one-line refusal for an unsupported input. */
export function refusalMessage(input: string, d: Detected): string {
  return `${input}: this is ${d.what}, which flatvox does not read; ${d.refusal}`;
}
