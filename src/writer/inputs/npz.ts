/**
 * NumPy .npz input: a zip of .npy members, stored or deflated. Either one
 * array per timestep (members in natural name order, or the names given) or a
 * single 4D array. Deflated members are inflated as a stream (zlib), one timestep at
 * a time, never beyond their declared size.
 */
import { stat } from "node:fs/promises";
import { type ByteStream, FileRangeStream, InflateStream, openFile } from "./byte-stream";
import { inputError } from "./input-error";
import { MAX_HEADER_BYTES, NPY_PREAMBLE, npyPrefixLength, parseNpyHeader } from "./npy-header";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import type { StoredArray } from "./stored-array";
import { memberDataOffset, readZipDirectory, type ZipMember } from "./zip-directory";

export interface NpzOptions extends InputOptions {
  /** Array names (without ".npy") to use, in this order; default all, in natural order. */
  arrays?: string[];
}

/** Stored arrays of an .npz file, in time order. */
export async function npzArrays(file: string, names?: string[]): Promise<StoredArray[]> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw inputError(`cannot open: ${(e as Error).message}`, file);
  }
  const fh = await openFile(file);
  try {
    const all = (await readZipDirectory(fh, file, size)).filter((m) => m.name.endsWith(".npy"));
    const byName = new Map(all.map((m) => [m.name.slice(0, -4), m]));
    let chosen: ZipMember[];
    if (names) {
      chosen = names.map((n) => {
        const m = byName.get(n);
        if (!m) throw inputError(`no array '${n}' (has: ${[...byName.keys()].join(", ")})`, file);
        return m;
      });
    } else {
      chosen = [...all].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    }
    if (chosen.length === 0) throw inputError("archive holds no .npy arrays", file);
    const arrays: StoredArray[] = [];
    for (const m of chosen) {
      if (m.method !== 0 && m.method !== 8) {
        throw inputError(
          `zip member ${m.name} uses compression method ${m.method} (only stored and deflate)`,
          file,
        );
      }
      const start = await memberDataOffset(fh, file, m, size);
      const label = `${file}:${m.name}`;
      const openMember = (): Promise<ByteStream> =>
        m.method === 0
          ? FileRangeStream.open(file, start, m.compressedSize)
          : InflateStream.open(file, start, m.compressedSize, m.size, m.crc);
      if (m.method === 0 && m.size !== m.compressedSize) {
        throw inputError(`stored zip member ${m.name} has mismatched sizes`, file, m.localHeaderOffset);
      }
      // The member's .npy header, read through the same stream kind as its data.
      const s = await openMember();
      let header: ReturnType<typeof parseNpyHeader>;
      try {
        const pre = await s.read(Math.min(NPY_PREAMBLE, m.size));
        const prefix = npyPrefixLength(pre, label);
        if (prefix > MAX_HEADER_BYTES || prefix > m.size)
          throw inputError("truncated .npy header", label, start);
        const rest = await s.read(prefix - pre.length);
        const whole = new Uint8Array(prefix);
        whole.set(pre);
        whole.set(rest, pre.length);
        header = parseNpyHeader(whole, label);
      } finally {
        await s.close();
      }
      const dataOffset = header.dataOffset;
      arrays.push({
        name: label,
        file,
        layout: { dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder },
        dataBytes: m.size - dataOffset,
        dataFileOffset: m.method === 0 ? start + dataOffset : undefined,
        open: async () => {
          if (m.method === 0) return FileRangeStream.open(file, start + dataOffset, m.size - dataOffset);
          const stream = await openMember();
          await stream.read(dataOffset); // inflate past the header; the CRC covers the whole member
          return stream;
        },
      });
    }
    return arrays;
  } finally {
    await fh.close();
  }
}

/** One or more .npz files as a time series (members of each file in order, files in the given order). */
export async function readNpz(files: string[], opts: NpzOptions = {}): Promise<InputDataset> {
  const arrays: StoredArray[] = [];
  for (const f of files) arrays.push(...(await npzArrays(f, opts.arrays)));
  return assembleSeries(arrays, opts);
}
