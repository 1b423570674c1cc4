/** Value types a field may have. */
export type DType = "u8" | "u16" | "i16" | "u32" | "f32";
export type FieldKind = "scalar" | "categorical";
export type TypedArray = Uint8Array | Uint16Array | Int16Array | Uint32Array | Float32Array;
export type Vec3 = [number, number, number];

/**
 * Voxel-space box, half-open: min inclusive, max exclusive, in voxels of the
 * level it is used at. Arrays are laid out x fastest: index = x + nx * (y + ny * z).
 */
export interface Box3 {
  min: Vec3;
  max: Vec3;
}

export const DTYPES: readonly DType[] = ["u8", "u16", "i16", "u32", "f32"];

export function bytesPerValue(dtype: DType): 1 | 2 | 4 {
  switch (dtype) {
    case "u8":
      return 1;
    case "u16":
    case "i16":
      return 2;
    case "u32":
    case "f32":
      return 4;
  }
}

export function allocTyped(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case "u8":
      return new Uint8Array(length);
    case "u16":
      return new Uint16Array(length);
    case "i16":
      return new Int16Array(length);
    case "u32":
      return new Uint32Array(length);
    case "f32":
      return new Float32Array(length);
  }
}

/** A typed view of `bytes` (copied if misaligned). */
export function viewTyped(dtype: DType, bytes: Uint8Array): TypedArray {
  const size = bytesPerValue(dtype);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = aligned.byteLength / size;
  switch (dtype) {
    case "u8":
      return aligned;
    case "u16":
      return new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    case "i16":
      return new Int16Array(aligned.buffer, aligned.byteOffset, n);
    case "u32":
      return new Uint32Array(aligned.buffer, aligned.byteOffset, n);
    case "f32":
      return new Float32Array(aligned.buffer, aligned.byteOffset, n);
  }
}

/** The dtype of a typed array. */
export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Uint8Array) return "u8";
  if (a instanceof Uint16Array) return "u16";
  if (a instanceof Int16Array) return "i16";
  if (a instanceof Uint32Array) return "u32";
  throw new TypeError("unsupported array type");
}

export function asBytes(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
