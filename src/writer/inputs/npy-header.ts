/**
 * NumPy .npy header parsing (format versions 1.0, 2.0, 3.0): magic, version,
 * header length, and the Python-literal dict {'descr', 'fortran_order', 'shape'}.
 */
import { inputError } from "./input-error";
import { parseDescr, type SourceDType } from "./source-dtype";

export interface NpyHeader {
  dtype: SourceDType;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte from the start of the .npy data. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Headers are padded to 64 bytes; anything near this is not a real header. */
export const MAX_HEADER_BYTES = 1 << 20;

/** Bytes needed to know the header length: magic, version, and the length field. */
export const NPY_PREAMBLE = 12;

/** Header length from the first 12 bytes; returns the total prefix (preamble + dict) size. */
export function npyPrefixLength(bytes: Uint8Array, file: string): number {
  if (bytes.length < 10) throw inputError(`not a .npy file: only ${bytes.length} bytes`, file, 0);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw inputError("not a .npy file: bad magic", file, i);
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return 10 + dv.getUint16(8, true);
  if (major === 2 || major === 3) {
    if (bytes.length < 12) throw inputError("truncated .npy preamble", file, bytes.length);
    const len = dv.getUint32(8, true);
    if (len > MAX_HEADER_BYTES)
      throw inputError(`.npy header length ${len} exceeds ${MAX_HEADER_BYTES}`, file, 8);
    return 12 + len;
  }
  throw inputError(`unsupported .npy format version ${major}.${bytes[7]}`, file, 6);
}

/** Parse a complete header prefix (preamble + dict). */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const dataOffset = npyPrefixLength(bytes, file);
  if (bytes.length < dataOffset)
    throw inputError(`truncated .npy header: needs ${dataOffset} bytes`, file, bytes.length);
  const start = bytes[6] === 1 ? 10 : 12;
  const text = new TextDecoder(bytes[6] === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, dataOffset));
  const dict = parseDict(text, file, start);
  const descr = dict.descr;
  if (typeof descr !== "string") {
    throw inputError("unsupported .npy dtype: structured or missing 'descr'", file, start);
  }
  const dtype = parseDescr(descr);
  if (!dtype) throw inputError(`unsupported .npy dtype '${descr}'`, file, start);
  const fortranOrder = dict.fortran_order;
  if (typeof fortranOrder !== "boolean")
    throw inputError("'fortran_order' missing or not a bool", file, start);
  const shape = dict.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number")) {
    throw inputError("'shape' missing or not a tuple of integers", file, start);
  }
  return { dtype, descr, fortranOrder, shape: shape as number[], dataOffset };
}

type PyValue = string | number | boolean | null | PyValue[];

/** A parser for the literal subset NumPy writes: dict of str → str | bool | int tuple. */
function parseDict(text: string, file: string, base: number): Record<string, PyValue> {
  let i = 0;
  const fail = (what: string): never => {
    throw inputError(`malformed .npy header: ${what} at character ${i}`, file, base + i);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) return fail("unexpected token");
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    const n = Number(m[0].replace("L", ""));
    if (!Number.isSafeInteger(n)) fail("integer out of range");
    return n;
  };
  ws();
  if (text[i] !== "{") fail("expected '{'");
  i++;
  const out: Record<string, PyValue> = {};
  for (;;) {
    ws();
    if (text[i] === "}") break;
    const key = value();
    if (typeof key !== "string") fail("dict key is not a string");
    ws();
    if (text[i] !== ":") fail("expected ':'");
    i++;
    out[key as string] = value();
    ws();
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail("expected ',' or '}'");
  }
  return out;
}
