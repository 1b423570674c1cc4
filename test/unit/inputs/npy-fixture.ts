/** A small .npy writer for tests: any header version, byte order and memory order. */

export type Code = "u1" | "i1" | "u2" | "i2" | "u4" | "i4" | "f4" | "f8" | "i8" | "u8" | "f2" | "b1";

const SIZE: Record<Code, number> = {
  u1: 1,
  i1: 1,
  b1: 1,
  u2: 2,
  i2: 2,
  f2: 2,
  u4: 4,
  i4: 4,
  f4: 4,
  f8: 8,
  i8: 8,
  u8: 8,
};

/** Encode numbers as elements of `code` in the given byte order. */
export function encode(values: number[], code: Code, little = true): Uint8Array {
  const size = SIZE[code];
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    switch (code) {
      case "u1":
      case "b1":
        dv.setUint8(o, v);
        break;
      case "i1":
        dv.setInt8(o, v);
        break;
      case "u2":
        dv.setUint16(o, v, little);
        break;
      case "f2":
        dv.setUint16(o, v, little); // raw half bits
        break;
      case "i2":
        dv.setInt16(o, v, little);
        break;
      case "u4":
        dv.setUint32(o, v, little);
        break;
      case "i4":
        dv.setInt32(o, v, little);
        break;
      case "f4":
        dv.setFloat32(o, v, little);
        break;
      case "f8":
        dv.setFloat64(o, v, little);
        break;
      case "i8":
        dv.setBigInt64(o, BigInt(v), little);
        break;
      case "u8":
        dv.setBigUint64(o, BigInt(v), little);
        break;
    }
  });
  return out;
}

/** Reorder C-order values of `shape` into Fortran order. */
export function toFortran(values: number[], shape: number[]): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  const cStride: number[] = [];
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    cStride[k] = s;
    s *= shape[k];
  }
  for (let i = 0; i < n; i++) {
    // i is a C-order index: split into coordinates, then build the F-order index.
    let f = 0;
    let fs = 1;
    for (let k = 0; k < shape.length; k++) {
      const c = Math.floor(i / cStride[k]) % shape[k];
      f += c * fs;
      fs *= shape[k];
    }
    out[f] = values[i];
  }
  return out;
}

export interface NpyOptions {
  code: Code;
  shape: number[];
  /** Values in C order (logical), whatever the memory order written. */
  values: number[];
  fortran?: boolean;
  little?: boolean;
  version?: 1 | 2 | 3;
  /** Replace the header dict text entirely. */
  dict?: string;
}

export function npy(o: NpyOptions): Uint8Array {
  const little = o.little ?? true;
  const prefix = SIZE[o.code] === 1 ? "|" : little ? "<" : ">";
  const shape = o.shape.length === 1 ? `(${o.shape[0]},)` : `(${o.shape.join(", ")})`;
  const dict =
    o.dict ??
    `{'descr': '${prefix}${o.code}', 'fortran_order': ${o.fortran ? "True" : "False"}, 'shape': ${shape}, }`;
  const version = o.version ?? 1;
  const pre = version === 1 ? 10 : 12;
  let text = dict;
  const total = pre + text.length + 1;
  text += `${" ".repeat((64 - (total % 64)) % 64)}\n`;
  const header = new Uint8Array(pre + text.length);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(header.buffer);
  if (version === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  header.set(new TextEncoder().encode(text), pre);
  const data = encode(o.fortran ? toFortran(o.values, o.shape) : o.values, o.code, little);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

export function range(n: number, f: (i: number) => number = (i) => i): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}
