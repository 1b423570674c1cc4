/**
 * Zarr v2 and v3 arrays as packer input, read with zarrita from a directory
 * store. The array is streamed in C order one slab of its first axis at a
 * time (a timestep for (T, nz, ny, nx) arrays), so the packer sees the same
 * StoredArray as for .npy files: the same axis conventions, dtype defaults,
 * range checks and memory bounds.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import type { MetadataValue } from "../pack-types";
import { inputError } from "./input-error";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import { attributesMetadata, SlabStream } from "./slab-stream";
import { parseTypeName, type SourceDType } from "./source-dtype";
import type { StoredArray } from "./stored-array";

export interface ZarrOptions extends InputOptions {
  /** Path of the array inside the store (default: the store's root is the array). */
  array?: string;
}

type ZArray = zarr.Array<zarr.DataType, FileSystemStore>;

/** Open one array of a directory store as a StoredArray (its element type checked). */
export async function zarrArray(
  storePath: string,
  arrayPath = "",
): Promise<{ stored: StoredArray; arr: ZArray }> {
  const name = arrayPath ? `${storePath}:${arrayPath}` : storePath;
  const st = await stat(storePath).catch(() => undefined);
  if (!st?.isDirectory()) throw inputError("not a Zarr store (expected a directory)", storePath);
  const store = new FileSystemStore(storePath);
  let node: Awaited<ReturnType<typeof zarr.open>>;
  try {
    node = await zarr.open(zarr.root(store).resolve(arrayPath || "/"));
  } catch (e) {
    throw inputError(`not a Zarr v2 or v3 array or group: ${(e as Error).message}`, name);
  }
  if (!(node instanceof zarr.Array)) {
    throw inputError("this is a Zarr group: name the array inside it with --array <path>", name);
  }
  const arr = node as ZArray;
  const dtype: SourceDType | undefined = typeof arr.dtype === "string" ? parseTypeName(arr.dtype) : undefined;
  if (!dtype) throw inputError(`unsupported Zarr data type ${String(arr.dtype)}`, name);
  if (!Array.isArray(arr.shape) || !arr.shape.every((n) => Number.isSafeInteger(n) && n >= 0))
    throw inputError(`bad Zarr array shape ${JSON.stringify(arr.shape)}`, name);
  const count = arr.shape.reduce((a, b) => a * b, 1);
  const stored: StoredArray = {
    name,
    file: join(storePath, arrayPath),
    layout: { dtype, shape: [...arr.shape], fortranOrder: false },
    dataBytes: count * dtype.size,
    open: async () =>
      new SlabStream(name, arr.shape[0], async (i) => {
        const chunk = await zarr.get(arr, [i, ...arr.shape.slice(1).map(() => null)]);
        return chunk.data as ArrayBufferView;
      }),
  };
  return { stored, arr };
}

/** Zarr arrays → packer input (several stores: a time series, in order). */
export async function readZarr(stores: string[], opts: ZarrOptions = {}): Promise<InputDataset> {
  const opened = [];
  for (const s of stores) opened.push(await zarrArray(s, opts.array));
  const first = opened[0].arr;
  const fill = opts.fill ?? (typeof first.fillValue === "number" ? first.fillValue : undefined);
  const attrs = attributesMetadata<Record<string, MetadataValue>>(first.attrs as Record<string, unknown>);
  return assembleSeries(
    opened.map((o) => o.stored),
    {
      ...opts,
      fill,
      metadata: { ...(attrs ? { attributes: attrs } : {}), ...opts.metadata },
    },
  );
}
