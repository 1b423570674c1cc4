/**
 * One array stored in an input file (a .npy, an .npz member, a raw file),
 * interpreted as a 3D grid or a time series of grids, read one timestep at a
 * time and converted to x-fastest order in the stored dtype.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { DType, TypedArray, Vec3 } from "../../shared/types";
import { allocTyped, bytesPerValue } from "../../shared/types";
import type { SlabReader } from "../pack-types";
import { arraySlabReader } from "../pyramid-slabs";
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
  /** File offset of the first element. */
  dataFileOffset?: number;
  /** The data at dataFileOffset is compressed (read it through `open`). */
  compressed?: boolean;
  /** A stream positioned at the first data byte. */
  open(): Promise<ByteStream>;
}

export interface Limits {
  /** Largest timestep (source or stored bytes) held at once, where a layout forces it (see arraySteps). Default 4 GiB. */
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
export function interpret(layout: ArrayLayout, axes: AxisOrder, file: string): Interpretation {
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
  const strides: Interpretation["strides"] = [
    memStride[pos[0]],
    memStride[pos[1]],
    memStride[pos[2]],
    four ? memStride[pos[3]] : voxels,
  ];
  return { dims, steps, strides };
}

/** True when the array streams slab by slab: x fastest, then y, z, and time outermost. */
export function streamsBySlab(it: Interpretation): boolean {
  const { dims, strides } = it;
  const voxels = dims[0] * dims[1] * dims[2];
  return (
    strides[0] === 1 &&
    strides[1] === dims[0] &&
    strides[2] === dims[0] * dims[1] &&
    (it.steps === 1 || strides[3] === voxels)
  );
}

/**
 * Timesteps of one stored array as SlabReaders: nothing of a timestep is held
 * beyond the slab asked for. Uncompressed data is read with positional reads
 * (bands of rows, any file size); streamed data (deflated members, array
 * libraries) is read forward, holding one slab of z layers. Layouts that are
 * not x-fastest with time outermost are read whole, once, within
 * `maxWholeBytes` (see readArraySteps).
 */
export async function* arraySteps(
  arr: StoredArray,
  it: Interpretation,
  target: DType,
  limits = DEFAULT_LIMITS,
): AsyncGenerator<SlabReader> {
  if (!streamsBySlab(it)) {
    const stepBytes = it.dims[0] * it.dims[1] * it.dims[2] * Math.max(arr.layout.dtype.size, 4);
    if (stepBytes > limits.maxStepBytes) {
      throw inputError(
        `one timestep of shape (${arr.layout.shape.join(", ")}) in this memory order needs ${stepBytes} bytes at once, over the limit ${limits.maxStepBytes}; store it C-ordered with x varying fastest`,
        arr.name,
      );
    }
    for await (const data of readArraySteps(arr, it, target, limits)) yield arraySlabReader(data, it.dims);
    return;
  }
  const { dims, steps } = it;
  const [nx, ny, nz] = dims;
  const size = arr.layout.dtype.size;
  const voxels = nx * ny * nz;
  const expected = voxels * steps * size;
  checkDataBytes(arr, expected);
  const decode = (bytes: Uint8Array, dataOffset: number) =>
    decodeElements(bytes, arr.layout.dtype, target, {
      file: arr.name,
      fileOffset: arr.dataFileOffset === undefined ? undefined : arr.dataFileOffset + dataOffset,
      dataOffset,
    });
  if (arr.dataFileOffset !== undefined && arr.compressed !== true) {
    const base = arr.dataFileOffset;
    const fd = openSync(arr.file, "r");
    let scratch: Uint8Array | undefined;
    try {
      for (let t = 0; t < steps; t++) {
        yield {
          dims,
          async read(z0, n, y0, h) {
            const rowBytes = nx * h * size;
            const whole = h === ny;
            // One buffer for every band (the packer is done with a band before it asks for the next).
            if (!scratch || scratch.length < rowBytes * n) scratch = new Uint8Array(rowBytes * n);
            const bytes = scratch.subarray(0, rowBytes * n);
            for (let z = 0; z < n; z += whole ? n : 1) {
              const at = (t * voxels + nx * (y0 + ny * (z0 + z))) * size;
              const len = whole ? rowBytes * n : rowBytes;
              readFully(fd, arr.name, bytes.subarray(z * rowBytes, z * rowBytes + len), base + at);
            }
            return decode(bytes, (t * voxels + nx * (y0 + ny * z0)) * size);
          },
        };
      }
    } finally {
      closeSync(fd);
    }
    return;
  }
  const stream = await arr.open();
  try {
    for (let t = 0; t < steps; t++) {
      // Forward only: the z layers of the current slab are kept to serve its y bands.
      let held: { z0: number; n: number; data: TypedArray } | undefined;
      let next = 0;
      yield {
        dims,
        async read(z0, n, y0, h) {
          if (!held || z0 !== held.z0 || n !== held.n) {
            if (z0 < next)
              throw inputError(
                `slab z ${z0} asked for after z ${next}: this input reads forward only`,
                arr.name,
              );
            if (z0 > next) await stream.read((z0 - next) * nx * ny * size);
            const pos = stream.position;
            held = { z0, n, data: decode(await stream.read(n * nx * ny * size), pos) };
            next = z0 + n;
          }
          return arraySlabReader(held.data, [nx, ny, n]).read(0, n, y0, h);
        },
      };
      if (next < nz) await stream.read((nz - next) * nx * ny * size);
    }
  } finally {
    await stream.close();
  }
}

/** The array's data must hold what its shape needs (checked before any read). */
function checkDataBytes(arr: StoredArray, expected: number): void {
  if (arr.dataBytes < expected) {
    throw inputError(
      `truncated: shape needs ${expected} data bytes (${describeSource(arr.layout.dtype)}), only ${arr.dataBytes} present`,
      arr.name,
      arr.dataFileOffset === undefined ? undefined : arr.dataFileOffset + arr.dataBytes,
    );
  }
}

function readFully(fd: number, file: string, dst: Uint8Array, position: number): void {
  let done = 0;
  while (done < dst.length) {
    const n = readSync(fd, dst, done, dst.length - done, position + done);
    if (n === 0) throw inputError(`truncated: file ends at ${position + done}`, file, position + done);
    done += n;
  }
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
  checkDataBytes(arr, expected);
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
