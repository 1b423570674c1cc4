/**
 * CF conventions shared by the NetCDF-3 and HDF5 / NetCDF-4 readers: values
 * unpacked and masked as netCDF4-python does with its defaults (scale_factor /
 * add_offset, _FillValue, missing_value, valid_min / valid_max / valid_range,
 * netCDF default fills, _Unsigned), the time coordinate, uniform coordinate
 * variables → origin / spacing, and attributes without library internals.
 * docs/INPUTS.md "NetCDF and HDF5" states the rules.
 */
import type { DType, FieldKind, TypedArray } from "../../shared/types";
import { allocTyped } from "../../shared/types";
import type { MetadataValue } from "../pack-types";
import { inputError } from "./input-error";
import { defaultTarget, type SourceDType } from "./source-dtype";

/** Attributes of a library's own machinery, never user metadata. */
const INTERNAL = new Set([
  "DIMENSION_LIST",
  "REFERENCE_LIST",
  "CLASS",
  "NAME",
  "_Netcdf4Coordinates",
  "_Netcdf4Dimid",
  "_nc3_strict",
  "_NCProperties",
  "_SuperblockVersion",
  "_IsNetcdf4",
  "_Format",
]);

/** NetCDF default fill values (netcdf.h NC_FILL_*), by NumPy type code. */
export const NC_DEFAULT_FILL: Record<string, number> = {
  i1: -127,
  u1: 255,
  i2: -32767,
  u2: 65535,
  i4: -2147483647,
  u4: 4294967295,
  // 64-bit values are compared as doubles (nearest double; 64-bit integers become f32 fields anyway).
  i8: Number(-9223372036854775806n),
  u8: Number(18446744073709551614n),
  f4: Math.fround(9.969209968386869e36),
  f8: 9.969209968386869e36,
};

/** Raw values of a hyperslab as the library returns them. */
export type RawArray = ArrayLike<number> | BigInt64Array | BigUint64Array;

const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  u8: [0, 255],
  u16: [0, 65535],
  i16: [-32768, 32767],
  u32: [0, 4294967295],
};

function plain(v: unknown): MetadataValue | undefined {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "string" || typeof v === "boolean" || v === null) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return plain(Array.from(v as unknown as ArrayLike<number>));
  if (Array.isArray(v)) {
    const out = v.map(plain);
    if (out.some((x) => x === undefined)) return undefined;
    return out.length === 1 ? (out[0] as MetadataValue) : (out as MetadataValue[]);
  }
  return undefined; // references, compounds: not user metadata
}

/** Attributes as metadata: library internals removed, 1-element arrays as scalars, non-finite numbers as strings. */
export function userAttributes(attrs: Record<string, unknown>): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (INTERNAL.has(k)) continue;
    const p = plain(v);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

/** A numeric attribute as a list of numbers (undefined when absent or not numeric). */
export function attrNumbers(v: unknown): number[] | undefined {
  if (typeof v === "number") return [v];
  if (typeof v === "bigint") return [Number(v)];
  const list = ArrayBuffer.isView(v)
    ? Array.from(v as unknown as ArrayLike<number>)
    : Array.isArray(v)
      ? v
      : undefined;
  if (!list || list.length === 0) return undefined;
  const out = list.map((x) => (typeof x === "bigint" ? Number(x) : x));
  return out.every((x) => typeof x === "number") ? (out as number[]) : undefined;
}

export function attrString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "string") return v[0];
  return undefined;
}

const code = (t: SourceDType) => `${t.kind === "b" ? "u" : t.kind}${t.size}`;

/**
 * An attribute value as the variable's type, or undefined when it does not
 * survive the cast (netCDF4-python then ignores the attribute).
 */
function castTo(t: SourceDType, x: number): number | undefined {
  if (Number.isNaN(x)) return t.kind === "f" ? x : undefined;
  let c: number;
  if (t.kind === "f") c = t.size === 4 ? Math.fround(x) : x;
  else {
    c = Math.trunc(x);
    const bits = 8 * t.size;
    const lo = t.kind === "i" ? -(2 ** (bits - 1)) : 0;
    const hi = t.kind === "i" ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    if (c < lo || c > hi) return undefined;
  }
  return Math.abs(x - c) <= 1e-8 + 1e-5 * Math.abs(c) || x === c ? c : undefined;
}

function castAll(t: SourceDType, xs: number[] | undefined): number[] | undefined {
  if (!xs) return undefined;
  const out = xs.map((x) => castTo(t, x));
  return out.some((x) => x === undefined) ? undefined : (out as number[]);
}

/** How one variable's raw values become field values. */
export interface CfDecoding {
  dtype: DType;
  /** The field's no-data value: NaN for f32, the fill for integers; undefined when nothing is ever no data. */
  fill?: number;
  units?: string;
  description?: string;
  attributes: Record<string, MetadataValue>;
  /** Raw values (C order) → field values. `where` names the slab for errors. */
  decode(raw: RawArray, where: string): TypedArray;
  /** Raw values → physical values at full precision (coordinates), no data as NaN. */
  decodeNumbers(raw: RawArray): number[];
}

export interface CfDecodingOptions {
  /** Display name for errors ("file:variable"). */
  name: string;
  type: SourceDType;
  attrs: Record<string, unknown>;
  /** NetCDF semantics: values equal to the type's default fill are no data when there is no _FillValue. */
  netcdf: boolean;
  kind: FieldKind;
  /** Requested dtype (--store); default: f32 when unpacked or float, else the integer type's. */
  dtype?: DType;
  /** Names of the attributes stored as 32-bit floats (they decide the unpacking arithmetic). */
  f32Attributes?: ReadonlySet<string>;
}

export function cfDecoding(o: CfDecodingOptions): CfDecoding {
  const a = o.attrs;
  let t = o.type;
  // _Unsigned = "true" on a signed integer type: the bytes are unsigned (netCDF4-python, NetCDF-3 ubyte idiom).
  const unsignedAttr = attrString(a._Unsigned);
  const unsigned = (unsignedAttr === "true" || unsignedAttr === "True") && t.kind === "i";
  const declared = t;
  if (unsigned) t = { ...t, kind: "u" };
  const toUnsigned = (x: number) => (unsigned && x < 0 ? x + 2 ** (8 * t.size) : x);

  const scale = attrNumbers(a.scale_factor)?.[0];
  const offset = attrNumbers(a.add_offset)?.[0];
  const scaled = scale !== undefined || offset !== undefined;
  // Unpacking arithmetic as NumPy does it in netCDF4-python: in f32 for f32 data, and for
  // 8/16-bit integers when the first attribute applied (scale_factor, else add_offset) is
  // an f32; in f64 otherwise. The result is then rounded to f32 either way.
  const first = scale !== undefined ? "scale_factor" : "add_offset";
  const f32Math =
    scaled &&
    ((t.kind === "f" && t.size === 4) ||
      (t.kind !== "f" && t.size <= 2 && (o.f32Attributes?.has(first) ?? false)));
  const S = scale === undefined ? undefined : f32Math ? Math.fround(scale) : scale;
  const O = offset === undefined ? undefined : f32Math ? Math.fround(offset) : offset;
  const fillValue = castAll(declared, attrNumbers(a._FillValue))?.[0];
  const fill = fillValue === undefined ? undefined : toUnsigned(fillValue);
  const missing = castAll(declared, attrNumbers(a.missing_value))?.map(toUnsigned) ?? [];
  const range = castAll(declared, attrNumbers(a.valid_range));
  let vmin: number | undefined;
  let vmax: number | undefined;
  if (range && range.length === 2) [vmin, vmax] = range.map(toUnsigned);
  else {
    vmin = castAll(declared, attrNumbers(a.valid_min))?.[0];
    vmax = castAll(declared, attrNumbers(a.valid_max))?.[0];
    if (vmin !== undefined) vmin = toUnsigned(vmin);
    if (vmax !== undefined) vmax = toUnsigned(vmax);
  }
  // The netCDF default fill of the declared type (compared with the unsigned view, as netCDF4-python does).
  const defaultFill = o.netcdf && fillValue === undefined ? NC_DEFAULT_FILL[code(declared)] : undefined;
  const hasRules =
    fill !== undefined ||
    missing.length > 0 ||
    vmin !== undefined ||
    vmax !== undefined ||
    defaultFill !== undefined;

  const dtype: DType = o.dtype ?? (scaled || t.kind === "f" ? "f32" : defaultTarget(t, o.kind));
  let outFill: number | undefined;
  if (dtype === "f32") outFill = hasRules ? Number.NaN : undefined;
  else if (hasRules) {
    if (scaled)
      throw inputError(
        `is packed (scale_factor/add_offset) and unpacks to real numbers; it cannot be stored as ${dtype}`,
        o.name,
      );
    outFill = fill ?? (defaultFill !== undefined ? toUnsigned(defaultFill) : NC_DEFAULT_FILL[code(t)]);
    const r = INT_RANGE[dtype]!;
    if (!(outFill >= r[0] && outFill <= r[1]))
      throw inputError(
        `its no-data value ${outFill} does not fit ${dtype}; store it as f32 (--store f32)`,
        o.name,
      );
  }

  const attributes = userAttributes(a);
  const units = attrString(a.units);
  const description = attrString(a.long_name) ?? attrString(a.description);
  const isMissing = (v: number) => {
    for (const m of missing) if (v === m || (Number.isNaN(m) && Number.isNaN(v))) return true;
    return false;
  };
  const nanFill = fill !== undefined && Number.isNaN(fill);
  const fround = Math.fround;

  /** Physical value of raw element v (after the unsigned view), or undefined when it is no data. */
  function physical(v: number): number | undefined {
    const masked =
      hasRules &&
      ((fill !== undefined && (v === fill || (nanFill && Number.isNaN(v)))) ||
        (missing.length > 0 && isMissing(v)) ||
        v === defaultFill ||
        (vmin !== undefined && v < vmin) ||
        (vmax !== undefined && v > vmax));
    if (masked) return undefined;
    let x = v;
    if (S !== undefined) x = f32Math ? fround(x * S) : x * S;
    if (O !== undefined) x = f32Math ? fround(x + O) : x + O;
    return x;
  }

  function decodeNumbers(raw: RawArray): number[] {
    const big = typeof raw[0] === "bigint";
    return Array.from({ length: raw.length }, (_, i) => {
      let v = big ? Number((raw as BigInt64Array)[i]) : (raw as ArrayLike<number>)[i];
      if (unsigned && v < 0) v += 2 ** (8 * t.size);
      return physical(v) ?? Number.NaN;
    });
  }

  const SAME: Partial<Record<DType, new (n: number) => TypedArray>> = {
    u8: Uint8Array,
    u16: Uint16Array,
    i16: Int16Array,
    u32: Uint32Array,
    f32: Float32Array,
  };
  const passThrough = !hasRules && !scaled && !unsigned;

  function decode(raw: RawArray, where: string): TypedArray {
    // Nothing to decode and already the stored type: the library's fresh array as it is.
    const same = SAME[dtype];
    if (passThrough && same && raw instanceof same) return raw as TypedArray;
    const n = raw.length;
    const out = allocTyped(dtype, n);
    const big = typeof raw[0] === "bigint";
    const range = INT_RANGE[dtype];
    for (let i = 0; i < n; i++) {
      let v = big ? Number((raw as BigInt64Array)[i]) : (raw as ArrayLike<number>)[i];
      if (unsigned && v < 0) v += 2 ** (8 * t.size);
      const x = physical(v);
      if (x === undefined) {
        out[i] = outFill!;
      } else if (range) {
        if (!(Number.isInteger(x) && x >= range[0] && x <= range[1]))
          throw inputError(`value ${x} at element ${i} of ${where} does not fit ${dtype}`, o.name);
        out[i] = x;
      } else {
        const f = fround(x);
        if (!Number.isFinite(f) && Number.isFinite(x))
          throw inputError(`value ${x} at element ${i} of ${where} overflows f32`, o.name);
        out[i] = f;
      }
    }
    return out;
  }

  if (scaled) {
    attributes.packing = {
      type: `${declared.kind}${declared.size * 8}`,
      ...(scale !== undefined ? { scale_factor: scale } : {}),
      ...(offset !== undefined ? { add_offset: offset } : {}),
    };
  }
  return {
    dtype,
    ...(outFill !== undefined ? { fill: outFill } : {}),
    ...(units !== undefined ? { units } : {}),
    ...(description !== undefined ? { description } : {}),
    attributes,
    decode,
    decodeNumbers,
  };
}

/** Whether a coordinate variable's attributes mark it as time. */
export function isTimeCoordinate(attrs: Record<string, unknown>): boolean {
  const units = attrString(attrs.units) ?? "";
  return (
    /^\s*\w+\s+since\s+/i.test(units) ||
    attrString(attrs.axis)?.toUpperCase() === "T" ||
    attrString(attrs.standard_name) === "time"
  );
}

export interface CfTime {
  times: number[];
  timeUnits?: string;
  timeCalendar?: string;
}

/** The time coordinate's values (already decoded, NaN = masked) and units / calendar. */
export function cfTime(values: number[], attrs: Record<string, unknown>, name: string): CfTime {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw inputError(`time value ${i} is missing (fill or invalid)`, name);
    if (i > 0 && !(values[i] > values[i - 1]))
      throw inputError(
        `time values must be strictly increasing (${values[i]} after ${values[i - 1]} at index ${i})`,
        name,
      );
  }
  const units = attrString(attrs.units);
  const out: CfTime = { times: values };
  if (units !== undefined) out.timeUnits = units;
  if (units !== undefined && /^\s*\w+\s+since\s+/i.test(units))
    out.timeCalendar = attrString(attrs.calendar) ?? "standard";
  return out;
}

export interface CfAxis {
  origin: number;
  spacing: number;
  units?: string;
  /** Set when the axis is an index grid although the file has coordinates. */
  note?: string;
  /** The coordinate values, kept when the grid is indexed. */
  values?: number[];
  /** The coordinate descends in the file: the axis is read in reverse so that it ascends. */
  flipped?: boolean;
}

/** Largest relative deviation of a step from the mean step that still counts as uniform. */
export const UNIFORM_TOLERANCE = 1e-5;

/**
 * A spatial axis from its 1D coordinate variable (undefined: no coordinate →
 * index grid). Uniform ascending values give origin = first centre − step/2
 * and spacing = step; uniform descending values the same after reversing the
 * axis (flipped); anything else is refused, unless indexGrid.
 */
export function cfAxis(
  axis: "x" | "y" | "z",
  dim: string,
  coord: { values: number[]; attrs: Record<string, unknown>; f32: boolean } | undefined,
  file: string,
  indexGrid = false,
): CfAxis {
  if (!coord) return { origin: 0, spacing: 1 };
  const { values } = coord;
  const units = attrString(coord.attrs.units);
  const withUnits = (a: CfAxis): CfAxis => (units !== undefined ? { ...a, units } : a);
  const n = values.length;
  if (values.some((v) => !Number.isFinite(v)))
    throw inputError(`coordinate ${dim} (the ${axis} axis) has missing values`, file);
  if (n === 1) return withUnits({ origin: values[0] - 0.5, spacing: 1 });
  const step = (values[n - 1] - values[0]) / (n - 1);
  const maxAbs = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const tol = UNIFORM_TOLERANCE * Math.abs(step) + maxAbs * (coord.f32 ? 2 ** -22 : 2 ** -50);
  let worst = 0;
  for (let i = 1; i < n; i++) worst = Math.max(worst, Math.abs(values[i] - values[i - 1] - step));
  const index = (why: string): CfAxis => {
    if (!indexGrid)
      throw inputError(
        `coordinate ${dim} (the ${axis} axis) ${why}; regrid it to uniform spacing (e.g. cdo remapbil) or pass --index-grid`,
        file,
      );
    return {
      origin: 0,
      spacing: 1,
      note: `${dim} (the ${axis} axis) ${why}: the grid is indexed (voxel i at [i, i+1)); its coordinate values are in metadata.coordinates.${dim}`,
      values,
    };
  };
  if (step < 0 && worst <= tol)
    return withUnits({
      origin: values[n - 1] + step / 2,
      spacing: -step,
      flipped: true,
      note: `${dim} (the ${axis} axis) descends in the file (${values[0]} to ${values[n - 1]}); it is stored reversed, ascending`,
    });
  if (!(step > 0) || worst > tol)
    return index(
      `is not uniform (steps from ${Math.min(...values.slice(1).map((v, i) => v - values[i]))} to ${Math.max(...values.slice(1).map((v, i) => v - values[i]))})`,
    );
  return withUnits({ origin: values[0] - step / 2, spacing: step });
}
