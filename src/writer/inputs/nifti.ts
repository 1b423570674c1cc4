/**
 * NIfTI-1 and NIfTI-2 volumes (.nii, .nii.gz) as packer input. The header is
 * parsed by nifti-reader-js; the voxels are delivered as SlabReaders (x
 * fastest, then y, z and time, as NIfTI stores them): positional reads of the
 * asked rows for .nii, a forward-only plane buffer over the inflated stream
 * for .nii.gz (it holds the z-planes of the current request: nx·ny·nz_slab
 * stored bytes, plus a 1 MiB inflate chunk).
 *
 * World placement follows nibabel's `img.affine` exactly: the sform when
 * sform_code ≠ 0, else the qform (quaternion, qfac = pixdim[0]) when
 * qform_code ≠ 0, else nibabel's fallback (zooms, x flipped, centred on the
 * grid). That affine maps voxel centres; ours maps voxel corners, so the
 * header's transform is A·translate(−½, −½, −½) (docs/INPUTS.md "NIfTI").
 * scl_slope / scl_inter are applied (f64, rounded to f32); NIfTI has no fill
 * value, so a 0 is data; NaN in float data is no data.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import * as nifti from "nifti-reader-js";
import { allocTyped, type DType, type FieldKind, type TypedArray, type Vec3 } from "../../shared/types";
import { type Affine, fromCentreAffine, placementSummary } from "../../shared/world-transform";
import type { DatasetSpec, MetadataValue, SlabReader, TimestepData } from "../pack-types";
import { type ByteStream, INFLATE_CHUNK, InflateStream, openFile, readAt } from "./byte-stream";
import { decodeElements, sourceView } from "./convert";
import { ForwardPlanes } from "./forward-planes";
import { inputError } from "./input-error";
import type { InputDataset, InputOptions } from "./series";
import { defaultTarget, describeSource, type SourceDType } from "./source-dtype";

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
const XFORM_CODES: Record<number, string> = {
  1: "scanner",
  2: "aligned",
  3: "talairach",
  4: "mni",
  5: "template",
};

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

/** Where nibabel's affine came from. */
export type AffineSource = "sform" | "qform" | "zooms";

export interface NiftiVolume {
  path: string;
  gz: boolean;
  fileSize: number;
  dims: Vec3;
  steps: number;
  dtype: SourceDType;
  /** Byte offset of the first voxel in the (inflated) file. */
  voxOffset: number;
  /** nibabel's `img.affine` (voxel centres), 4×4 row-major. */
  affine: number[][];
  affineSource: AffineSource;
  /** sform_code or qform_code of the affine used (0 for zooms). */
  affineCode: number;
  /** Our grid → world map (voxel corners), 3×4 row-major. */
  transform: Affine;
  /** Seconds (or the file's time unit) between timesteps; 0 when unknown. */
  timeStep: number;
  timeUnits: string;
  spaceUnits: string;
  slope: number;
  inter: number;
  description: string;
}

/** nibabel's quat2mat for the quaternion (w from fillpositive on b, c, d). */
function quaternionMatrix(b: number, c: number, d: number, path: string): number[][] {
  const w2 = 1 - (b * b + c * c + d * d);
  // fillpositive's tolerance for float32 header values.
  if (w2 < -3 * 2 ** -23) throw inputError(`qform quaternion (${b}, ${c}, ${d}) is not a rotation`, path);
  const w = w2 < 0 ? 0 : Math.sqrt(w2);
  const n = w * w + b * b + c * c + d * d;
  if (n < Number.EPSILON)
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  const s = 2 / n;
  const [X, Y, Z] = [b * s, c * s, d * s];
  const [wX, wY, wZ] = [w * X, w * Y, w * Z];
  const [xX, xY, xZ] = [b * X, b * Y, b * Z];
  const [yY, yZ, zZ] = [c * Y, c * Z, d * Z];
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

/** nibabel's `header.get_best_affine()` (after its load-time fixes: qfac 0 → 1, pixdim 0 → 1, negative → abs). */
export function bestAffine(
  h: nifti.NIFTI1 | nifti.NIFTI2,
  head: Uint8Array,
  path: string,
): { affine: number[][]; source: AffineSource; code: number } {
  const zooms = [1, 2, 3].map((k) => Math.abs(h.pixDims[k]) || 1);
  if (h.sform_code !== 0) {
    const two = h instanceof nifti.NIFTI2;
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const at = (r: number, c: number) =>
      two
        ? dv.getFloat64(400 + (r * 4 + c) * 8, h.littleEndian)
        : dv.getFloat32(280 + (r * 4 + c) * 4, h.littleEndian);
    const rows = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => at(r, c)));
    return { affine: [...rows, [0, 0, 0, 1]], source: "sform", code: h.sform_code };
  }
  if (h.qform_code !== 0) {
    const R = quaternionMatrix(h.quatern_b, h.quatern_c, h.quatern_d, path);
    const qfac = h.pixDims[0] === -1 ? -1 : 1;
    const vox = [zooms[0], zooms[1], zooms[2] * qfac];
    const t = [h.qoffset_x, h.qoffset_y, h.qoffset_z];
    const rows = [0, 1, 2].map((r) => [R[r][0] * vox[0], R[r][1] * vox[1], R[r][2] * vox[2], t[r]]);
    return { affine: [...rows, [0, 0, 0, 1]], source: "qform", code: h.qform_code };
  }
  // nibabel's shape_zoom_affine(shape, zooms, x_flip=True): centred on the grid.
  const z = [-zooms[0], zooms[1], zooms[2]];
  const dims = [1, 2, 3].map((k) => h.dims[k] || 1);
  const rows = [0, 1, 2].map((r) => {
    const row = [0, 0, 0, -((dims[r] - 1) / 2) * z[r]];
    row[r] = z[r];
    return row;
  });
  return { affine: [...rows, [0, 0, 0, 1]], source: "zooms", code: 0 };
}

/** One NIfTI file: its header, placement and where its voxels are. */
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
  const dims = [h.dims[1], h.dims[2], h.dims[3]] as Vec3;
  const steps = ndim === 4 ? h.dims[4] : 1;
  if (![...dims, steps].every((d) => Number.isSafeInteger(d) && d >= 1))
    throw inputError(`bad dimensions ${h.dims.slice(1, ndim + 1).join(" × ")}`, path);
  const offset = h.vox_offset;
  if (!Number.isSafeInteger(offset) || offset < 0) throw inputError(`bad vox_offset ${offset}`, path);
  // nibabel: no scaling when scl_slope is 0 or not finite; a valid slope with a non-finite intercept is an error.
  const slopeOk = Number.isFinite(h.scl_slope) && h.scl_slope !== 0;
  if (slopeOk && !Number.isFinite(h.scl_inter))
    throw inputError(`scl_slope ${h.scl_slope} with an invalid scl_inter ${h.scl_inter}`, path);
  const scaled = slopeOk && (h.scl_slope !== 1 || h.scl_inter !== 0);
  const best = bestAffine(h, head, path);
  const transform = fromCentreAffine(best.affine);
  if (!transform.every(Number.isFinite) || !(Math.abs(det(transform)) > 0))
    throw inputError(
      `the ${best.source} affine is singular or not finite: ${JSON.stringify(best.affine)}`,
      path,
    );
  return {
    path,
    gz,
    fileSize: st.size,
    dims,
    steps,
    dtype: { ...t, littleEndian: h.littleEndian },
    voxOffset: offset,
    affine: best.affine,
    affineSource: best.source,
    affineCode: best.code,
    transform,
    timeStep: ndim === 4 && h.pixDims[4] > 0 ? h.pixDims[4] : 0,
    timeUnits: TIME_UNITS[h.xyzt_units & 56] ?? "",
    spaceUnits: SPACE_UNITS[h.xyzt_units & 7] ?? "",
    slope: scaled ? h.scl_slope : 1,
    inter: scaled ? h.scl_inter : 0,
    description: (h.description ?? "").replace(/\0+$/, "").trim(),
  };
}

function det(m: Affine): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[1] * (m[4] * m[10] - m[6] * m[8]) +
    m[2] * (m[4] * m[9] - m[5] * m[8])
  );
}

/** Stored elements as numbers (a copy, native byte order). */
function elements(bytes: Uint8Array, t: SourceDType): ArrayLike<number | bigint> {
  return sourceView(bytes.slice(), t);
}

/** Rows y∈[y0,y0+ny) of planes z∈[z0,z0+nz) of timestep t, as stored bytes (x fastest). */
interface VoxelBytes {
  read(t: number, z0: number, nz: number, y0: number, ny: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

function voxelBytes(v: NiftiVolume): VoxelBytes {
  const [nx, ny, nz] = v.dims;
  const row = nx * v.dtype.size;
  const plane = row * ny;
  const bytes = plane * nz * v.steps;
  const gather = (planes: Uint8Array[], y0: number, rows: number): Uint8Array => {
    const out = new Uint8Array(planes.length * rows * row);
    for (let i = 0; i < planes.length; i++)
      out.set(planes[i].subarray(y0 * row, (y0 + rows) * row), i * rows * row);
    return out;
  };
  if (!v.gz) {
    let fh: Awaited<ReturnType<typeof openFile>> | undefined;
    return {
      async read(t, z0, n, y0, rows) {
        fh ??= await openFile(v.path);
        const out = new Uint8Array(n * rows * row);
        for (let z = 0; z < n; z++) {
          const at = v.voxOffset + (t * nz + z0 + z) * plane + y0 * row;
          out.set(await readAt(fh, v.path, at, rows * row), z * rows * row);
        }
        return out;
      },
      async close() {
        const f = fh;
        fh = undefined;
        await f?.close();
      },
    };
  }
  const planes = new ForwardPlanes(async (): Promise<ByteStream> => {
    const s = await InflateStream.open(
      v.path,
      0,
      v.fileSize,
      v.voxOffset + bytes + INFLATE_CHUNK,
      undefined,
      "gzip",
    );
    // Skip the header and extensions in bounded pieces.
    for (let left = v.voxOffset; left > 0; ) {
      const n = Math.min(left, 1 << 20);
      await s.read(n);
      left -= n;
    }
    return s;
  }, plane);
  return {
    async read(t, z0, n, y0, rows) {
      return gather(await planes.get(t * nz + z0, t * nz + z0 + n), y0, rows);
    },
    close: () => planes.close(),
  };
}

/** Stored bytes → the field's dtype: scaled in f64 and rounded to f32, or converted (checked). */
function converter(v: NiftiVolume, target: DType): (bytes: Uint8Array) => TypedArray {
  if (v.slope === 1 && v.inter === 0)
    return (bytes) => decodeElements(bytes, v.dtype, target, { file: v.path, dataOffset: 0 });
  return (bytes) => {
    const src = elements(bytes, v.dtype);
    const out = allocTyped("f32", src.length);
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]) * v.slope + v.inter;
    return out;
  };
}

function sameAffine(a: Affine, b: Affine): boolean {
  const scale = Math.max(1, ...a.map(Math.abs));
  return a.every((x, i) => Math.abs(x - b[i]) <= 1e-6 * scale);
}

/** NIfTI volumes → packer input (several files: a time series, in order). */
export async function readNifti(files: string[], opts: InputOptions = {}): Promise<InputDataset> {
  if (files.length === 0) throw new TypeError("no input files");
  const vols: NiftiVolume[] = [];
  for (const f of files) vols.push(await niftiVolume(f));
  const v = vols[0];
  for (const x of vols) {
    if (x.dims.some((d, k) => d !== v.dims[k]))
      throw inputError(`grid ${x.dims.join("×")} differs from ${v.dims.join("×")} of ${v.path}`, x.path);
    if (describeSource(x.dtype) !== describeSource(v.dtype))
      throw inputError(
        `datatype ${describeSource(x.dtype)} differs from ${describeSource(v.dtype)} of ${v.path}`,
        x.path,
      );
    if (x.slope !== v.slope || x.inter !== v.inter)
      throw inputError("the files are scaled differently (scl_slope / scl_inter)", x.path);
    if (!sameAffine(x.transform, v.transform))
      throw inputError(
        `voxel-to-world affine ${JSON.stringify(x.affine)} differs from ${JSON.stringify(v.affine)} of ${v.path}`,
        x.path,
      );
  }
  const scaled = v.slope !== 1 || v.inter !== 0;
  const kind: FieldKind = opts.kind ?? "scalar";
  if (scaled && kind === "categorical")
    throw inputError("scaled values (scl_slope / scl_inter) cannot be a categorical field", v.path);
  if (scaled && opts.dtype && opts.dtype !== "f32")
    throw inputError(`scaled values (scl_slope / scl_inter) are stored as f32, not ${opts.dtype}`, v.path);
  const target: DType = scaled ? "f32" : (opts.dtype ?? defaultTarget(v.dtype, kind));
  if (kind === "categorical" && target === "f32")
    throw inputError("a categorical field needs an integer dtype (u8, u16, i16, u32)", v.path);

  const total = vols.reduce((n, x) => n + x.steps, 0);
  const times =
    opts.times ??
    (v.timeStep > 0
      ? Array.from({ length: total }, (_, i) => i * v.timeStep)
      : Array.from({ length: total }, (_, i) => i));
  if (times.length !== total)
    throw inputError(`${times.length} time values given for ${total} timesteps`, v.path);
  for (let i = 0; i < times.length; i++)
    if (!Number.isFinite(times[i]) || (i > 0 && !(times[i] > times[i - 1])))
      throw inputError(
        `time values must be finite and strictly increasing (at index ${i}: ${times[i]})`,
        "--times",
      );

  // The user's --origin / --spacing replace the file's placement (axis-aligned, no transform).
  const userPlaced = opts.origin !== undefined || opts.spacing !== undefined;
  const summary = placementSummary(v.transform);
  const name = opts.field ?? "value";
  const round = (m: number[][]) => m.map((r) => r.map((x) => +x.toPrecision(12)));
  const spec: DatasetSpec = {
    dims: [...v.dims],
    origin: opts.origin ?? summary.origin,
    spacing: opts.spacing ?? summary.spacing,
    ...(userPlaced ? {} : { transform: v.transform }),
    ...(v.spaceUnits ? { spaceUnits: v.spaceUnits } : {}),
    fields: [
      {
        name,
        dtype: target,
        kind,
        units: opts.units,
        fill: opts.fill,
        ...(scaled ? { attributes: { scl_slope: v.slope, scl_inter: v.inter } } : {}),
      },
    ],
    times,
    timeUnits: opts.timeUnits ?? (opts.times || !(v.timeStep > 0) ? undefined : v.timeUnits || undefined),
    metadata: {
      ...(v.description ? { description: v.description } : {}),
      // nibabel's img.affine (maps voxel centres), for the record.
      affine: round(v.affine),
      affineSource:
        v.affineSource === "zooms"
          ? "zooms (sform_code and qform_code are 0)"
          : `${v.affineSource} (${XFORM_CODES[v.affineCode] ?? `code ${v.affineCode}`})`,
      ...opts.metadata,
      source: vols.slice(0, 8).map((x) => basename(x.path)),
      ...(vols.length > 8 ? { sourceCount: vols.length } : {}),
      sourceDtype: describeSource(v.dtype),
    } as Record<string, MetadataValue>,
  };
  const bytesIn = vols.reduce((n, x) => n + x.dims[0] * x.dims[1] * x.dims[2] * x.steps * x.dtype.size, 0);

  async function* generate(): AsyncGenerator<TimestepData> {
    let index = 0;
    for (const vol of vols) {
      const src = voxelBytes(vol);
      const convert = converter(vol, target);
      try {
        for (let t = 0; t < vol.steps; t++) {
          const last = t === vol.steps - 1;
          const reader: SlabReader = {
            dims: vol.dims,
            read: async (z0, nz, y0, ny) => convert(await src.read(t, z0, nz, y0, ny)),
            // The file's stream is shared by its timesteps: released after the last one.
            close: last ? () => src.close() : undefined,
          };
          yield { index: index++, fields: { [name]: reader } };
        }
      } finally {
        await src.close();
      }
    }
  }
  return { spec, steps: { [Symbol.asyncIterator]: generate }, bytesIn };
}
