/**
 * Zarr building blocks shared by the plain and OME-Zarr readers: opening a
 * local or remote store, nodes, attributes, CF decoding of an array, axis
 * maps, and hyperslab reads in x-fastest order from the strides zarrita
 * reports (so F-order arrays and transposed chunks read correctly).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import FetchStore from "@zarrita/storage/fetch";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import type { FieldKind } from "../../shared/types";
import type { MetadataValue } from "../pack-types";
import { type CfDecoding, cfDecoding, type RawArray, userAttributes } from "./cf";
import type { FieldsOptions } from "./fields";
import { inputError } from "./input-error";
import { parseTypeName, type SourceDType } from "./source-dtype";
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
export const INTERNAL_ATTRS = new Set([
  "_ARRAY_DIMENSIONS",
  "_NCZARR_ARRAY",
  "_NCZARR_ATTR",
  "_NCZARR_GROUP",
]);

export function isRemote(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/** Bytes of remote chunks kept, so a chunk spanning several slabs is fetched once. */
export const REMOTE_CACHE_BYTES = 256 * 2 ** 20;

/** A least-recently-used byte cache with a size budget (zarrita's ByteCache shape). */
export class ByteLru {
  private map = new Map<string, Uint8Array | undefined>();
  private bytes = 0;
  constructor(private readonly budget: number) {}
  has(key: string): boolean {
    return this.map.has(key);
  }
  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (this.map.has(key)) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: Uint8Array | undefined): void {
    const size = value?.byteLength ?? 0;
    if (size > this.budget) return;
    if (this.map.has(key)) this.bytes -= this.map.get(key)?.byteLength ?? 0;
    this.map.delete(key);
    this.map.set(key, value);
    this.bytes += size;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= v?.byteLength ?? 0;
    }
  }
}

/** A store for a directory or an http(s) URL, with consolidated metadata when the store has it. */
export async function openZarrStore(input: string): Promise<ZStore> {
  let store: ZStore;
  if (isRemote(input)) {
    store = zarr.withByteCaching(new FetchStore(input.replace(/\/+$/, "")), {
      cache: new ByteLru(REMOTE_CACHE_BYTES),
    });
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
  let node: Awaited<ReturnType<typeof zarr.open>>;
  try {
    node = await zarr.open(zarr.root(store).resolve(path || "/"));
  } catch (e) {
    throw inputError(
      `not a Zarr v2 or v3 array or group${path ? ` at '${path}'` : ""}: ${(e as Error).message}`,
      label,
    );
  }
  // zarrita takes the metadata as written: check what every later step relies on.
  if (node instanceof zarr.Array) {
    const { shape, chunks } = node as { shape: unknown; chunks: unknown };
    const ints = (v: unknown) =>
      Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
    if (!ints(shape)) throw inputError(`bad Zarr array shape ${JSON.stringify(shape)}`, label);
    if (!ints(chunks) || (chunks as number[]).length !== (shape as number[]).length)
      throw inputError(
        `bad Zarr chunk shape ${JSON.stringify(chunks)} for shape ${JSON.stringify(shape)}`,
        label,
      );
  }
  return node;
}

/** User attributes: Zarr/xarray bookkeeping removed, values as metadata (cf.ts). */
export function zarrAttributes(attrs: Record<string, unknown>): Record<string, MetadataValue> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (INTERNAL_ATTRS.has(k)) continue;
    // Nested objects (OMERO channels, ...) kept as JSON; cf.ts handles scalars and arrays.
    if (v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v))
      out[k] = JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null");
    else out[k] = v;
  }
  const plain = userAttributes(
    Object.fromEntries(
      Object.entries(out).filter(([, v]) => !(v && typeof v === "object" && !Array.isArray(v))),
    ),
  );
  for (const [k, v] of Object.entries(out))
    if (v && typeof v === "object" && !Array.isArray(v)) plain[k] = v as MetadataValue;
  return plain;
}

/**
 * How an array's values decode (cf.ts, the NetCDF rules). Zarr's `fill_value`
 * is the value of chunks never written, not "no data" by itself; it is no data
 * when the attributes say so: `_FillValue` / `missing_value` / `valid_*`, or an
 * xarray-written Zarr v2 array (`_ARRAY_DIMENSIONS`), whose `fill_value`
 * xarray reads as `_FillValue`.
 */
export function zarrDecoding(arr: ZArray, where: string, kind: FieldKind, withAttrs = true): CfDecoding {
  const src = sourceType(arr, where);
  const attrs = withAttrs ? { ...(arr.attrs as Record<string, unknown>) } : {};
  const fv = arr.fillValue;
  if (
    withAttrs &&
    attrs._FillValue === undefined &&
    Array.isArray(attrs._ARRAY_DIMENSIONS) &&
    (typeof fv === "number" || typeof fv === "bigint")
  )
    attrs._FillValue = typeof fv === "bigint" ? Number(fv) : fv;
  const dec = cfDecoding({ name: where, type: src, attrs: zarrAttributesRaw(attrs), netcdf: false, kind });
  return dec;
}

/** Attributes for cfDecoding: bookkeeping keys removed. */
export function zarrAttributesRaw(attrs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => !INTERNAL_ATTRS.has(k)));
}

/** A 1D coordinate array's values as physical numbers. */
export async function coordinateValues(arr: ZArray, where: string): Promise<number[]> {
  try {
    const got = (await zarr.get(arr, null)) as unknown as { data: RawArray };
    // Decoded like the fields (packing, fills → NaN, refused by cfAxis / cfTime), at full precision.
    return zarrDecoding(arr, where, "scalar").decodeNumbers(got.data);
  } catch (e) {
    throw inputError(`cannot read the coordinate: ${(e as Error).message}`, where);
  }
}

/** The element type of an array, or an InputError naming it. */
export function sourceType(arr: ZArray, label: string): SourceDType {
  const t = typeof arr.dtype === "string" ? parseTypeName(arr.dtype) : undefined;
  if (!t) throw inputError(`unsupported Zarr data type ${String(arr.dtype)}`, label);
  return { ...t, littleEndian: true }; // zarrita hands out native (little-endian) arrays
}

export type Raw = ArrayLike<number | bigint> & { length: number };

/** Axes (x, y, z) stored reversed because their coordinate descends in the file. */
export type Flips = [boolean, boolean, boolean];
export const NO_FLIPS: Flips = [false, false, false];

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
  flip: Flips = NO_FLIPS,
): Promise<Raw> {
  const shape = arr.shape;
  // A reversed axis reads the mirrored range, gathered backwards.
  const zs = flip[2] ? shape[ax.z] - z0 - nz : z0;
  const ys = flip[1] ? shape[ax.y] - y0 - ny : y0;
  const sel = shape.map((_, k) =>
    k === ax.t
      ? t
      : k === ax.c
        ? c
        : k === ax.z
          ? zarr.slice(zs, zs + nz)
          : k === ax.y
            ? zarr.slice(ys, ys + ny)
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
  const dx = flip[0] ? -sx : sx;
  for (let z = 0; z < nz; z++) {
    const zz = flip[2] ? nz - 1 - z : z;
    for (let y = 0; y < ny; y++) {
      const yy = flip[1] ? ny - 1 - y : y;
      let m = zz * sz + yy * sy + (flip[0] ? (nx - 1) * sx : 0);
      for (let x = 0; x < nx; x++, m += dx) out[o++] = data[m];
    }
  }
  return out as Raw;
}

/** Read one voxel: fails early, in one line, on codecs or chunks zarrita cannot read. */
export async function probe(arr: ZArray, ax: AxisMap, where: string): Promise<void> {
  try {
    await readHyperslab(arr, ax, 0, 0, 0, 1, 0, 1);
  } catch (e) {
    const m = (e as Error).message;
    const codec = /codec[^:]*:?\s*"?([\w.-]+)/i.exec(m)?.[1];
    throw inputError(
      codec && /unknown|unsupported/i.test(m)
        ? `uses the codec "${codec}", which zarrita cannot decode; rewrite the array without it (e.g. with zarr-python: zarr.save_array("out.zarr", zarr.open("in.zarr")[...]))`
        : `cannot read its first chunk: ${m.split("\n")[0]}`,
      where,
    );
  }
}

// ---- axes and coordinates ------------------------------------------------

export const TIME_NAMES = /^(t|time|times|date|step|steps|frame|frames|time_counter)$/i;

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

// ---- groups ------------------------------------------------------------------

/** Paths of the arrays in a store: from consolidated metadata, else a directory walk (local stores). */
export async function listArrays(store: ZStore, input: string): Promise<string[] | undefined> {
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

export const baseName = (p: string) => p.split("/").pop() ?? p;

export interface Candidate {
  path: string;
  arr: ZArray;
  names?: string[];
}

export function isNumeric(arr: ZArray): boolean {
  return typeof arr.dtype === "string" && parseTypeName(arr.dtype) !== undefined;
}

/** One store (a root array or a group) as the fields of one input file. */
