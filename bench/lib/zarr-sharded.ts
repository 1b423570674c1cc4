/**
 * Writes the level-0 bricks of a .fvx field as a Zarr v3 array with the
 * sharding codec (zarrita cannot write sharded arrays), so readers of both
 * formats can be compared on the very same bricks.
 *
 * Layout, per the Zarr v3 core spec and the sharding_indexed codec spec:
 *  - array shape [T, nz, ny, nx] (C order: x fastest, like .fvx);
 *  - one shard per timestep: shard shape [1, ⌈nz/B⌉B, ⌈ny/B⌉B, ⌈nx/B⌉B];
 *  - inner chunks [1, B, B, B] = the .fvx bricks, codecs bytes(little) + zstd;
 *    edge chunks padded with the fill value; chunks entirely equal to the fill
 *    value are not stored (index entry 2^64−1, 2^64−1), as zarr-python does;
 *  - chunks in C order of their grid position, then the index at the end:
 *    uint64 (offset, nbytes) per inner chunk, bytes(little) + crc32c;
 *  - shard keys `c/<t>/0/0/0` (default chunk key encoding, "/").
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCompressor } from "../../src/format/zstd-compress";
import type { Dataset } from "../../src/reader";
import { allocTyped, asBytes, type DType, type TypedArray } from "../../src/shared/types";
import { crc32c } from "./crc32c";

const ZARR_DTYPE: Record<DType, string> = {
  u8: "uint8",
  u16: "uint16",
  i16: "int16",
  u32: "uint32",
  f32: "float32",
};

export interface ZarrWriteReport {
  dir: string;
  shards: number;
  chunks: number;
  emptyChunks: number;
  bytes: number;
}

function jsonFill(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

function allBitsEqual(a: TypedArray, fill: TypedArray): boolean {
  const bytes = asBytes(a);
  const f = asBytes(fill);
  const w = f.length;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== f[i % w]) return false;
  return true;
}

/** Write field `field` of `ds` (every timestep, level 0) as a sharded Zarr v3 array at `dir`. */
export async function writeShardedZarr(
  ds: Dataset,
  field: number,
  dir: string,
  zstdLevel = 1,
): Promise<ZarrWriteReport> {
  const { dims, brickSize: B, times } = ds.info;
  const f = ds.info.fields[field];
  const grid = ds.info.levels[0].bricks; // [bx, by, bz] counts
  const { compress } = await loadCompressor();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const meta = {
    zarr_format: 3,
    node_type: "array",
    shape: [times.length, dims[2], dims[1], dims[0]],
    data_type: ZARR_DTYPE[f.dtype],
    chunk_grid: {
      name: "regular",
      configuration: { chunk_shape: [1, grid[2] * B, grid[1] * B, grid[0] * B] },
    },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: jsonFill(f.fill ?? 0),
    codecs: [
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [1, B, B, B],
          codecs: [
            { name: "bytes", configuration: { endian: "little" } },
            { name: "zstd", configuration: { level: zstdLevel, checksum: false } },
          ],
          index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
          index_location: "end",
        },
      },
    ],
    attributes: { source: `flatvox bench: level-0 bricks of field ${f.name}` },
    dimension_names: ["t", "z", "y", "x"],
  };
  writeFileSync(join(dir, "zarr.json"), JSON.stringify(meta, null, 2));

  const fillOne = allocTyped(f.dtype, 1);
  fillOne[0] = f.fill ?? 0;
  const report: ZarrWriteReport = { dir, shards: 0, chunks: 0, emptyChunks: 0, bytes: 0 };
  const nChunks = grid[0] * grid[1] * grid[2];
  for (let t = 0; t < times.length; t++) {
    const parts: Uint8Array[] = [];
    const index = new DataView(new ArrayBuffer(nChunks * 16));
    let offset = 0;
    let i = 0;
    for (let bz = 0; bz < grid[2]; bz++)
      for (let by = 0; by < grid[1]; by++)
        for (let bx = 0; bx < grid[0]; bx++, i++) {
          const { data, dims: d } = await ds.readBrick({ field, t, level: 0, brick: [bx, by, bz] });
          const chunk = allocTyped(f.dtype, B * B * B);
          if (d[0] === B && d[1] === B && d[2] === B) chunk.set(data);
          else {
            chunk.fill(f.fill ?? 0);
            for (let z = 0; z < d[2]; z++)
              for (let y = 0; y < d[1]; y++) {
                const src = data.subarray(d[0] * (y + d[1] * z), d[0] * (y + d[1] * z) + d[0]);
                chunk.set(src, B * (y + B * z));
              }
          }
          report.chunks++;
          if (allBitsEqual(chunk, fillOne)) {
            index.setBigUint64(i * 16, 0xffffffffffffffffn, true);
            index.setBigUint64(i * 16 + 8, 0xffffffffffffffffn, true);
            report.emptyChunks++;
            continue;
          }
          const stored = compress(asBytes(chunk), zstdLevel);
          index.setBigUint64(i * 16, BigInt(offset), true);
          index.setBigUint64(i * 16 + 8, BigInt(stored.length), true);
          parts.push(stored);
          offset += stored.length;
        }
    const indexBytes = new Uint8Array(index.buffer);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32c(indexBytes), true);
    parts.push(indexBytes, crc);
    const shardDir = join(dir, "c", String(t), "0", "0");
    mkdirSync(shardDir, { recursive: true });
    const shard = Buffer.concat(parts);
    writeFileSync(join(shardDir, "0"), shard);
    report.shards++;
    report.bytes += shard.length;
  }
  return report;
}
