/**
 * Zarr v2 and v3 stores as packer input, read with zarrita from a directory or
 * over HTTP. A store whose root is an array gives one field; a group gives one
 * field per 3D/4D numeric array on the common grid (or the arrays named), with
 * axis names, coordinates, times and no-data values taken from xarray-style
 * attributes; an OME-Zarr image (NGFF multiscales) is read by ome-zarr.ts.
 *
 * Every read is a hyperslab of one timestep (zarrita `get` with slices), put
 * into x-fastest order from the strides zarrita reports, so F-order arrays and
 * transposed chunks read correctly.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import FetchStore from "@zarrita/storage/fetch";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import type { DType, FieldKind, TypedArray, Vec3 } from "../../shared/types";
import type { MetadataValue } from "../pack-types";
import { decodeElements } from "./convert";
import {
  assembleFields,
  type FieldsOptions,
  type InputFile,
  type InputGrid,
  type InputVariable,
} from "./fields";
import { inputError } from "./input-error";
import { multiscalesOf, omeInputFile } from "./ome-zarr";
import type { InputDataset } from "./series";
import { defaultTarget, parseTypeName, type SourceDType } from "./source-dtype";
import type { AxisOrder } from "./stored-array";

export interface ZarrOptions extends FieldsOptions {
  /** Paths of the arrays to pack (default: the root array, or every 3D/4D numeric array of the group on the common grid). */
  arrays?: string[];
  /** Deprecated single form of `arrays`. */
  array?: string;
  /** OME-Zarr: pack only this channel (index or label). */
  channel?: string;
  /** Accept non-uniform coordinates: pack on the index grid (noted in the metadata). */
  indexGrid?: boolean;
}

export type ZStore = zarr.Readable;
export type ZArray = zarr.Array<zarr.DataType, ZStore>;

/** Position of each role in an array's shape (-1: absent). */
export interface AxisMap {
  t: number;
  c: number;
  z: number;
  y: number;
  x: number;
}

/** Keys that are Zarr/xarray bookkeeping, never user attributes. */
const INTERNAL_ATTRS = new Set(["_ARRAY_DIMENSIONS", "_NCZARR_ARRAY", "_NCZARR_ATTR", "_NCZARR_GROUP"]);

export function isRemote(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/** A store for a directory or an http(s) URL, with consolidated metadata when the store has it. */
export async function openZarrStore(input: string): Promise<ZStore> {
  let store: ZStore;
  if (isRemote(input)) {
    store = new FetchStore(input.replace(/\/+$/, ""));
  } else {
    const st = await stat(input).catch(() => undefined);
    if (!st?.isDirectory()) throw inputError("not a Zarr store (expected a directory)", input);
    store = new FileSystemStore(input);
  }
  try {
    return await zarr.withMaybeConsolidatedMetadata(store as zarr.AsyncReadable);
  } catch (e) {
    throw inputError(`unreadable consolidated metadata: ${(e as Error).message}`, input);
  }
}

export async function openNode(store: ZStore, path: string, label: string) {
  try {
    return await zarr.open(zarr.root(store).resolve(path || "/"));
  } catch (e) {
    throw inputError(
      `not a Zarr v2 or v3 array or group${path ? ` at '${path}'` : ""}: ${(e as Error).message}`,
      label,
    );
  }
}

/** User attributes: library bookkeeping removed, bigints as numbers. */
export function userAttributes(attrs: Record<string, unknown>): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (INTERNAL_ATTRS.has(k)) continue;
    out[k] = JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null");
  }
  return out;
}

/** The element type of an array, or an InputError naming it. */
export function sourceType(arr: ZArray, label: string): SourceDType {
  const t = typeof arr.dtype === "string" ? parseTypeName(arr.dtype) : undefined;
  if (!t) throw inputError(`unsupported Zarr data type ${String(arr.dtype)}`, label);
  return { ...t, littleEndian: true }; // zarrita hands out native (little-endian) arrays
}

type Raw = ArrayLike<number | bigint> & { length: number };

/**
 * One timestep's hyperslab of an array, z∈[z0,z0+nz), y∈[y0,y0+ny), all x,
 * gathered x fastest from whatever memory order zarrita returns (its strides).
 */
export async function readHyperslab(
  arr: ZArray,
  ax: AxisMap,
  t: number,
  c: number,
  z0: number,
  nz: number,
  y0: number,
  ny: number,
): Promise<Raw> {
  const shape = arr.shape;
  const sel = shape.map((_, k) =>
    k === ax.t
      ? t
      : k === ax.c
        ? c
        : k === ax.z
          ? zarr.slice(z0, z0 + nz)
          : k === ax.y
            ? zarr.slice(y0, y0 + ny)
            : null,
  );
  const got = (await zarr.get(arr, sel)) as unknown as { data: unknown; shape: number[]; stride: number[] };
  // The kept axes, in the array's order, are the ones not indexed by a number.
  const kept = shape.map((_, k) => k).filter((k) => k !== ax.t && k !== ax.c);
  const strideOf = (axis: number) => {
    const p = kept.indexOf(axis);
    return p < 0 ? 0 : got.stride[p];
  };
  const sx = strideOf(ax.x);
  const sy = strideOf(ax.y);
  const sz = strideOf(ax.z);
  const nx = shape[ax.x];
  let data = got.data as Raw;
  if (data instanceof zarr.BoolArray) {
    const b = data as unknown as { buffer: ArrayBuffer; length: number };
    data = new Uint8Array(b.buffer, 0, b.length);
  }
  const Ctor = (data as unknown as { constructor: new (n: number) => Raw }).constructor;
  const out = new Ctor(nx * ny * nz) as unknown as { [i: number]: number | bigint; length: number };
  let o = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      let m = z * sz + y * sy;
      for (let x = 0; x < nx; x++, m += sx) out[o++] = data[m];
    }
  }
  return out as Raw;
}

/** How an array's stored values become field values. */
export interface ValueDecoding {
  dtype: DType;
  fill?: number | null;
  /** CF packing (physical = stored·scale + offset). */
  scale?: number;
  offset?: number;
  /** Stored values meaning no data. */
  noData: number[];
  validMin?: number;
  validMax?: number;
  /** Where the no-data rule came from (for the field's attributes). */
  noDataFrom?: string;
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
const nums = (v: unknown): number[] =>
  Array.isArray(v)
    ? v.map(num).filter((x): x is number => x !== undefined)
    : num(v) === undefined
      ? []
      : [num(v)!];

/**
 * The no-data and packing rules of a Zarr array. Zarr's `fill_value` is the
 * value of chunks never written, not "no data" by itself; it is no data only
 * when the attributes say so: `_FillValue` / `missing_value` / `valid_*`
 * (CF), or an xarray-written Zarr v2 array (`_ARRAY_DIMENSIONS`), for which
 * xarray reads `fill_value` as `_FillValue`.
 */
export function valueDecoding(
  src: SourceDType,
  attrs: Record<string, unknown>,
  fillValue: unknown,
  kind: FieldKind,
): ValueDecoding {
  const noData: number[] = [];
  let noDataFrom: string | undefined;
  const explicit = nums(attrs._FillValue);
  if (explicit.length) {
    noData.push(...explicit);
    noDataFrom = "_FillValue";
  } else if (Array.isArray(attrs._ARRAY_DIMENSIONS) && num(fillValue) !== undefined) {
    noData.push(num(fillValue)!);
    noDataFrom = "fill_value (xarray-written Zarr v2)";
  }
  const missing = nums(attrs.missing_value);
  if (missing.length) {
    noData.push(...missing);
    noDataFrom = noDataFrom ? `${noDataFrom}, missing_value` : "missing_value";
  }
  const range = nums(attrs.valid_range);
  const validMin = range.length === 2 ? range[0] : num(attrs.valid_min);
  const validMax = range.length === 2 ? range[1] : num(attrs.valid_max);
  const scale = num(attrs.scale_factor);
  const offset = num(attrs.add_offset);
  const packed = scale !== undefined || offset !== undefined;
  const declared = noData.length > 0 || validMin !== undefined || validMax !== undefined;
  const intFill = noData.find((v) => !Number.isNaN(v));
  // Packed values, and integers whose only no-data rule is a valid range, become f32 (NaN = no data).
  const dtype: DType = packed || (declared && intFill === undefined) ? "f32" : defaultTarget(src, kind);
  let fill: number | undefined;
  if (declared) fill = dtype === "f32" ? Number.NaN : intFill;
  return { dtype, fill, scale, offset, noData, validMin, validMax, noDataFrom };
}

/** Stored values → field values: no data mapped to the fill (NaN for f32), packing undone in f64. */
export function decodeValues(raw: Raw, src: SourceDType, d: ValueDecoding, file: string): TypedArray {
  const n = raw.length;
  const noNaN = d.noData.filter((v) => !Number.isNaN(v));
  const isNoData = (v: number) =>
    noNaN.includes(v) ||
    (d.validMin !== undefined && v < d.validMin) ||
    (d.validMax !== undefined && v > d.validMax);
  const checks = noNaN.length > 0 || d.validMin !== undefined || d.validMax !== undefined;
  if (d.scale !== undefined || d.offset !== undefined) {
    const s = d.scale ?? 1;
    const o = d.offset ?? 0;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(raw[i]);
      out[i] = Number.isNaN(v) || (checks && isNoData(v)) ? Number.NaN : v * s + o;
    }
    return out;
  }
  if (!checks) {
    const bytes = new Uint8Array(
      (raw as unknown as ArrayBufferView).buffer,
      (raw as unknown as ArrayBufferView).byteOffset,
      n * src.size,
    );
    return decodeElements(bytes, src, d.dtype, { file, dataOffset: 0 });
  }
  if (d.dtype === "f32") {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(raw[i]);
      if (isNoData(v)) out[i] = Number.NaN;
      else if (Math.abs(v) > 3.4028234663852886e38 && Number.isFinite(v))
        throw inputError(`value ${v} at element ${i} overflows f32`, file);
      else out[i] = v;
    }
    return out;
  }
  // Integer field: every no-data value becomes the fill, the rest must fit.
  const fill = d.fill as number;
  const mapped = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(raw[i]);
    mapped[i] = isNoData(v) ? fill : v;
  }
  return decodeElements(new Uint8Array(mapped.buffer), { kind: "f", size: 8, littleEndian: true }, d.dtype, {
    file,
    dataOffset: 0,
  });
}

// ---- axes and coordinates ------------------------------------------------

const TIME_NAMES = /^(t|time|times|date|step|steps|frame|frames|time_counter)$/i;

/**
 * Which array axis is time, z, y, x. With dimension names (xarray's
 * `_ARRAY_DIMENSIONS`, v3 `dimension_names`) the names decide; otherwise the
 * shape's position, by `axes` (zyx: (T,)nz,ny,nx; xyz: nx,ny,nz(,T)).
 */
export function axisMap(
  shape: number[],
  names: string[] | undefined,
  axes: AxisOrder | undefined,
  isTime: (name: string) => boolean,
  label: string,
): AxisMap {
  const n = shape.length;
  if (n !== 3 && n !== 4)
    throw inputError(
      `expected a 3D (nz, ny, nx) or 4D (T, nz, ny, nx) array, got shape (${shape.join(", ")})`,
      label,
    );
  if (names && names.length === n && !axes) {
    const t = names.findIndex((d) => isTime(d));
    if (n === 4 && t < 0)
      throw inputError(
        `4D array with dimensions (${names.join(", ")}) and none of them is time; give --axes`,
        label,
      );
    const space = names.map((_, k) => k).filter((k) => k !== t);
    if (space.length !== 3)
      throw inputError(`dimensions (${names.join(", ")}) do not give three space axes`, label);
    // By name when every space axis is recognisable, else by position (slowest z … fastest x).
    const named = {
      x: space.find((k) => /^(x|lon|longitude|easting)$/i.test(names[k])),
      y: space.find((k) => /^(y|lat|latitude|northing)$/i.test(names[k])),
      z: space.find((k) => /^(z|depth|height|level|lev|plev|altitude|alt)$/i.test(names[k])),
    };
    if (named.x !== undefined && named.y !== undefined && named.z !== undefined)
      return { t, c: -1, z: named.z, y: named.y, x: named.x };
    return { t, c: -1, z: space[0], y: space[1], x: space[2] };
  }
  if ((axes ?? "zyx") === "zyx")
    return n === 4 ? { t: 0, c: -1, z: 1, y: 2, x: 3 } : { t: -1, c: -1, z: 0, y: 1, x: 2 };
  return { t: n === 4 ? 3 : -1, c: -1, x: 0, y: 1, z: 2 };
}

/** origin/spacing of a uniform 1D coordinate (cell centres), or a refusal naming the axis. */
export function uniformAxis(
  values: number[],
  axis: string,
  label: string,
  indexGrid: boolean,
  notes: string[],
): { origin: number; spacing: number } | undefined {
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) return undefined;
  if (values.length === 1) return undefined;
  const step = (values[values.length - 1] - values[0]) / (values.length - 1);
  if (!(step > 0)) {
    if (indexGrid) {
      notes.push(`coordinate ${axis} is not increasing: packed on the index grid`);
      return undefined;
    }
    throw inputError(
      `coordinate '${axis}' decreases (${values[0]} … ${values[values.length - 1]}); flip the axis first (e.g. cdo invertlat / xarray .isel(${axis}=slice(None, None, -1))) or pass --index-grid`,
      label,
    );
  }
  for (let i = 1; i < values.length; i++) {
    const d = values[i] - values[i - 1];
    if (Math.abs(d - step) > 1e-5 * Math.abs(step)) {
      if (indexGrid) {
        notes.push(`coordinate ${axis} is not uniform: packed on the index grid`);
        return undefined;
      }
      throw inputError(
        `coordinate '${axis}' is not uniformly spaced (step ${d} at index ${i}, mean ${step}); regrid it (e.g. cdo remapbil) or pass --index-grid`,
        label,
      );
    }
  }
  return { origin: values[0] - step / 2, spacing: step };
}

async function readWhole1D(arr: ZArray): Promise<number[]> {
  const got = (await zarr.get(arr, null)) as unknown as { data: ArrayLike<number | bigint> };
  return Array.from(got.data as ArrayLike<number>, (v) => Number(v));
}

// ---- groups ------------------------------------------------------------------

/** Paths of the arrays in a store: from consolidated metadata, else a directory walk (local stores). */
async function listArrays(store: ZStore, input: string): Promise<string[] | undefined> {
  const listable = store as { contents?: () => { path: string; kind: string }[] };
  if (typeof listable.contents === "function") {
    return listable
      .contents()
      .filter((e) => e.kind === "array")
      .map((e) => e.path.replace(/^\//, ""));
  }
  if (isRemote(input)) return undefined;
  const out: string[] = [];
  async function walk(dir: string, rel: string, depth: number) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      const full = join(dir, e.name);
      const names = await readdir(full).catch(() => [] as string[]);
      if (names.includes(".zarray")) out.push(path);
      else if (names.includes("zarr.json")) {
        const meta = JSON.parse(await readFile(join(full, "zarr.json"), "utf8").catch(() => "{}")) as {
          node_type?: string;
        };
        if (meta.node_type === "array") out.push(path);
        else if (depth < 4) await walk(full, path, depth + 1);
      } else if (names.includes(".zgroup") && depth < 4) await walk(full, path, depth + 1);
    }
  }
  await walk(input, "", 0);
  return out.sort();
}

const baseName = (p: string) => p.split("/").pop() ?? p;

interface Candidate {
  path: string;
  arr: ZArray;
  names?: string[];
}

function isNumeric(arr: ZArray): boolean {
  return typeof arr.dtype === "string" && parseTypeName(arr.dtype) !== undefined;
}

/** One store (a root array or a group) as the fields of one input file. */
export async function zarrInputFile(input: string, opts: ZarrOptions = {}): Promise<InputFile> {
  const store = await openZarrStore(input);
  const label = input.replace(/\/+$/, "");
  const named = opts.arrays ?? (opts.array ? [opts.array] : undefined);
  const root = await openNode(store, "", label);
  if (root instanceof zarr.Group && !named && multiscalesOf(root.attrs as Record<string, unknown>)) {
    return omeInputFile(store, root, label, opts);
  }
  if (opts.channel !== undefined) throw inputError("--channel is for OME-Zarr images", label);
  const notes: string[] = [];
  const kind = opts.kind ?? "scalar";
  // Every array that could be a field or a coordinate.
  let candidates: Candidate[];
  const byName = new Map<string, ZArray>();
  if (root instanceof zarr.Array) {
    if (named && !(named.length === 1 && (named[0] === "" || named[0] === "/")))
      throw inputError("this store is a single array; --array is for groups", label);
    candidates = [{ path: "", arr: root as ZArray, names: (root as ZArray).dimensionNames }];
  } else {
    const paths = named ?? (await listArrays(store, input));
    if (!paths)
      throw inputError(
        "remote Zarr group without consolidated metadata (.zmetadata): name its arrays with --array",
        label,
      );
    candidates = [];
    for (const p of paths) {
      const node = await openNode(store, p, label);
      if (!(node instanceof zarr.Array)) {
        if (named) throw inputError(`'${p}' is a group, not an array`, label);
        continue;
      }
      const arr = node as ZArray;
      byName.set(p, arr);
      candidates.push({ path: p, arr, names: arr.dimensionNames });
    }
  }
  // Coordinates: 1D arrays named like a dimension, next to the array (loaded when not listed).
  const parentOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "");
  for (const c of [...candidates]) {
    if (root instanceof zarr.Array) break;
    for (const dim of c.names ?? []) {
      const key = parentOf(c.path) + dim;
      if (byName.has(key)) continue;
      const node = await zarr.open(zarr.root(store).resolve(key)).catch(() => undefined);
      if (node instanceof zarr.Array) byName.set(key, node as ZArray);
    }
  }
  let coordBase = "";
  const coordOf = (dim: string): ZArray | undefined => {
    const a = byName.get(coordBase + dim);
    return a && a.shape.length === 1 ? a : undefined;
  };
  const isTime = (dim: string): boolean => {
    const c = coordOf(dim);
    const units = c ? (c.attrs as Record<string, unknown>).units : undefined;
    if (typeof units === "string" && /\bsince\b/i.test(units)) return true;
    const axis = c ? (c.attrs as Record<string, unknown>).axis : undefined;
    return axis === "T" || TIME_NAMES.test(dim);
  };
  // Fields: 3D/4D numeric arrays; the others (coordinates aside) noted.
  const fieldsOk: { c: Candidate; ax: AxisMap }[] = [];
  const skipped: string[] = [];
  for (const c of candidates) {
    coordBase = parentOf(c.path);
    const nd = c.arr.shape.length;
    const isCoord = nd === 1 && c.names?.length === 1 && c.names[0] === baseName(c.path);
    if (isCoord && !named) continue;
    if (!isNumeric(c.arr) || (nd !== 3 && nd !== 4)) {
      if (named) {
        if (!isNumeric(c.arr))
          throw inputError(`unsupported Zarr data type ${String(c.arr.dtype)}`, `${label}:${c.path}`);
        axisMap(c.arr.shape, c.names, opts.axes, isTime, `${label}${c.path ? `:${c.path}` : ""}`);
      }
      skipped.push(
        `${c.path} (${c.arr.shape.join("×")}${isNumeric(c.arr) ? "" : `, ${String(c.arr.dtype)}`})`,
      );
      continue;
    }
    fieldsOk.push({
      c,
      ax: axisMap(c.arr.shape, c.names, opts.axes, isTime, `${label}${c.path ? `:${c.path}` : ""}`),
    });
  }
  if (fieldsOk.length === 0)
    throw inputError(
      `no 3D or 4D numeric array in this Zarr group${skipped.length ? ` (has: ${skipped.join(", ")})` : ""}`,
      label,
    );
  // The common grid: that of the most arrays (the first such on a tie).
  const gridKey = ({ c, ax }: { c: Candidate; ax: AxisMap }) =>
    [c.arr.shape[ax.x], c.arr.shape[ax.y], c.arr.shape[ax.z], ax.t < 0 ? 0 : c.arr.shape[ax.t]].join("×");
  const counts = new Map<string, number>();
  for (const f of fieldsOk) counts.set(gridKey(f), (counts.get(gridKey(f)) ?? 0) + 1);
  let common = gridKey(fieldsOk[0]);
  for (const [k, n] of counts) if (n > (counts.get(common) ?? 0)) common = k;
  const chosen = fieldsOk.filter((f) => gridKey(f) === common);
  const off = fieldsOk.filter((f) => gridKey(f) !== common);
  if (named && off.length)
    throw inputError(
      `arrays on different grids: ${fieldsOk.map((f) => `${f.c.path} (${gridKey(f).replace(/×0$/, "")})`).join(", ")}`,
      label,
    );
  for (const f of off) skipped.push(`${f.c.path} (grid ${gridKey(f).replace(/×0$/, "")})`);
  if (skipped.length) notes.push(`not packed (not 3D/4D numeric on the common grid): ${skipped.join(", ")}`);

  const { c: c0, ax: ax0 } = chosen[0];
  coordBase = parentOf(c0.path);
  const dims: Vec3 = [c0.arr.shape[ax0.x], c0.arr.shape[ax0.y], c0.arr.shape[ax0.z]];
  const steps = ax0.t < 0 ? 1 : c0.arr.shape[ax0.t];

  // Times and space from coordinate arrays named by the dimensions.
  let times: number[] | undefined;
  let timeUnits: string | undefined;
  let timeCalendar: string | undefined;
  const grid: InputGrid = {};
  if (c0.names && !opts.axes) {
    const tName = ax0.t >= 0 ? c0.names[ax0.t] : undefined;
    const tc = tName ? coordOf(tName) : undefined;
    if (tc && tc.shape[0] === steps) {
      times = await readWhole1D(tc);
      const a = tc.attrs as Record<string, unknown>;
      if (typeof a.units === "string") timeUnits = a.units;
      if (typeof a.calendar === "string") timeCalendar = a.calendar;
      else if (timeUnits && /\bsince\b/i.test(timeUnits)) timeCalendar = "standard";
    }
    const origin: number[] = [];
    const spacing: number[] = [];
    const units = new Set<string>();
    let complete = true;
    for (const k of ["x", "y", "z"] as const) {
      const name = c0.names[ax0[k]];
      const cc = coordOf(name);
      const len = c0.arr.shape[ax0[k]];
      if (!cc || cc.shape[0] !== len) {
        complete = false;
        continue;
      }
      const u = uniformAxis(await readWhole1D(cc), name, label, !!opts.indexGrid, notes);
      if (!u) {
        complete = false;
        continue;
      }
      origin.push(u.origin);
      spacing.push(u.spacing);
      const un = (cc.attrs as Record<string, unknown>).units;
      if (typeof un === "string") units.add(un);
    }
    if (complete) {
      grid.origin = origin as Vec3;
      grid.spacing = spacing as Vec3;
      if (units.size === 1) grid.spaceUnits = [...units][0];
      else if (units.size > 1) notes.push(`coordinates have different units (${[...units].join(", ")})`);
    } else if (origin.length) {
      notes.push("some space axes have no usable coordinate: the grid keeps index coordinates");
    }
  }

  const variables: InputVariable[] = chosen.map(({ c, ax }) => {
    const name = c.path ? baseName(c.path) : "value";
    const where = c.path ? `${label}:${c.path}` : label;
    const src = sourceType(c.arr, where);
    const attrs = c.arr.attrs as Record<string, unknown>;
    const dec = valueDecoding(src, attrs, c.arr.fillValue, kind);
    const attributes = userAttributes(attrs);
    if (dec.noDataFrom?.startsWith("fill_value")) attributes._FillValue = num(c.arr.fillValue) ?? null;
    const v: InputVariable = {
      name,
      file: where,
      dims,
      steps,
      dtype: dec.dtype,
      kind,
      sourceBytes: src.size,
      read: async (t, z0, nz, y0, ny) => {
        let raw: Raw;
        try {
          raw = await readHyperslab(c.arr, ax, t, 0, z0, nz, y0, ny);
        } catch (e) {
          throw inputError(
            `cannot read timestep ${t}, z ${z0}..${z0 + nz - 1}: ${(e as Error).message}`,
            where,
          );
        }
        return decodeValues(raw, src, dec, where);
      },
    };
    if (typeof attrs.units === "string") v.units = attrs.units;
    if (dec.fill !== undefined) v.fill = dec.fill;
    if (typeof attrs.long_name === "string") v.description = attrs.long_name;
    if (Object.keys(attributes).length) v.attributes = attributes;
    return v;
  });
  const rootAttrs = root instanceof zarr.Group ? userAttributes(root.attrs as Record<string, unknown>) : {};
  return {
    file: label,
    variables,
    ...(times ? { times } : {}),
    ...(timeUnits ? { timeUnits } : {}),
    ...(timeCalendar ? { timeCalendar } : {}),
    grid,
    ...(Object.keys(rootAttrs).length ? { attributes: rootAttrs } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

/** Zarr stores → packer input (several stores: a time series, in order). */
export async function readZarr(stores: string[], opts: ZarrOptions = {}): Promise<InputDataset> {
  const files: InputFile[] = [];
  for (const s of stores) files.push(await zarrInputFile(s, opts));
  return assembleFields(files, opts);
}
