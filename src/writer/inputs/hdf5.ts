/**
 * HDF5, NetCDF-4 and (through netcdf3.ts) NetCDF-3 files as packer input.
 * HDF5 is read with h5wasm (the HDF5 library compiled to WebAssembly; in Node
 * it reads the file in place): every 3D / 4D numeric dataset on the common
 * grid becomes a field (or those named with --array), each read as the
 * hyperslab of the slab the packer asks for, decoded with the CF rules
 * (cf.ts). NetCDF-4 dimension names come from the dimension scales attached
 * to each variable; plain HDF5 datasets are read as (T,) z, y, x.
 */
import { open } from "node:fs/promises";
import h5wasm from "h5wasm/node";
import { isFlatvoxError } from "../../shared/errors";
import { type CfFileOptions, cfInputFile, type SourceFile, type SourceVariable } from "./cf-file";
import { assembleFields, type FieldsOptions, type InputFile } from "./fields";
import { inputError } from "./input-error";
import { netcdf3File } from "./netcdf3";
import type { InputDataset } from "./series";
import type { SourceDType } from "./source-dtype";

export interface Hdf5Options extends FieldsOptions {
  /** Variables / dataset paths to pack, in order (default: all 3D/4D numeric ones on the common grid). */
  arrays?: string[];
  /** One dataset path (same as arrays: [array]). */
  array?: string;
  /** Non-uniform or descending coordinates: pack on an index grid instead of refusing. */
  indexGrid?: boolean;
}

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

const MAX_WALK = 50000;

/** Filters the HDF5 library in h5wasm decodes (deflate, shuffle, fletcher32, szip, nbit, scaleoffset). */
const AVAILABLE_FILTERS = new Set([1, 2, 3, 4, 5, 6]);
const FILTER_NAMES: Record<number, string> = {
  4: "szip",
  307: "bzip2",
  32000: "lzf",
  32001: "blosc",
  32004: "lz4",
  32008: "bitshuffle",
  32013: "zfp",
  32015: "zstd",
  32017: "sz",
};

let ready: Promise<unknown> | undefined;

async function openH5(path: string): Promise<H5File> {
  // Library errors become exceptions (with their message) instead of diagnostics on stderr.
  ready ??= h5wasm.ready.then((m) => m.activate_throwing_error_handler());
  await ready;
  try {
    const f = new h5wasm.File(path, "r");
    if (f.file_id === undefined || f.file_id < 0n) throw new Error("cannot open");
    return f;
  } catch (e) {
    throw inputError(`not an HDF5 / NetCDF file (${hdf5Message(e)})`, path);
  }
}

/** The informative line of an HDF5 error stack (the deepest "in H5...(): message"). */
export function hdf5Message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split("\n").filter((l) => / in H5\w*\(\): /.test(l));
  const useful = lines.filter((l) => !/H5PL|plugin/i.test(l));
  const pick = useful[useful.length - 1] ?? lines[lines.length - 1];
  const msg = pick
    ? pick.replace(/^.* in (H5\w*)\(\): /, "")
    : (text.split("\n").find((l) => l.trim()) ?? "");
  return msg.trim().slice(0, 200);
}

/** HDF5 class + size + sign + byte order → the element type the input path understands. */
function sourceType(d: H5Dataset): SourceDType | undefined {
  const m = d.metadata;
  const INTEGER = 0;
  const FLOAT = 1;
  if (m.vlen || ![1, 2, 4, 8].includes(m.size)) return undefined;
  // h5wasm hands values over in native order, whatever the file's.
  const littleEndian = true;
  if (m.type === FLOAT && m.size >= 4) return { kind: "f", size: m.size as 4 | 8, littleEndian };
  if (m.type === INTEGER) return { kind: m.signed ? "i" : "u", size: m.size as 1 | 2 | 4 | 8, littleEndian };
  return undefined;
}

/** Names of the float attributes stored in 4 bytes. */
function f32AttributesOf(node: { attrs: Record<string, unknown> }): Set<string> {
  const out = new Set<string>();
  for (const [k, a] of Object.entries(node.attrs)) {
    const m = (a as { metadata?: { type?: number; size?: number } }).metadata;
    if (m?.type === 1 && m.size === 4) out.add(k);
  }
  return out;
}

function attributesOf(node: { attrs: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, a] of Object.entries(node.attrs)) {
    try {
      out[k] = (a as { json_value: unknown }).json_value;
    } catch {
      // Attributes of types JSON cannot hold are left out.
    }
  }
  return out;
}

const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const PURE_DIMENSION = /^This is a netCDF dimension but not a netCDF variable/;

/** An HDF5 / NetCDF-4 file as a SourceFile (datasets, dimension names, coordinates). */
async function hdf5File(path: string): Promise<SourceFile> {
  let f: H5File | undefined = await openH5(path);
  const file = async () => {
    f ??= await openH5(path);
    return f;
  };
  const variables: SourceVariable[] = [];
  const scales = new Map<string, SourceVariable>();
  const first = f;
  const attrs = attributesOf(first as unknown as { attrs: Record<string, unknown> });
  let netcdf = attrs._NCProperties !== undefined;
  const queue = ["/"];
  let seen = 0;
  const scalePaths = new Map<string, string>();
  while (queue.length && seen < MAX_WALK) {
    const p = queue.shift()!;
    const node = first.get(p);
    seen++;
    if (node instanceof h5wasm.Group) {
      for (const k of node.keys()) queue.push(p === "/" ? `/${k}` : `${p}/${k}`);
    } else if (node instanceof h5wasm.Dataset) {
      const a = attributesOf(node as unknown as { attrs: Record<string, unknown> });
      if (a._Netcdf4Dimid !== undefined) netcdf = true;
      const shape = [...(node.shape ?? [])];
      const type = sourceType(node);
      let dims: string[] | undefined;
      if (shape.length > 0 && a.DIMENSION_LIST !== undefined) {
        const names = shape.map((_, i) => {
          let s: string[];
          try {
            s = node.get_attached_scales(i);
          } catch {
            return undefined; // unreadable dimension list: matched by size, like plain HDF5
          }
          if (s.length !== 1) return undefined;
          scalePaths.set(basename(s[0]), s[0]);
          return basename(s[0]);
        });
        if (names.every((n) => n !== undefined)) dims = names as string[];
      } else if (a.CLASS === "DIMENSION_SCALE" && shape.length === 1) {
        dims = [basename(p)];
      }
      const v: SourceVariable = {
        path: p,
        shape,
        attrs: a,
        f32Attributes: f32AttributesOf(node as unknown as { attrs: Record<string, unknown> }),
        ...(dims ? { dims } : {}),
        ...(type ? { type } : {}),
        async read(ranges) {
          const ds = (await file()).get(p) as H5Dataset;
          let data: unknown;
          try {
            data = ds.slice(ranges);
          } catch (e) {
            throw readError(ds, path, p, e);
          }
          // h5wasm returns values in native (little-endian) order, whatever the file's byte order.
          const arr = data as ArrayBufferView & ArrayLike<number>;
          return arr;
        },
      };
      const name = attrString(a.NAME);
      const pure = name !== undefined && PURE_DIMENSION.test(name);
      if (a.CLASS === "DIMENSION_SCALE" && shape.length === 1) {
        if (!pure) scales.set(p, v);
        continue; // a coordinate or a bare dimension, never a field
      }
      variables.push(v);
    }
  }
  if (queue.length)
    throw inputError(
      `more than ${MAX_WALK} groups and datasets; extract the variables you need first (e.g. ncks -v a,b in.nc out.nc or h5copy)`,
      path,
    );
  const filterCheck = new Map<string, string | undefined>();
  return {
    file: path,
    netcdf,
    variables,
    attrs,
    coordinate(dim) {
      const p = scalePaths.get(dim) ?? `/${dim}`;
      return scales.get(p);
    },
    check(v) {
      if (!filterCheck.has(v.path)) {
        const ds = first.get(v.path) as H5Dataset;
        const bad = (ds.filters ?? []).find((x) => !AVAILABLE_FILTERS.has(x.id));
        filterCheck.set(v.path, bad ? filterMessage(v.path, bad.id, bad.name) : undefined);
      }
      const msg = filterCheck.get(v.path);
      if (msg) throw inputError(msg, path);
    },
    close() {
      f?.close();
      f = undefined;
    },
  };
}

function attrString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function filterMessage(path: string, id: number, name?: string): string {
  const n = FILTER_NAMES[id] ?? (name || "unknown");
  return `dataset ${path} uses the ${n} filter (id ${id}), which is not available; rewrite it with h5repack -f GZIP=4`;
}

function readError(ds: H5Dataset, file: string, dsPath: string, e: unknown) {
  if (isFlatvoxError(e)) return e;
  const m = /required filter '([^']*)' is not registered/.exec(e instanceof Error ? e.message : String(e));
  if (m) {
    const f = (ds.filters ?? []).find((x) => !AVAILABLE_FILTERS.has(x.id));
    return inputError(filterMessage(dsPath, f?.id ?? -1, f?.name ?? m[1]), file);
  }
  return inputError(`cannot read dataset ${dsPath}: ${hdf5Message(e)}`, file);
}

/** NetCDF-3 classic / 64-bit offset, CDF-5 (refused), or HDF5, by the file's first bytes. */
export async function sniffNetcdf(path: string): Promise<"cdf1" | "cdf2" | "cdf5" | "other"> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw inputError(`cannot open: ${(e as Error).message}`, path);
  }
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    if (bytesRead === 4 && b.toString("latin1", 0, 3) === "CDF") {
      if (b[3] === 1) return "cdf1";
      if (b[3] === 2) return "cdf2";
      if (b[3] === 5) return "cdf5";
    }
    return "other";
  } finally {
    await fh.close();
  }
}

/** One file's fields: NetCDF-3 by netcdf3.ts, HDF5 / NetCDF-4 by h5wasm. */
export async function netcdfInputFile(path: string, o: CfFileOptions): Promise<InputFile> {
  const kind = await sniffNetcdf(path);
  if (kind === "cdf5")
    throw inputError(
      "NetCDF-3 64-bit data (CDF-5) is not supported; convert it with nccopy -k nc4 in.nc out.nc",
      path,
    );
  const src = kind === "other" ? await hdf5File(path) : await netcdf3File(path);
  try {
    return await cfInputFile(src, o);
  } finally {
    await src.close();
  }
}

/** HDF5 / NetCDF-4 / NetCDF-3 files → packer input (several files: a time series, in order). */
export async function readHdf5(files: string[], opts: Hdf5Options = {}): Promise<InputDataset> {
  const arrays = opts.arrays ?? (opts.array ? [opts.array] : undefined);
  const o: CfFileOptions = { arrays, indexGrid: opts.indexGrid, kind: opts.kind, dtype: opts.dtype };
  const parts: InputFile[] = [];
  for (const f of files) parts.push(await netcdfInputFile(f, o));
  return assembleFields(parts, { ...opts, dtype: undefined, kind: undefined });
}

/** Same reader, under the name the CLI uses for .nc files. */
export const readNetcdf = readHdf5;
