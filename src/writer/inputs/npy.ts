/**
 * NumPy .npy input: header read with a few positional reads, data streamed one
 * timestep at a time (a 4D file is never read whole unless its time axis is
 * not the outermost in memory, see stored-array.ts).
 */
import { FileRangeStream, fileSize, openFile, readAt } from "./byte-stream";
import { inputError } from "./input-error";
import { NPY_PREAMBLE, npyPrefixLength, parseNpyHeader } from "./npy-header";
import { assembleSeries, type InputDataset, type InputOptions } from "./series";
import type { StoredArray } from "./stored-array";

/** Describe one .npy file as a stored array (reads only its header). */
export async function npyArray(file: string): Promise<StoredArray> {
  const size = await fileSize(file);
  const fh = await openFile(file);
  let header: ReturnType<typeof parseNpyHeader>;
  try {
    if (size < 10) throw inputError(`not a .npy file: only ${size} bytes`, file, 0);
    const pre = await readAt(fh, file, 0, Math.min(NPY_PREAMBLE, size));
    const prefix = npyPrefixLength(pre, file);
    if (prefix > size)
      throw inputError(`truncated .npy header: needs ${prefix} bytes, file has ${size}`, file, size);
    header = parseNpyHeader(await readAt(fh, file, 0, prefix), file);
  } finally {
    await fh.close();
  }
  const { dataOffset } = header;
  return {
    name: file,
    file,
    layout: { dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder },
    dataBytes: size - dataOffset,
    dataFileOffset: dataOffset,
    open: () => FileRangeStream.open(file, dataOffset, size - dataOffset),
  };
}

/** One or more .npy files (3D each = one timestep, or 4D) as a time series in the given order. */
export async function readNpy(files: string[], opts: InputOptions = {}): Promise<InputDataset> {
  const arrays: StoredArray[] = [];
  for (const f of files) arrays.push(await npyArray(f));
  return assembleSeries(arrays, opts);
}
