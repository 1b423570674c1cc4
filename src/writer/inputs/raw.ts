/**
 * Raw binary input: bare elements, x fastest, with dims, element type and
 * byte order given by the user. A file holds one timestep or several back to
 * back (its size must be a whole number of timesteps after the skipped header).
 */
import type { Vec3 } from "../../shared/types";
import { FileRangeStream, fileSize } from "./byte-stream";
import { inputError } from "./input-error";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import { parseTypeName } from "./source-dtype";
import type { StoredArray } from "./stored-array";

export interface RawOptions extends InputOptions {
  /** Grid size (nx, ny, nz); x varies fastest in the file. */
  dims: Vec3;
  /** Element type of the file: u8, u16, i16, u32, f32, f64, i32, ... or a NumPy code ("<f8"). */
  inputType: string;
  /** Byte order of multi-byte elements (default little). */
  endian?: "little" | "big";
  /** Bytes to skip at the start of every file (default 0). */
  headerBytes?: number;
}

export async function rawArray(file: string, opts: RawOptions): Promise<StoredArray> {
  const dtype = parseTypeName(opts.inputType, (opts.endian ?? "little") === "little");
  if (!dtype) throw inputError(`unsupported element type '${opts.inputType}'`, file);
  const [nx, ny, nz] = opts.dims;
  for (const d of opts.dims) {
    if (!Number.isSafeInteger(d) || d < 1) throw inputError(`invalid dims ${opts.dims.join(",")}`, file);
  }
  const size = await fileSize(file);
  const skip = opts.headerBytes ?? 0;
  const stepBytes = nx * ny * nz * dtype.size;
  const body = size - skip;
  if (body <= 0 || body % stepBytes !== 0) {
    throw inputError(
      `size ${size} (minus ${skip} header bytes) is not a whole number of ${nx}×${ny}×${nz} ${opts.inputType} timesteps (${stepBytes} bytes each)`,
      file,
      skip + Math.floor(Math.max(0, body) / stepBytes) * stepBytes,
    );
  }
  const steps = body / stepBytes;
  return {
    name: file,
    file,
    layout: { dtype, shape: steps > 1 ? [steps, nz, ny, nx] : [nz, ny, nx], fortranOrder: false },
    dataBytes: body,
    dataFileOffset: skip,
    open: () => FileRangeStream.open(file, skip, body),
  };
}

/** Raw files in the given order as a time series. */
export async function readRaw(files: string[], opts: RawOptions): Promise<InputDataset> {
  const arrays: StoredArray[] = [];
  for (const f of files) arrays.push(await rawArray(f, opts));
  return assembleSeries(arrays, { ...opts, axes: "zyx" });
}
