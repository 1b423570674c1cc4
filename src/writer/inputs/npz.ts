/**
 * NumPy .npz input: a zip of .npy members, stored or deflated. Each array is a
 * field of one dataset (`np.savez(f, rho=..., T=...)` → fields rho and T), 3D
 * or 4D (T, nz, ny, nx); several files are a time series. With
 * `arraysAsTime` the arrays are instead the timesteps of one field (natural
 * name order, or the order named). Deflated members are inflated as a stream
 * (zlib), one timestep at a time, never beyond their declared size.
 */

import { basename } from "node:path";
import type { FieldKind } from "../../shared/types";
import type { SlabReader } from "../pack-types";
import { type ByteStream, FileRangeStream, fileSize, InflateStream, openFile } from "./byte-stream";
import { assembleFields, type InputFile, type InputVariable } from "./fields";
import { inputError } from "./input-error";
import { MAX_HEADER_BYTES, NPY_PREAMBLE, npyPrefixLength, parseNpyHeader } from "./npy-header";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import { defaultTarget } from "./source-dtype";
import type { Interpretation, Limits, StoredArray } from "./stored-array";
import { arraySteps, DEFAULT_LIMITS, interpret } from "./stored-array";
import { memberDataOffset, readZipDirectory, type ZipMember } from "./zip-directory";

export interface NpzOptions extends InputOptions {
  /** Array names (without ".npy") to use, in this order; default all, in natural order. */
  arrays?: string[];
  /** The arrays are the timesteps of one field (the format's behaviour before fields). */
  arraysAsTime?: boolean;
}

/** Stored arrays of an .npz file, in time order. */
export async function npzArrays(file: string, names?: string[]): Promise<StoredArray[]> {
  const size = await fileSize(file);
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

/**
 * A member array as a field, read through the stored-array slab readers: a
 * stored member by positioned reads, a deflated one inflated forward holding
 * one slab of z layers (an earlier slab or timestep restarts the member).
 */
function memberVariable(
  arr: StoredArray,
  it: Interpretation,
  name: string,
  kind: FieldKind,
  limits: Limits,
): InputVariable {
  const dtype = defaultTarget(arr.layout.dtype, kind);
  let gen: AsyncGenerator<SlabReader> | undefined;
  let cur = -1;
  let reader: SlabReader | undefined;
  let last: [number, number] | undefined;
  const restart = async () => {
    await gen?.return(undefined);
    gen = arraySteps(arr, it, dtype, limits);
    cur = -1;
    reader = undefined;
    last = undefined;
  };
  return {
    name,
    file: arr.name,
    dims: it.dims,
    steps: it.steps,
    dtype,
    kind,
    sourceBytes: arr.layout.dtype.size,
    async read(t, z0, nz, y0, ny) {
      const backward =
        t === cur && last !== undefined && z0 < last[0] + last[1] && !(z0 === last[0] && nz === last[1]);
      if (!gen || t < cur || backward) await restart();
      while (cur < t) {
        const r = await (gen as AsyncGenerator<SlabReader>).next();
        if (r.done) throw inputError(`timestep ${t} missing`, arr.name);
        reader = r.value;
        cur++;
        last = undefined;
      }
      last = [z0, nz];
      return (reader as SlabReader).read(z0, nz, y0, ny);
    },
    async close() {
      await gen?.return(undefined);
      gen = undefined;
      cur = -1;
      reader = undefined;
    },
  };
}

/** One .npz file's arrays as fields (those on the common grid; the others noted, or refused when named). */
async function npzInputFile(file: string, opts: NpzOptions, limits: Limits): Promise<InputFile> {
  const arrays = await npzArrays(file, opts.arrays);
  const axes = opts.axes ?? "zyx";
  const kind = opts.kind ?? "scalar";
  const parts: { arr: StoredArray; it: Interpretation; name: string }[] = [];
  const skipped: string[] = [];
  for (const arr of arrays) {
    const name = arr.name.slice(file.length + 1).replace(/\.npy$/, "");
    const nd = arr.layout.shape.length;
    if (nd !== 3 && nd !== 4) {
      if (opts.arrays) interpret(arr.layout, axes, arr.name); // throws, naming the shape
      skipped.push(`${name} (shape ${arr.layout.shape.join("×") || "scalar"})`);
      continue;
    }
    parts.push({ arr, it: interpret(arr.layout, axes, arr.name), name });
  }
  if (parts.length === 0)
    throw inputError(`no 3D or 4D array in the archive (has: ${skipped.join(", ")})`, file);
  const key = (it: Interpretation) => `${it.dims.join("×")}, ${it.steps} step${it.steps === 1 ? "" : "s"}`;
  const counts = new Map<string, number>();
  for (const p of parts) counts.set(key(p.it), (counts.get(key(p.it)) ?? 0) + 1);
  let common = key(parts[0].it);
  for (const [k, n] of counts) if (n > (counts.get(common) ?? 0)) common = k;
  const off = parts.filter((p) => key(p.it) !== common);
  if (off.length && opts.arrays)
    throw inputError(
      `arrays on different grids: ${parts.map((p) => `${p.name} (${key(p.it)})`).join(", ")}; pick one grid with --array, or --arrays-as-time if they are timesteps`,
      file,
    );
  for (const p of off) skipped.push(`${p.name} (grid ${key(p.it)})`);
  const chosen = parts.filter((p) => key(p.it) === common);
  return {
    file,
    variables: chosen.map((p) => memberVariable(p.arr, p.it, p.name, kind, limits)),
    ...(skipped.length
      ? { notes: [`${basename(file)}: not packed (not on the common grid): ${skipped.join(", ")}`] }
      : {}),
  };
}

/**
 * One or more .npz files: each array a field, files a time series. With
 * `arraysAsTime`, every array is a timestep of one field (members of each file
 * in order, files in the given order).
 */
export async function readNpz(files: string[], opts: NpzOptions = {}): Promise<InputDataset> {
  if (opts.arraysAsTime) {
    const arrays: StoredArray[] = [];
    for (const f of files) arrays.push(...(await npzArrays(f, opts.arrays)));
    return assembleSeries(arrays, opts);
  }
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const inputs: InputFile[] = [];
  for (const f of files) inputs.push(await npzInputFile(f, opts, limits));
  return assembleFields(inputs, opts);
}
