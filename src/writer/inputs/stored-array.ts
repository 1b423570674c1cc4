/**
 * One array stored in an input file (a .npy, an .npz member, a raw file),
 * interpreted as a 3D grid or a time series of grids, read one timestep at a
 * time and converted to x-fastest order in the stored dtype.
 */
import type { DType, TypedArray, Vec3 } from "../../shared/types";
import { allocTyped, bytesPerValue } from "../../shared/types";
import type { ByteStream } from "./byte-stream";
import { decodeElements } from "./convert";
import { inputError } from "./input-error";
import { describeSource, type SourceDType } from "./source-dtype";

/**
 * How array axes map to space and time. "zyx" (NumPy convention, default):
 * shape (nz, ny, nx) or (T, nz, ny, nx). "xyz": shape (nx, ny, nz) or
 * (nx, ny, nz, T), as written by Fortran/Julia codes in Fortran order.
 */
export type AxisOrder = "zyx" | "xyz";

export interface ArrayLayout {
  dtype: SourceDType;
  shape: number[];
  fortranOrder: boolean;
}

export interface StoredArray {
  /** Display name: file path, or "archive.npz:member". */
  name: string;
  file: string;
  layout: ArrayLayout;
  /** Bytes of array data (from the first element). */
  dataBytes: number;
  /** File offset of the first element, when stored uncompressed. */
  dataFileOffset?: number;
  /** A stream positioned at the first data byte. */
  open(): Promise<ByteStream>;
}

export interface Limits {
  /** Largest timestep (source or stored bytes) read at once. Default 4 GiB. */
  maxStepBytes: number;
  /** Largest array read whole when its time axis is not the slowest in memory. Default 2 GiB. */
  maxWholeBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxStepBytes: 4 * 2 ** 30, maxWholeBytes: 2 * 2 ** 30 };

export interface Interpretation {
  dims: Vec3;
  steps: number;
  /** Element strides in memory of x, y, z, t. */
  strides: [number, number, number, number];
}

/** Validate a shape and derive grid dims, timestep count and memory strides. */
export function interpret(
  layout: ArrayLayout,
  axes: AxisOrder,
  file: string,
  limits = DEFAULT_LIMITS,
): Interpretation {
  const { shape } = layout;
  if (shape.length !== 3 && shape.length !== 4) {
    throw inputError(
      `expected a 3D (nz, ny, nx) or 4D (T, nz, ny, nx) array, got shape (${shape.join(", ")})`,
      file,
    );
  }
  let total = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 1)
      throw inputError(`invalid dimension ${d} in shape (${shape.join(", ")})`, file);
    total *= d;
    if (!Number.isSafeInteger(total)) throw inputError(`shape (${shape.join(", ")}) is absurdly large`, file);
  }
  const memStride: number[] = new Array(shape.length);
  let s = 1;
  if (layout.fortranOrder) {
    for (let k = 0; k < shape.length; k++) {
      memStride[k] = s;
      s *= shape[k];
    }
  } else {
    for (let k = shape.length - 1; k >= 0; k--) {
      memStride[k] = s;
      s *= shape[k];
    }
  }
  // Positions of x, y, z, t in the shape.
  const four = shape.length === 4;
  const pos = axes === "zyx" ? (four ? [3, 2, 1, 0] : [2, 1, 0, -1]) : [0, 1, 2, four ? 3 : -1];
  const dims: Vec3 = [shape[pos[0]], shape[pos[1]], shape[pos[2]]];
  const steps = four ? shape[pos[3]] : 1;
  const voxels = dims[0] * dims[1] * dims[2];
  const stepBytes = voxels * Math.max(layout.dtype.size, 4);
  if (stepBytes > limits.maxStepBytes) {
    throw inputError(
      `one timestep of shape (${shape.join(", ")}) needs ${stepBytes} bytes, over the limit ${limits.maxStepBytes}`,
      file,
    );
  }
  const strides: Interpretation["strides"] = [
    memStride[pos[0]],
    memStride[pos[1]],
    memStride[pos[2]],
    four ? memStride[pos[3]] : voxels,
  ];
  return { dims, steps, strides };
}

/** Timesteps of one stored array, each a fresh x-fastest array of `target`. */
export async function* readArraySteps(
  arr: StoredArray,
  it: Interpretation,
  target: DType,
  limits = DEFAULT_LIMITS,
): AsyncGenerator<TypedArray> {
  const { dims, steps, strides } = it;
  const [nx, ny] = dims;
  const voxels = dims[0] * dims[1] * dims[2];
  const size = arr.layout.dtype.size;
  const expected = voxels * steps * size;
  if (arr.dataBytes < expected) {
    throw inputError(
      `truncated: shape needs ${expected} data bytes (${describeSource(arr.layout.dtype)}), only ${arr.dataBytes} present`,
      arr.name,
      arr.dataFileOffset === undefined ? undefined : arr.dataFileOffset + arr.dataBytes,
    );
  }
  const xFastest = strides[0] === 1 && strides[1] === nx && strides[2] === nx * ny;
  const stream = await arr.open();
  try {
    if (steps === 1 || strides[3] === voxels) {
      for (let t = 0; t < steps; t++) {
        const pos = stream.position;
        const bytes = await stream.read(voxels * size);
        const mem = decodeElements(bytes, arr.layout.dtype, target, {
          file: arr.name,
          fileOffset: stream.fileOffset(pos),
          dataOffset: pos,
        });
        yield xFastest ? mem : gather(mem, dims, strides, 0, target);
      }
      return;
    }
    // Time is not the slowest axis in memory: a timestep is scattered over the
    // whole array, so read it once (bounded) and gather each step from it.
    const whole = voxels * steps * Math.max(size, bytesPerValue(target));
    if (whole > limits.maxWholeBytes) {
      throw inputError(
        `time axis is not the slowest-varying in memory and the array (${whole} bytes) exceeds ${limits.maxWholeBytes}; store it with time as the outermost axis`,
        arr.file,
      );
    }
    const bytes = await stream.read(voxels * steps * size);
    const mem = decodeElements(bytes, arr.layout.dtype, target, {
      file: arr.name,
      fileOffset: stream.fileOffset(0),
      dataOffset: 0,
    });
    for (let t = 0; t < steps; t++) yield gather(mem, dims, strides, t, target);
  } finally {
    await stream.close();
  }
}

/** Copy timestep `t` out of a memory-ordered array into x-fastest order. */
export function gather(
  mem: TypedArray,
  dims: Vec3,
  strides: [number, number, number, number],
  t: number,
  target: DType,
): TypedArray {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz, st] = strides;
  const out = allocTyped(target, nx * ny * nz);
  let o = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      let m = t * st + y * sy + z * sz;
      for (let x = 0; x < nx; x++, m += sx) out[o++] = mem[m];
    }
  }
  return out;
}
