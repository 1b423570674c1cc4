/**
 * The JS twins behind the CoreOps interface, on a JS CoreMemory: the same
 * pointer-based calls as the WASM exports. Used where WASM SIMD is missing
 * and as the oracle in property tests.
 */

import { xxhash32 } from "../format/xxhash32";
import type { DType } from "../shared/types";
import { sbbfInsertJs, sbbfProbeJs } from "./bloom-js";
import { normalizeToHalf, widenToF32Js } from "./convert-js";
import type { CoreMemory } from "./core-memory";
import type { CoreOps } from "./core-ops";
import { downsampleMean, downsampleMode, shuffle, unshuffle } from "./filters";
import { selectLodJs } from "./lod-js";
import { brickBlockMax } from "./occupancy-js";
import { RayJs } from "./ray-js";
import { regionStatsJs } from "./stats-js";
import { xxhash64 } from "./xxhash64";

const DTYPES: DType[] = ["u8", "u16", "i16", "u32", "f32"];
const SIZES = [1, 2, 2, 4, 4];

export function createJsOps(mem: CoreMemory): CoreOps {
  /** A byte filter from core memory at `src` to `dst` (`len` bytes of `size`-byte elements). */
  const bytesFilter = (
    f: (src: Uint8Array, size: number, dst: Uint8Array<ArrayBuffer>) => Uint8Array,
    src: number,
    dst: number,
    len: number,
    size: number,
  ) => {
    const u8 = mem.views().u8;
    f(u8.subarray(src, src + len), Math.max(1, size), u8.subarray(dst, dst + len) as Uint8Array<ArrayBuffer>);
  };
  const ray = new RayJs();
  const typed = (ptr: number, dtype: number, n: number) => mem.view(DTYPES[dtype], ptr, n);
  const writeHash = (out: number, i: number, h: bigint) => {
    const u32 = mem.views().u32;
    u32[(out >> 2) + 2 * i] = Number(h & 0xffffffffn);
    u32[(out >> 2) + 2 * i + 1] = Number(h >> 32n);
  };
  return {
    sbbfInsert(filter, numBlocks, hashes, n) {
      const u32 = mem.views().u32;
      sbbfInsertJs(u32, filter >> 2, numBlocks, u32, hashes >> 2, n);
    },
    sbbfProbe(filter, numBlocks, hashes, n, out) {
      const v = mem.views();
      return sbbfProbeJs(v.u32, filter >> 2, numBlocks, v.u32, hashes >> 2, n, v.u8, out);
    },
    hashKeys(data, offsets, n, out) {
      const v = mem.views();
      for (let i = 0; i < n; i++) {
        const a = v.u32[(offsets >> 2) + i];
        const b = v.u32[(offsets >> 2) + i + 1];
        writeHash(out, i, xxhash64(v.u8.subarray(data + a, data + b)));
      }
    },
    unshuffle: (src, dst, len, size) => bytesFilter(unshuffle, src, dst, len, size),
    shuffle: (src, dst, len, size) => bytesFilter(shuffle, src, dst, len, size),
    xorDelta(src, ref, dst, len) {
      const u8 = mem.views().u8;
      for (let i = 0; i < len; i++) u8[dst + i] = u8[src + i] ^ u8[ref + i];
    },
    xxhash32: (p, len, seed) => xxhash32(mem.views().u8.subarray(p, p + len), seed),
    widenF32(src, dtype, n, dst, scale, bias) {
      widenToF32Js(typed(src, dtype, n), mem.view("f32", dst, n) as Float32Array, scale, bias);
    },
    halfNormalize(src, dtype, n, dst, lo, scale) {
      normalizeToHalf(typed(src, dtype, n), lo, scale, mem.view("u16", dst, n) as Uint16Array);
    },
    blockMax(src, dtype, nx, ny, nz, level, dst) {
      const bm = brickBlockMax(typed(src, dtype, nx * ny * nz), [nx, ny, nz], level);
      mem.view("f32", dst, bm.max.length).set(bm.max);
    },
    downsampleMean(src, dtype, nx, ny, nz, dst) {
      const r = downsampleMean(typed(src, dtype, nx * ny * nz), [nx, ny, nz], DTYPES[dtype]);
      typed(dst, dtype, r.length).set(r);
    },
    downsampleMode(src, dtype, nx, ny, nz, dst) {
      const r = downsampleMode(typed(src, dtype, nx * ny * nz), [nx, ny, nz], DTYPES[dtype]);
      typed(dst, dtype, r.length).set(r);
    },
    regionStats(src, dtype, nx, ny, x0, y0, z0, x1, y1, z1, bins, lo, hi, out) {
      const v = mem.views();
      const n = Math.floor((v.buffer.byteLength - src) / SIZES[dtype]);
      const query = { nx, ny, x0, y0, z0, x1, y1, z1, bins, lo, hi };
      regionStatsJs(typed(src, dtype, n), query, v.f64, out >> 3, v.u32, (out + 64) >> 2);
    },
    // Same arguments as the WASM exports, plus this memory's views.
    rayBrick: (...args) => ray.rayBrick(mem.views(), ...args),
    rayOctree: (...args) => ray.rayOctree(mem.views(), ...args),
    selectLod(nodes, root, params, _heap, out) {
      return selectLodJs(mem.views(), nodes, root, params, out);
    },
  };
}
