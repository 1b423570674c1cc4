/**
 * Decode input elements (any byte order, NumPy types) into a stored dtype,
 * checking every value that could not be represented: no silent wrap-around.
 */
import { allocTyped, type DType, type TypedArray } from "../../shared/types";
import { inputError } from "./input-error";
import type { SourceDType } from "./source-dtype";

type SourceArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

const F32_MAX = 3.4028234663852886e38;
const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  u8: [0, 255],
  u16: [0, 65535],
  i16: [-32768, 32767],
  u32: [0, 4294967295],
};

/** Where the bytes came from, for error messages. */
export interface DecodeContext {
  file: string;
  /** File offset of the first byte, when stored uncompressed. */
  fileOffset?: number;
  /** Offset of the first byte in the logical data (e.g. inside a zip member). */
  dataOffset: number;
}

/** Swap bytes in place for elements of `size` bytes. */
export function byteSwap(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Typed-array views by source kind and size (u1 and b1 are the bytes themselves; f2 is read as raw halves). */
const SOURCE_VIEWS: Record<
  string,
  new (
    buffer: ArrayBufferLike,
    offset: number,
    length: number,
  ) => ArrayBufferView
> = {
  i1: Int8Array,
  u2: Uint16Array,
  f2: Uint16Array,
  i2: Int16Array,
  u4: Uint32Array,
  i4: Int32Array,
  u8: BigUint64Array,
  i8: BigInt64Array,
  f4: Float32Array,
  f8: Float64Array,
};

export function sourceView(bytes: Uint8Array, t: SourceDType): SourceArray | Uint16Array {
  let b = bytes;
  if (t.size > 1 && (!t.littleEndian || b.byteOffset % t.size !== 0)) b = b.slice();
  if (t.size > 1 && !t.littleEndian) byteSwap(b, t.size);
  const n = b.byteLength / t.size;
  const buf = b.buffer;
  const o = b.byteOffset;
  if (t.size === 1 && t.kind !== "i") return b;
  const View = SOURCE_VIEWS[`${t.kind}${t.size}`];
  if (View) return new View(buf, o, n) as SourceArray | Uint16Array;
  throw new Error(`unreachable source type ${t.kind}${t.size}`);
}

/** IEEE half → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const SAME: Record<string, DType> = { u1: "u8", u2: "u16", i2: "i16", u4: "u32", f4: "f32" };

/** Decode `bytes` (whole elements of type `src`) into a new or viewed array of `target`. */
export function decodeElements(
  bytes: Uint8Array,
  src: SourceDType,
  target: DType,
  ctx: DecodeContext,
): TypedArray {
  if (bytes.length % src.size !== 0) {
    throw inputError(
      `data length ${bytes.length} is not a multiple of the element size ${src.size}`,
      ctx.file,
      ctx.fileOffset,
    );
  }
  const view = sourceView(bytes, src);
  if (SAME[`${src.kind}${src.size}`] === target) return view as TypedArray;
  const n = view.length;
  const out = allocTyped(target, n);
  const bad = (i: number, v: number | bigint, why: string): never => {
    const where = ctx.fileOffset !== undefined ? ctx.fileOffset + i * src.size : undefined;
    throw inputError(
      `value ${String(v)} at element ${i} (data offset ${ctx.dataOffset + i * src.size}) ${why} ${target}`,
      ctx.file,
      where,
    );
  };
  const range = INT_RANGE[target];
  if (src.kind === "b") {
    for (let i = 0; i < n; i++) out[i] = view[i] ? 1 : 0;
    return out;
  }
  if (src.kind === "f" && src.size === 2) {
    const h = view as Uint16Array;
    for (let i = 0; i < n; i++) {
      const v = halfToFloat(h[i]);
      if (range && !(Number.isInteger(v) && v >= range[0] && v <= range[1])) bad(i, v, "does not fit");
      out[i] = v;
    }
    return out;
  }
  if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
    const lo = BigInt(range ? range[0] : -(2 ** 53));
    const hi = BigInt(range ? range[1] : 2 ** 53);
    for (let i = 0; i < n; i++) {
      const v = view[i];
      if (v < lo || v > hi) bad(i, v, range ? "does not fit" : "is too large to convert exactly to");
      out[i] = Number(v);
    }
    return out;
  }
  const a = view as Exclude<SourceArray, BigInt64Array | BigUint64Array>;
  if (range) {
    const [lo, hi] = range;
    const integral = src.kind !== "f";
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (!(v >= lo && v <= hi) || (!integral && !Number.isInteger(v))) bad(i, v, "does not fit");
    }
  } else if (src.kind === "f" && src.size === 8) {
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if ((v > F32_MAX || v < -F32_MAX) && Number.isFinite(v)) bad(i, v, "overflows");
    }
  }
  out.set(a);
  return out;
}
