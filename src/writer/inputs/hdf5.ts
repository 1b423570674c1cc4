/**
 * HDF5 and NetCDF-4 datasets as packer input, read with h5wasm (the HDF5
 * library compiled to WebAssembly; in Node it reads the file in place). The
 * dataset is streamed one slab of its first axis at a time through the same
 * StoredArray path as .npy files. Without `--array`, the file's only 3D or 4D
 * numeric dataset is taken; otherwise the error lists the candidates.
 */
import h5wasm from "h5wasm/node";
import type { MetadataValue } from "../pack-types";
import { inputError } from "./input-error";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import { attributesMetadata, SlabStream } from "./slab-stream";
import type { SourceDType } from "./source-dtype";
import type { StoredArray } from "./stored-array";

export interface Hdf5Options extends InputOptions {
  /** Path of the dataset inside the file (default: its only 3D or 4D numeric dataset). */
  array?: string;
}

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

const MAX_WALK = 2000;

let ready: Promise<unknown> | undefined;

async function openFile(path: string): Promise<H5File> {
  // Library errors become exceptions (with their message) instead of diagnostics on stderr.
  ready ??= h5wasm.ready.then((m) => m.activate_throwing_error_handler());
  await ready;
  try {
    const f = new h5wasm.File(path, "r");
    if (f.file_id === undefined || f.file_id < 0n) throw new Error("cannot open");
    return f;
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split("\n").find((l) => l.trim()) ?? "";
    throw inputError(`not an HDF5 / NetCDF-4 file (${why.trim().slice(0, 200)})`, path);
  }
}

/** HDF5 class + size + sign → the element type the input path understands. */
function sourceType(d: H5Dataset): SourceDType | undefined {
  const m = d.metadata;
  const INTEGER = 0;
  const FLOAT = 1;
  if (m.vlen || ![1, 2, 4, 8].includes(m.size)) return undefined;
  if (m.type === FLOAT && m.size >= 4) return { kind: "f", size: m.size as 4 | 8, littleEndian: true };
  if (m.type === INTEGER)
    return { kind: m.signed ? "i" : "u", size: m.size as 1 | 2 | 4 | 8, littleEndian: true };
  return undefined;
}

/** 3D / 4D numeric datasets below the root (breadth-first, bounded). */
function candidates(f: H5File): string[] {
  const out: string[] = [];
  const queue = ["/"];
  let seen = 0;
  while (queue.length && seen < MAX_WALK) {
    const path = queue.shift()!;
    const node = f.get(path);
    seen++;
    if (node instanceof h5wasm.Group) {
      for (const k of node.keys()) queue.push(path === "/" ? `/${k}` : `${path}/${k}`);
    } else if (node instanceof h5wasm.Dataset) {
      const shape = node.shape ?? [];
      if ((shape.length === 3 || shape.length === 4) && sourceType(node)) out.push(path);
    }
  }
  return out;
}

function attributesOf(d: H5Dataset): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, a] of Object.entries(d.attrs)) {
    try {
      out[k] = (a as { json_value: unknown }).json_value;
    } catch {
      // Attributes of types JSON cannot hold are left out.
    }
  }
  return out;
}

/** One dataset of an HDF5 file as a StoredArray (plus its attributes). */
export async function hdf5Array(
  path: string,
  arrayPath?: string,
): Promise<{ stored: StoredArray; attributes: Record<string, unknown> }> {
  const f = await openFile(path);
  try {
    let name = arrayPath;
    if (!name) {
      const found = candidates(f);
      if (found.length !== 1) {
        throw inputError(
          found.length === 0
            ? "no 3D or 4D numeric dataset in the file"
            : `several datasets could be the field; choose one with --array: ${found.slice(0, 12).join(", ")}${found.length > 12 ? ", …" : ""}`,
          path,
        );
      }
      name = found[0];
    }
    const node = f.get(name);
    const display = `${path}:${name}`;
    if (!(node instanceof h5wasm.Dataset)) {
      throw inputError(
        node instanceof h5wasm.Group ? "this is a group, not a dataset" : "no such dataset",
        display,
      );
    }
    const dtype = sourceType(node);
    if (!dtype) throw inputError(`unsupported element type ${String(node.dtype)}`, display);
    const shape = [...(node.shape ?? [])];
    const count = shape.reduce((a, b) => a * b, 1);
    const dsPath = name;
    const stored: StoredArray = {
      name: display,
      file: path,
      layout: { dtype, shape, fortranOrder: false },
      dataBytes: count * dtype.size,
      open: async () => {
        const file = await openFile(path);
        const ds = file.get(dsPath) as H5Dataset;
        return new SlabStream(
          display,
          shape[0],
          async (i) => ds.slice([[i, i + 1]]) as unknown as ArrayBufferView,
          () => void file.close(),
        );
      },
    };
    return { stored, attributes: attributesOf(node) };
  } finally {
    f.close();
  }
}

/** HDF5 / NetCDF-4 datasets → packer input (several files: a time series, in order). */
export async function readHdf5(files: string[], opts: Hdf5Options = {}): Promise<InputDataset> {
  const opened = [];
  for (const f of files) opened.push(await hdf5Array(f, opts.array));
  const attrs = opened[0].attributes;
  const fillAttr = attrs._FillValue ?? attrs.missing_value;
  const fill =
    opts.fill ??
    (typeof fillAttr === "number"
      ? fillAttr
      : Array.isArray(fillAttr) && typeof fillAttr[0] === "number"
        ? fillAttr[0]
        : undefined);
  const units = opts.units ?? (typeof attrs.units === "string" ? attrs.units : undefined);
  const meta = attributesMetadata<Record<string, MetadataValue>>(attrs);
  return assembleSeries(
    opened.map((o) => o.stored),
    { ...opts, fill, units, metadata: { ...(meta ? { attributes: meta } : {}), ...opts.metadata } },
  );
}
