/**
 * Command-line options that `flatvox pack`, `demo` and `append` share: how a
 * raw binary input is read, and how the bricks are encoded and written.
 */
import type { Command } from "commander";

/** Raw binary inputs (and the stored dtype of every input kind). */
export interface RawInputCliOptions {
  dims?: string;
  dtype?: string;
  store?: string;
  endian?: string;
  headerBytes?: string;
}

/** Brick encoding, the probe index and partial packs. */
export interface EncodingCliOptions {
  brick?: string;
  level?: string;
  workers?: string;
  delta?: boolean;
  probe?: boolean;
  probeChunk?: string;
  probeGroup?: string;
  /** I/N: pack only part I of N (a contiguous range of timesteps) for `flatvox merge`. */
  part?: string;
  quiet?: boolean;
}

/** `storeDefault`: what the stored dtype is when --store and --dtype are not given. */
export function addRawInputOptions(cmd: Command, storeDefault = "derived from the input type"): Command {
  return cmd
    .option("--dims <nx,ny,nz>", "raw: grid size (x varies fastest in the file)")
    .option(
      "--dtype <type>",
      "raw: the file's element type (u8 u16 i16 u32 f32 f64 i32 i64 u64 or a NumPy code like >f8); npy/npz: dtype to store",
    )
    .option("--store <dtype>", `stored dtype (u8 u16 i16 u32 f32); default ${storeDefault}`)
    .option("--endian <order>", "raw: little or big", "little")
    .option("--header-bytes <n>", "raw: bytes to skip at the start of each file", "0");
}

export function addEncodingOptions(cmd: Command): Command {
  return cmd
    .option("--brick <n>", "brick edge in voxels, power of two 16..256", "64")
    .option("--level <n>", "zstd level")
    .option("--workers <n>", "compression worker threads")
    .option("--no-delta", "never store delta bricks")
    .option("--probe", "also write the probe index: values over time in a few reads (docs/FORMAT.md §16)")
    .option(
      "--probe-chunk <n>",
      "probe index chunk edge, power of two 4..brick (default 16; implies --probe)",
    )
    .option("--probe-group <n>", "timesteps per probe chunk, 1..256 (default min(T, 64); implies --probe)")
    .option(
      "--part <I/N>",
      "pack only part I of N (0-based; a contiguous range of timesteps) for `flatvox merge`",
    )
    .option("-q, --quiet", "no progress, no summary");
}
