/**
 * NIfTI-1 and NIfTI-2 volumes (.nii, .nii.gz) as packer input. The header is
 * parsed by nifti-reader-js; the voxels are streamed from the file (inflated
 * on the fly for .nii.gz) through the same StoredArray path as .npy files:
 * x fastest, then y, z and time. Voxel size, the time step (TR) and the
 * translation of the sform (or qform) become spacing, times and origin (a
 * rotation or flip in the affine is not applied to the grid; the affine is
 * kept in the metadata); scl_slope / scl_inter scaling is applied, so the
 * field holds real values.
 */
import { stat } from "node:fs/promises";
import * as nifti from "nifti-reader-js";
import type { TypedArray } from "../../shared/types";
import type { TimestepData, TimestepSource } from "../pack-types";
import { FileRangeStream, INFLATE_CHUNK, InflateStream, openFile } from "./byte-stream";
import { inputError } from "./input-error";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import type { SourceDType } from "./source-dtype";
import type { StoredArray } from "./stored-array";

/** NIfTI datatype codes this reader takes (complex, RGB and 128-bit types are refused). */
const TYPES: Record<number, Omit<SourceDType, "littleEndian">> = {
  2: { kind: "u", size: 1 },
  4: { kind: "i", size: 2 },
  8: { kind: "i", size: 4 },
  16: { kind: "f", size: 4 },
  64: { kind: "f", size: 8 },
  256: { kind: "i", size: 1 },
  512: { kind: "u", size: 2 },
  768: { kind: "u", size: 4 },
  1024: { kind: "i", size: 8 },
  1280: { kind: "u", size: 8 },
};

const TIME_UNITS: Record<number, string> = { 8: "s", 16: "ms", 24: "us" };
const SPACE_UNITS: Record<number, string> = { 1: "m", 2: "mm", 3: "um" };

/** Up to 540 bytes from the start (a NIfTI-2 header), inflated when the file is gzip-compressed. */
async function headBytes(path: string, gz: boolean, size: number): Promise<Uint8Array> {
  if (gz) {
    const s = await InflateStream.open(path, 0, size, 4096 + INFLATE_CHUNK, undefined, "gzip");
    try {
      return await s.read(540).catch(() => s.read(348));
    } finally {
      await s.close();
    }
  }
  const fh = await openFile(path);
  try {
    const buf = new Uint8Array(540);
    const { bytesRead } = await fh.read(buf, 0, 540, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface NiftiVolume {
  stored: StoredArray;
  spacing: [number, number, number];
  origin: [number, number, number];
  /** Seconds (or the file's time unit) between timesteps; 0 when unknown. */
  timeStep: number;
  timeUnits: string;
  spaceUnits: string;
  slope: number;
  inter: number;
  description: string;
  /** The voxel-to-world affine when sform/qform gives one (only its translation becomes the origin). */
  affine?: number[][];
}

/** One NIfTI file as a StoredArray of shape (nx, ny, nz[, nt]) in Fortran order. */
export async function niftiVolume(path: string): Promise<NiftiVolume> {
  const gz = /\.gz$/i.test(path);
  const st = await stat(path).catch((e: Error) => {
    throw inputError(`cannot open: ${e.message}`, path);
  });
  const head = await headBytes(path, gz, st.size);
  const ab = head.slice().buffer;
  if (!nifti.isNIFTI(ab)) throw inputError("not a NIfTI-1 or NIfTI-2 file (no magic 'n+1' / 'n+2')", path);
  let h: ReturnType<typeof nifti.readHeader>;
  try {
    h = nifti.readHeader(ab);
  } catch (e) {
    throw inputError(`unreadable NIfTI header (${(e as Error).message})`, path);
  }
  if (!h) throw inputError("unreadable NIfTI header", path);
  const t = TYPES[h.datatypeCode];
  if (!t) throw inputError(`NIfTI datatype ${h.datatypeCode} is not supported (complex, RGB, 128-bit)`, path);
  const ndim = h.dims[0];
  if (ndim < 3 || ndim > 4 || (ndim === 4 && h.dims[5] > 1))
    throw inputError(
      `expected a 3D or 4D volume, got ${ndim} dimensions (${h.dims.slice(1, ndim + 1).join(" × ")})`,
      path,
    );
  const shape = h.dims.slice(1, ndim + 1);
  const dtype: SourceDType = { ...t, littleEndian: h.littleEndian };
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = count * t.size;
  const offset = h.vox_offset;
  if (!Number.isSafeInteger(offset) || offset < 0) throw inputError(`bad vox_offset ${offset}`, path);
  const stored: StoredArray = {
    name: path,
    file: path,
    layout: { dtype, shape: ndim === 3 ? shape : [...shape.slice(0, 3), shape[3]], fortranOrder: true },
    dataBytes: bytes,
    dataFileOffset: gz ? undefined : offset,
    open: async () => {
      if (!gz) return FileRangeStream.open(path, offset, bytes);
      const s = await InflateStream.open(path, 0, st.size, offset + bytes + INFLATE_CHUNK, undefined, "gzip");
      // Skip the header and extensions: read them in bounded pieces.
      for (let left = offset; left > 0; ) {
        const n = Math.min(left, 1 << 20);
        await s.read(n);
        left -= n;
      }
      return s;
    },
  };
  const slope = h.scl_slope;
  const scaled =
    Number.isFinite(slope) &&
    slope !== 0 &&
    (slope !== 1 || (Number.isFinite(h.scl_inter) && h.scl_inter !== 0));
  const affine = h.affine;
  const useAffine = h.sform_code > 0 || h.qform_code > 0;
  return {
    stored,
    spacing: [Math.abs(h.pixDims[1]) || 1, Math.abs(h.pixDims[2]) || 1, Math.abs(h.pixDims[3]) || 1],
    origin: useAffine ? [affine[0][3], affine[1][3], affine[2][3]] : [0, 0, 0],
    timeStep: ndim === 4 && h.pixDims[4] > 0 ? h.pixDims[4] : 0,
    timeUnits: TIME_UNITS[h.xyzt_units & 56] ?? "",
    spaceUnits: SPACE_UNITS[h.xyzt_units & 7] ?? "",
    slope: scaled ? slope : 1,
    inter: scaled ? (Number.isFinite(h.scl_inter) ? h.scl_inter : 0) : 0,
    description: (h.description ?? "").replace(/\0+$/, "").trim(),
    affine: useAffine ? affine.map((row) => row.map((x) => +x.toPrecision(9))) : undefined,
  };
}

/** Apply scl_slope / scl_inter to every timestep (stored as f32). */
function scaleSteps(steps: TimestepSource, slope: number, inter: number): TimestepSource {
  async function* gen(): AsyncGenerator<TimestepData> {
    for await (const s of steps as AsyncIterable<TimestepData>) {
      const fields: Record<string, TypedArray> = {};
      for (const [k, a] of Object.entries(s.fields)) {
        const out = new Float32Array(a.length);
        for (let i = 0; i < a.length; i++) out[i] = a[i] * slope + inter;
        fields[k] = out;
      }
      yield { ...s, fields };
    }
  }
  return { [Symbol.asyncIterator]: gen };
}

/** NIfTI volumes → packer input (several files: a time series, in order). */
export async function readNifti(files: string[], opts: InputOptions = {}): Promise<InputDataset> {
  const vols = [];
  for (const f of files) vols.push(await niftiVolume(f));
  const v = vols[0];
  if (vols.some((x) => x.slope !== v.slope || x.inter !== v.inter))
    throw inputError("the files are scaled differently (scl_slope / scl_inter)", files.join(", "));
  const scaled = v.slope !== 1 || v.inter !== 0;
  if (scaled && opts.kind === "categorical")
    throw inputError("scaled values (scl_slope / scl_inter) cannot be a categorical field", files[0]);
  if (scaled && opts.dtype && opts.dtype !== "f32")
    throw inputError(`scaled values (scl_slope / scl_inter) are stored as f32, not ${opts.dtype}`, files[0]);
  const steps = vols.reduce((n, x) => n + (x.stored.layout.shape[3] ?? 1), 0);
  const times =
    opts.times ?? (v.timeStep > 0 ? Array.from({ length: steps }, (_, i) => i * v.timeStep) : undefined);
  const input = assembleSeries(
    vols.map((x) => x.stored),
    {
      ...opts,
      axes: "xyz",
      // Scaled data is read in its stored type and becomes f32 after scaling.
      dtype: scaled ? undefined : opts.dtype,
      times,
      timeUnits: opts.timeUnits ?? (opts.times ? undefined : v.timeUnits),
      origin: opts.origin ?? v.origin,
      spacing: opts.spacing ?? v.spacing,
      metadata: {
        ...(v.description ? { description: v.description } : {}),
        ...(v.spaceUnits ? { spaceUnits: v.spaceUnits } : {}),
        ...(scaled ? { scaling: { slope: v.slope, inter: v.inter } } : {}),
        // Rotations and flips are not applied to the grid: the full affine is kept for the record.
        ...(v.affine ? { affine: v.affine } : {}),
        ...opts.metadata,
      },
    },
  );
  if (!scaled) return input;
  const field = input.spec.fields[0];
  return {
    ...input,
    spec: { ...input.spec, fields: [{ ...field, dtype: "f32" }] },
    steps: scaleSteps(input.steps, v.slope, v.inter),
  };
}
