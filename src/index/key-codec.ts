/**
 * Typed keys for the attribute B+trees, encoded so that byte order equals
 * value order: big-endian unsigned (u32), sign-flipped (i64, datetime), and
 * the IEEE total-order transform for floats (negative values have all bits
 * inverted, positive ones the sign bit set). -0 is stored as +0 and every NaN
 * as one canonical NaN, which sorts above +Infinity; range bounds stop at
 * ±Infinity so NaN is never matched by > < >= <= (nor =), only by !=.
 * Strings are UTF-8, compared bytewise; nodes hold a fixed-width prefix plus
 * the full length, and leaves point to the full bytes when longer.
 */
import { FlatvoxError } from "../shared/errors";
import { utf8 } from "./bytes";
import type { PropValue } from "./feature-types";

export type KeyType = "u32" | "i64" | "f32" | "f64" | "string" | "datetime";
export const KEY_TYPES: readonly KeyType[] = ["u32", "i64", "f32", "f64", "string", "datetime"];
export type Op = "=" | "!=" | ">" | "<" | ">=" | "<=";
export const OPS: readonly Op[] = ["=", "!=", ">", "<", ">=", "<="];

/** A key: `fixed` is the order-preserving fixed-width part; strings also carry full bytes. */
export interface Key {
  fixed: Uint8Array;
  /** Strings only: full UTF-8 bytes. */
  full?: Uint8Array;
}

export function keyWidth(type: KeyType, stringWidth: number): number {
  switch (type) {
    case "u32":
    case "f32":
      return 4;
    case "i64":
    case "f64":
    case "datetime":
      return 8;
    case "string":
      return stringWidth;
  }
}

const f64buf = new DataView(new ArrayBuffer(8));

/** Canonical form of a value stored under an index of `type` (what records store too). */
export function normalizeValue(type: KeyType, v: PropValue, where: string): PropValue {
  if (v === null || v === undefined) return null;
  const fail = () =>
    new FlatvoxError("InputError", `value ${String(v)} does not fit index type ${type}`, { section: where });
  switch (type) {
    case "u32":
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw fail();
      return v;
    case "i64":
      if (typeof v === "bigint") {
        if (v < -(2n ** 63n) || v >= 2n ** 63n) throw fail();
        return v;
      }
      if (typeof v !== "number" || !Number.isSafeInteger(v)) throw fail();
      return BigInt(v);
    case "datetime": {
      const ms = toMillis(v);
      if (ms === undefined || !Number.isSafeInteger(ms)) throw fail();
      return ms;
    }
    case "f32":
      if (typeof v !== "number") throw fail();
      return canonicalFloat(Math.fround(v));
    case "f64":
      if (typeof v !== "number") throw fail();
      return canonicalFloat(v);
    case "string":
      if (typeof v !== "string") throw fail();
      return v;
  }
}

function canonicalFloat(v: number): number {
  if (Number.isNaN(v)) return Number.NaN;
  return v === 0 ? 0 : v;
}

/** Date, ISO string or epoch ms → epoch ms. */
export function toMillis(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Encode a normalized value as a key. */
export function encodeKey(type: KeyType, v: PropValue, stringWidth: number): Key {
  const w = keyWidth(type, stringWidth);
  const fixed = new Uint8Array(w);
  const dv = new DataView(fixed.buffer);
  switch (type) {
    case "u32":
      dv.setUint32(0, v as number, false);
      break;
    case "i64":
    case "datetime": {
      const b = typeof v === "bigint" ? v : BigInt(v as number);
      dv.setBigUint64(0, BigInt.asUintN(64, b) ^ 0x8000000000000000n, false);
      break;
    }
    case "f32": {
      const x = canonicalFloat(v as number);
      dv.setFloat32(0, x, false);
      let bits = dv.getUint32(0, false);
      bits = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
      dv.setUint32(0, bits, false);
      break;
    }
    case "f64": {
      const x = canonicalFloat(v as number);
      f64buf.setFloat64(0, x, false);
      let hi = f64buf.getUint32(0, false);
      let lo = f64buf.getUint32(4, false);
      if (hi & 0x80000000) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      } else hi = (hi | 0x80000000) >>> 0;
      dv.setUint32(0, hi, false);
      dv.setUint32(4, lo, false);
      break;
    }
    case "string": {
      const full = utf8(v as string);
      fixed.set(full.subarray(0, w));
      return { fixed, full };
    }
  }
  return { fixed };
}

/** Bytewise comparison of equal-width arrays (or prefixes). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Compare a stored key (fixed prefix, full length, optional full bytes) with a
 * query key. Returns -1/0/1, or undefined when both strings are longer than
 * the prefix, their prefixes are equal and the stored full bytes are unknown.
 */
export function compareStored(
  type: KeyType,
  fixed: Uint8Array,
  len: number,
  full: Uint8Array | undefined,
  q: Key,
): number | undefined {
  if (type !== "string") return compareBytes(fixed, q.fixed);
  const qf = q.full as Uint8Array;
  const w = fixed.length;
  if (full) return compareBytes(full, qf);
  const n = Math.min(len, qf.length, w);
  for (let i = 0; i < n; i++) if (fixed[i] !== qf[i]) return fixed[i] < qf[i] ? -1 : 1;
  if (len <= w || qf.length <= w) {
    // One side is fully known: the shorter is a prefix of the longer.
    return len === qf.length ? 0 : len < qf.length ? -1 : 1;
  }
  return undefined;
}

/** A key interval; missing bounds are open-ended. */
export interface KeyRange {
  lo?: Key;
  loInc: boolean;
  hi?: Key;
  hiInc: boolean;
}

/**
 * The key ranges matching `op value` under an index of `type` (empty array:
 * nothing can match). Values that the type cannot hold exactly (2.5 for u32,
 * 0.1 for f32) are handled by moving the bound to the next representable key.
 */
export function conditionRanges(type: KeyType, op: Op, value: unknown, stringWidth: number): KeyRange[] {
  const enc = (v: PropValue) => encodeKey(type, v, stringWidth);
  if (type === "string") {
    if (typeof value !== "string") throw queryTypeError(type, value);
    const k = enc(value);
    return rangesFor(op, k, undefined, undefined);
  }
  if (type === "i64" || type === "datetime") {
    const q = type === "datetime" ? toMillis(value) : value;
    if (typeof q === "bigint") return bigintRanges(op, q, q, enc);
    if (typeof q !== "number") throw queryTypeError(type, value);
    if (Number.isNaN(q)) return op === "!=" ? [{ loInc: true, hiInc: true }] : [];
    if (!Number.isFinite(q)) return outOfDomain(op, q > 0);
    // Floats beyond 2^53 are integers, so BigInt() of floor(q) is exact.
    const fl = BigInt(Math.floor(q));
    if (Number.isInteger(q)) return bigintRanges(op, fl, fl, enc);
    // Non-integer q: no key equals it; > and >= start above floor(q), < and <= end at floor(q).
    return bigintRanges(op, fl, fl + 1n, enc, true);
  }
  const num = typeof value === "number" ? value : undefined;
  if (num === undefined) throw queryTypeError(type, value);
  if (Number.isNaN(num)) return op === "!=" ? [{ loInc: true, hiInc: true }] : [];
  const toKey = (x: number) => enc(x);
  if (type === "f32" || type === "f64") {
    const f = type === "f32" ? Math.fround(num) : num;
    const exact = f === num;
    const k = toKey(f === 0 ? 0 : f);
    // Upper bounds stop at +Infinity and lower at -Infinity so NaN (above +Infinity) is never included.
    const loKey = toKey(Number.NEGATIVE_INFINITY);
    const hiKey = toKey(Number.POSITIVE_INFINITY);
    switch (op) {
      case "=":
        return exact ? [{ lo: k, loInc: true, hi: k, hiInc: true }] : [];
      case "!=":
        return exact
          ? [
              { hi: k, hiInc: false, loInc: true },
              { lo: k, loInc: false, hiInc: true },
            ]
          : [{ loInc: true, hiInc: true }];
      case ">":
        return [{ lo: k, loInc: f > num, hi: hiKey, hiInc: true }];
      case ">=":
        return [{ lo: k, loInc: f >= num, hi: hiKey, hiInc: true }];
      case "<":
        return [{ lo: loKey, loInc: true, hi: k, hiInc: f < num }];
      case "<=":
        return [{ lo: loKey, loInc: true, hi: k, hiInc: f <= num }];
    }
  }
  // u32: turn the real-valued bound into an inclusive integer bound within [0, 2^32 - 1].
  const MAXU = 0xffffffff;
  if (op === "=" || op === "!=") {
    if (!Number.isInteger(num) || num < 0 || num > MAXU)
      return op === "=" ? [] : [{ loInc: true, hiInc: true }];
    return rangesFor(op, toKey(num), undefined, undefined);
  }
  let a = 0;
  let b = MAXU;
  if (op === ">") a = Math.floor(num) + 1;
  else if (op === ">=") a = Math.ceil(num);
  else if (op === "<") b = Math.ceil(num) - 1;
  else b = Math.floor(num);
  a = Math.max(a, 0);
  b = Math.min(b, MAXU);
  if (!(a <= b)) return [];
  return [{ lo: toKey(a), loInc: true, hi: toKey(b), hiInc: true }];
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/**
 * Ranges over i64 keys. `below`/`above` are the nearest integers at or
 * below/above the query value; `fractional` marks a non-integer query value.
 */
function bigintRanges(
  op: Op,
  below: bigint,
  above: bigint,
  enc: (v: PropValue) => Key,
  fractional = false,
): KeyRange[] {
  let a = I64_MIN;
  let b = I64_MAX;
  switch (op) {
    case "=":
      if (fractional || below < I64_MIN || below > I64_MAX) return [];
      return [{ lo: enc(below), loInc: true, hi: enc(below), hiInc: true }];
    case "!=":
      if (fractional || below < I64_MIN || below > I64_MAX) return [{ loInc: true, hiInc: true }];
      return rangesFor(op, enc(below), undefined, undefined);
    case ">":
      a = fractional ? above : below + 1n;
      break;
    case ">=":
      a = above;
      break;
    case "<":
      b = fractional ? below : above - 1n;
      break;
    case "<=":
      b = below;
      break;
  }
  if (a < I64_MIN) a = I64_MIN;
  if (b > I64_MAX) b = I64_MAX;
  if (a > b) return [];
  return [{ lo: enc(a), loInc: true, hi: enc(b), hiInc: true }];
}

function outOfDomain(op: Op, above: boolean): KeyRange[] {
  const all = [{ loInc: true, hiInc: true }];
  switch (op) {
    case "=":
      return [];
    case "!=":
      return all;
    case ">":
    case ">=":
      return above ? [] : all;
    case "<":
    case "<=":
      return above ? all : [];
  }
}

function rangesFor(op: Op, k: Key, lo: Key | undefined, hi: Key | undefined): KeyRange[] {
  switch (op) {
    case "=":
      return [{ lo: k, loInc: true, hi: k, hiInc: true }];
    case "!=":
      return [
        { lo, loInc: true, hi: k, hiInc: false },
        { lo: k, loInc: false, hi, hiInc: true },
      ];
    case ">":
      return [{ lo: k, loInc: false, hi, hiInc: true }];
    case ">=":
      return [{ lo: k, loInc: true, hi, hiInc: true }];
    case "<":
      return [{ lo, loInc: true, hi: k, hiInc: false }];
    case "<=":
      return [{ lo, loInc: true, hi: k, hiInc: true }];
  }
}

function queryTypeError(type: KeyType, value: unknown): FlatvoxError {
  return new FlatvoxError("QueryError", `value ${String(value)} cannot be compared with a ${type} index`);
}

/** Bytes hashed into the bloom filter (Parquet plain encoding of the normalized value). */
export function bloomBytes(type: KeyType, v: PropValue): Uint8Array {
  switch (type) {
    case "string":
      return utf8(v as string);
    case "u32": {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v as number, true);
      return b;
    }
    case "f32": {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, v as number, true);
      return b;
    }
    case "f64": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v as number, true);
      return b;
    }
    case "i64":
    case "datetime": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, typeof v === "bigint" ? v : BigInt(v as number), true);
      return b;
    }
  }
}

/**
 * Exact predicate on a (normalized) record value, with the index's semantics:
 * null/missing never matches; NaN only matches !=; strings compare as UTF-8 bytes.
 */
export function matchValue(type: KeyType, stored: PropValue | undefined, op: Op, value: unknown): boolean {
  if (stored === null || stored === undefined) return false;
  let c: number;
  if (type === "string") {
    if (typeof stored !== "string" || typeof value !== "string") return false;
    c = compareBytes(utf8(stored), utf8(value));
  } else if (type === "i64") {
    const s = BigInt(stored as bigint);
    if (typeof value === "bigint") c = s < value ? -1 : s > value ? 1 : 0;
    else if (typeof value === "number") {
      if (Number.isNaN(value)) return op === "!=";
      if (!Number.isFinite(value)) c = value > 0 ? -1 : 1;
      else {
        const fl = BigInt(Math.floor(value));
        c = s < fl ? -1 : s > fl ? 1 : Number.isInteger(value) ? 0 : -1;
      }
    } else return false;
  } else {
    const s = stored as number;
    const q = type === "datetime" ? toMillis(value) : (value as number);
    if (typeof q !== "number") return false;
    if (Number.isNaN(s) || Number.isNaN(q)) return op === "!=";
    c = s < q ? -1 : s > q ? 1 : 0;
  }
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c > 0;
    case "<":
      return c < 0;
    case ">=":
      return c >= 0;
    case "<=":
      return c <= 0;
  }
}
