/**
 * The LOD pyramid of one field at one timestep, built slab by slab so memory
 * does not grow with the grid's depth: level 0 is read in bands (one brick
 * layer in z, a few brick rows in y, every x) and each band is downsampled
 * into the next level's slab buffer; a level's slab is handed on once it holds
 * a full brick layer (or the level ends), and cascades the same way. Every
 * chunk starts at a brick boundary, so downsampling chunk by chunk gives
 * exactly the values of downsampling the whole array (2×2×2 cells never
 * straddle two chunks). Each chunk's downsample is started before the chunk
 * is handed on, so it runs while the consumer works on the chunk.
 *
 * Memory: one level-0 band (≤ bandBytes) plus, per coarser level k, one slab
 * of (nx/2^k)·(ny/2^k)·B values: about a quarter of one level-0 slab in all;
 * plus, while a downsample runs, the copy it works on and its result (one
 * more band and an eighth of one).
 */
import type { LevelGeometry } from "../format/grid";
import { FlatvoxError } from "../shared/errors";
import { allocTyped, bytesPerValue, type DType, dtypeOf, type TypedArray, type Vec3 } from "../shared/types";
import type { SlabReader } from "./pack-types";

export interface PyramidChunk {
  level: number;
  /** x-fastest voxels of the chunk; valid until the next chunk is requested. */
  data: TypedArray;
  dims: Vec3;
  /** Level coordinates of the chunk's first voxel (x is always 0). */
  origin: Vec3;
  /** Level-0 input bytes this chunk brought in (0 for coarser levels). */
  inputBytes: number;
}

/**
 * 2×2×2 downsample. It must be done with `src` when it returns (copy it to
 * work on it later): the chunk is handed to the consumer meanwhile, and the
 * downsample runs while the consumer works on it (in the packer, on a worker).
 */
export type Downsample = (src: TypedArray, dims: Vec3) => Promise<TypedArray>;

/** Start `down` now; a failure surfaces where the result is awaited, never as an unhandled rejection. */
function start(down: Downsample, src: TypedArray, dims: Vec3): Promise<TypedArray> {
  const p = down(src, dims);
  p.catch(() => {});
  return p;
}

const CTORS: Record<DType, new (n: number) => TypedArray> = {
  u8: Uint8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  f32: Float32Array,
};

/** Brick rows per level-0 band so that a band holds at most `bandBytes` (at least one row). */
export function bandRows(dims: Vec3, B: number, dtype: DType, bandBytes: number): number {
  const row = dims[0] * B * Math.min(B, dims[2]) * bytesPerValue(dtype);
  return Math.max(1, Math.floor(bandBytes / row));
}

/** A SlabReader over a whole x-fastest array (bands with every y are views, others copies). */
export function arraySlabReader(a: TypedArray, dims: Vec3): SlabReader {
  const [nx, ny] = dims;
  return {
    dims,
    async read(z0, nz, y0, h) {
      if (y0 === 0 && h === ny) return a.subarray(z0 * nx * ny, (z0 + nz) * nx * ny);
      const out = allocTyped(dtypeOf(a), nx * h * nz);
      for (let z = 0; z < nz; z++) {
        const from = nx * (y0 + ny * (z0 + z));
        out.set(a.subarray(from, from + nx * h), nx * h * z);
      }
      return out;
    },
  };
}

interface SlabBuffer {
  buf: TypedArray;
  /** z layers held. */
  filled: number;
  /** Level z of the first layer. */
  z0: number;
}

/**
 * Chunks of every level, level 0 first within each slab, coarser levels as
 * their slabs complete. `name`/`t` only label errors.
 */
export async function* pyramidChunks(
  reader: SlabReader,
  geoms: LevelGeometry[],
  B: number,
  dtype: DType,
  down: Downsample,
  rows: number,
  label: { field: string; t: number },
): AsyncGenerator<PyramidChunk> {
  const L = geoms.length;
  const [nx, ny, nz] = geoms[0].dims;
  const bpv = bytesPerValue(dtype);
  const slabs: (SlabBuffer | undefined)[] = geoms.map((g, k) =>
    k === 0
      ? undefined
      : { buf: allocTyped(dtype, g.dims[0] * g.dims[1] * Math.min(B, g.dims[2])), filled: 0, z0: 0 },
  );
  /** Copy `d` (dims [mx, h, dz], rows y0.. of level k) into level k's slab at its next z layer. */
  const place = (k: number, d: TypedArray, h: number, dz: number, y0: number) => {
    const s = slabs[k]!;
    const [mx, my] = geoms[k].dims;
    for (let z = 0; z < dz; z++) {
      s.buf.set(d.subarray(z * mx * h, (z + 1) * mx * h), mx * (y0 + my * (s.filled + z)));
    }
  };
  for (let z0 = 0; z0 < nz; z0 += B) {
    const sz = Math.min(B, nz - z0);
    for (let y0 = 0; y0 < ny; y0 += rows * B) {
      const h = Math.min(rows * B, ny - y0);
      let data: TypedArray;
      try {
        data = await reader.read(z0, sz, y0, h);
      } catch (e) {
        if (e instanceof FlatvoxError) throw e;
        throw new FlatvoxError(
          "InputError",
          `field ${label.field}, timestep ${label.t}: reading z ${z0}..${z0 + sz - 1}, y ${y0}..${y0 + h - 1} failed: ${(e as Error)?.message ?? e}`,
          { step: label.t },
        );
      }
      if (!(data instanceof CTORS[dtype]) || data.length !== nx * h * sz) {
        throw new FlatvoxError(
          "InputError",
          `field ${label.field}, timestep ${label.t}: the input gave ${data?.length} values of ${data?.constructor?.name} for z ${z0}+${sz}, y ${y0}+${h}; expected ${nx * h * sz} ${dtype}`,
          { step: label.t },
        );
      }
      const next = L > 1 ? start(down, data, [nx, h, sz]) : undefined;
      yield { level: 0, data, dims: [nx, h, sz], origin: [0, y0, z0], inputBytes: data.length * bpv };
      if (next) place(1, await next, Math.ceil(h / 2), Math.ceil(sz / 2), y0 / 2);
    }
    if (L === 1) continue;
    slabs[1]!.filled += Math.ceil(sz / 2);
    const final = z0 + sz >= nz;
    for (let k = 1; k < L; k++) {
      const s = slabs[k]!;
      if (s.filled === 0 || (s.filled < B && !final)) break;
      const [mx, my] = geoms[k].dims;
      const data = s.buf.subarray(0, mx * my * s.filled);
      const dims: Vec3 = [mx, my, s.filled];
      const next = k + 1 < L ? start(down, data, dims) : undefined;
      yield { level: k, data, dims, origin: [0, 0, s.z0], inputBytes: 0 };
      if (next) {
        place(k + 1, await next, Math.ceil(my / 2), Math.ceil(s.filled / 2), 0);
        slabs[k + 1]!.filled += Math.ceil(s.filled / 2);
      }
      s.z0 += s.filled;
      s.filled = 0;
    }
  }
}
