/**
 * Writing results out: a NumPy `.npy` file (format 1.0, C order, little-endian)
 * of a voxel box, and CSV of a small box. Pure functions on bytes, used by the
 * viewer's export buttons and `flatvox extract`.
 */
import { FlatvoxError } from "./errors";
import type { DType, TypedArray, Vec3 } from "./types";

const DESCR: Record<DType, string> = { u8: "|u1", u16: "<u2", i16: "<i2", u32: "<u4", f32: "<f4" };

/**
 * `.npy` bytes of `data` with NumPy shape `shape` (C order: the last axis
 * varies fastest; a voxel box x-fastest is shape [nz, ny, nx]).
 */
export function encodeNpy(data: TypedArray, dtype: DType, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length)
    throw new FlatvoxError(
      "QueryError",
      `npy shape ${JSON.stringify(shape)} does not hold ${data.length} values`,
    );
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + length (2) + dict + "\n", padded with spaces to a multiple of 64.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = `${dict.padEnd(total - 10 - 1, " ")}\n`;
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  // Values in memory are little-endian, as everywhere in flatvox (the format's byte order).
  out.set(body, total);
  return out;
}

/** `.npy` of a voxel box read with `readRegion` (x fastest): NumPy shape [nz, ny, nx], so `a[z, y, x]`. */
export function boxNpy(data: TypedArray, dtype: DType, size: Vec3): Uint8Array {
  return encodeNpy(data, dtype, [size[2], size[1], size[0]]);
}

/** Largest box exported as CSV (one line per voxel). */
export const CSV_MAX_VOXELS = 1 << 20;

/** CSV `x,y,z,<name>` of a box (level voxel coordinates, x fastest), one voxel per line. */
export function boxCsv(data: ArrayLike<number>, min: Vec3, size: Vec3, name: string): string {
  const n = size[0] * size[1] * size[2];
  if (n !== data.length)
    throw new FlatvoxError("QueryError", `box of ${n} voxels, got ${data.length} values`);
  if (n > CSV_MAX_VOXELS)
    throw new FlatvoxError(
      "LimitError",
      `CSV export of ${n} voxels exceeds ${CSV_MAX_VOXELS}; export .npy instead`,
    );
  const lines = [`x,y,z,${csvField(name)}`];
  let i = 0;
  for (let z = 0; z < size[2]; z++)
    for (let y = 0; y < size[1]; y++)
      for (let x = 0; x < size[0]; x++) lines.push(`${min[0] + x},${min[1] + y},${min[2] + z},${data[i++]}`);
  return `${lines.join("\n")}\n`;
}

/** A CSV cell: quoted when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
