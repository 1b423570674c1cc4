/**
 * Element types found in input files (NumPy descr codes), how they decode, and
 * which stored dtype they become by default.
 */
import type { DType, FieldKind } from "../../shared/types";

export type SourceKind = "u" | "i" | "f" | "b";

export interface SourceDType {
  kind: SourceKind;
  /** Bytes per element. */
  size: 1 | 2 | 4 | 8;
  littleEndian: boolean;
}

const SUPPORTED: Record<SourceKind, number[]> = { u: [1, 2, 4, 8], i: [1, 2, 4, 8], f: [2, 4, 8], b: [1] };

/** Parse a NumPy descr such as "<f4", "|u1", ">i2", "=u2"; undefined when unsupported. */
export function parseDescr(descr: string): SourceDType | undefined {
  const m = /^([<>|=]?)([uifb])(\d+)$/.exec(descr);
  if (!m) return undefined;
  const kind = m[2] as SourceKind;
  const size = Number(m[3]);
  if (!SUPPORTED[kind].includes(size)) return undefined;
  // "=" means native order; NumPy writes files little-endian on every platform we target.
  const littleEndian = m[1] !== ">";
  return { kind, size: size as SourceDType["size"], littleEndian };
}

/**
 * Names accepted on the command line for raw files: flatvox dtypes and NumPy
 * codes ("f64", "float64", "<f8", "i4", ...). Endianness comes separately.
 */
export function parseTypeName(name: string, littleEndian = true): SourceDType | undefined {
  const aliases: Record<string, string> = {
    u8: "u1",
    uint8: "u1",
    i8: "i1",
    int8: "i1",
    u16: "u2",
    uint16: "u2",
    i16: "i2",
    int16: "i2",
    u32: "u4",
    uint32: "u4",
    i32: "i4",
    int32: "i4",
    u64: "u8",
    uint64: "u8",
    i64: "i8",
    int64: "i8",
    f16: "f2",
    float16: "f2",
    f32: "f4",
    float32: "f4",
    f64: "f8",
    float64: "f8",
    bool: "b1",
  };
  const code = aliases[name.toLowerCase()] ?? name;
  const parsed = parseDescr(code);
  if (!parsed) return undefined;
  // An explicit byte-order prefix wins over the separate option.
  return /^[<>]/.test(code) ? parsed : { ...parsed, littleEndian };
}

export function describeSource(t: SourceDType): string {
  return `${t.size === 1 ? "|" : t.littleEndian ? "<" : ">"}${t.kind}${t.size}`;
}

/**
 * The stored dtype when none is asked for. Lossless where a supported type
 * holds every value; otherwise a documented narrowing: f8 → f32 (rounded),
 * wide integers → u32 for categorical fields (range-checked per value) or f32
 * for scalar ones (exact below 2^24). Categorical fields from float arrays
 * become u32 (each value must be a non-negative integer).
 */
export function defaultTarget(t: SourceDType, kind: FieldKind): DType {
  switch (t.kind) {
    case "b":
      return "u8";
    case "f":
      return kind === "categorical" ? "u32" : "f32"; // labels saved as floats: integral values checked
    case "u":
      if (t.size === 1) return "u8";
      if (t.size === 2) return "u16";
      if (t.size === 4) return "u32";
      return kind === "categorical" ? "u32" : "f32";
    case "i":
      if (t.size <= 2) return "i16";
      return kind === "categorical" ? "u32" : "f32";
  }
}
