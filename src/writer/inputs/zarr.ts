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
import type { ByteStream } from "./byte-stream";
import { inputError } from "./input-error";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import { parseTypeName, type SourceDType } from "./source-dtype";
import type { StoredArray } from "./stored-array";

export interface ZarrOptions extends InputOptions {
  /** Path of the array inside the store (default: the store's root is the array). */
  array?: string;
}

type ZArray = zarr.Array<zarr.DataType, FileSystemStore>;

/** The attributes, when they serialise to a modest JSON object (they go into the header). */
function attributes(attrs: Record<string, unknown>): Record<string, MetadataValue> | undefined {
  try {
    const text = JSON.stringify(attrs);
    if (!text || text === "{}" || text.length > 16384) return undefined;
    return JSON.parse(text) as Record<string, MetadataValue>;
  } catch {
    return undefined;
  }
}

/** C-order bytes of the whole array, produced one first-axis slab at a time. */
class ZarrSlabStream implements ByteStream {
  position = 0;
  private next = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly arr: ZArray,
    readonly file: string,
  ) {}

  private async slab(): Promise<Uint8Array> {
    const i = this.next++;
    const selection = [i, ...this.arr.shape.slice(1).map(() => null)];
    let chunk: { data: unknown };
    try {
      chunk = await zarr.get(this.arr, selection);
    } catch (e) {
      throw inputError(`cannot read slab ${i} of the array: ${(e as Error).message}`, this.file, undefined, {
        slab: i,
      });
    }
    const data = chunk.data as ArrayBufferView;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.pendingBytes < n) {
      if (this.next >= this.arr.shape[0]) {
        throw inputError(
          `truncated: the array ends after ${this.position + this.pendingBytes} bytes`,
          this.file,
        );
      }
      const s = await this.slab();
      this.pending.push(s);
      this.pendingBytes += s.length;
    }
    const out =
      this.pending.length === 1 && this.pending[0].length === n ? this.pending[0] : new Uint8Array(n);
    if (out !== this.pending[0]) {
      let o = 0;
      while (o < n) {
        const head = this.pending[0];
        const take = Math.min(head.length, n - o);
        out.set(head.subarray(0, take), o);
        o += take;
        if (take === head.length) this.pending.shift();
        else this.pending[0] = head.subarray(take);
      }
    } else this.pending.shift();
    this.pendingBytes -= n;
    this.position += n;
    return out;
  }

  fileOffset(): number | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.pending = [];
  }
}

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
  const count = arr.shape.reduce((a, b) => a * b, 1);
  const stored: StoredArray = {
    name,
    file: join(storePath, arrayPath),
    layout: { dtype, shape: [...arr.shape], fortranOrder: false },
    dataBytes: count * dtype.size,
    open: async () => new ZarrSlabStream(arr, name),
  };
  return { stored, arr };
}

/** Zarr arrays → packer input (several stores: a time series, in order). */
export async function readZarr(stores: string[], opts: ZarrOptions = {}): Promise<InputDataset> {
  const opened = [];
  for (const s of stores) opened.push(await zarrArray(s, opts.array));
  const first = opened[0].arr;
  const fill = opts.fill ?? (typeof first.fillValue === "number" ? first.fillValue : undefined);
  const attrs = attributes(first.attrs as Record<string, unknown>);
  return assembleSeries(
    opened.map((o) => o.stored),
    {
      ...opts,
      fill,
      metadata: { ...(attrs ? { attributes: attrs } : {}), ...opts.metadata },
    },
  );
}
