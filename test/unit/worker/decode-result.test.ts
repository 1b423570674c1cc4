/** The in-thread decode hands back the frame's own decoded buffer: it must be private, whole and right. */
import { beforeAll, describe, expect, it } from "vitest";
import { shuffle as shuffleBytes } from "../../../src/core/filters";
import { Encoding } from "../../../src/format/constants";
import { loadCompressor } from "../../../src/format/zstd-compress";
import { asBytes } from "../../../src/shared/types";
import { createInlineExecutor } from "../../../src/worker/executor";
import type { DecodeJob } from "../../../src/worker/protocol";
import { prng } from "./fixture";

let compress: (d: Uint8Array, level: number) => Uint8Array;
beforeAll(async () => {
  compress = (await loadCompressor()).compress;
});

const VOXELS = 4096;

function brick(seed: number): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: VOXELS }, () => r() * 100 - 50);
}

function job(values: Float32Array): DecodeJob {
  const stored = compress(shuffleBytes(asBytes(values), 4, new Uint8Array(VOXELS * 4)), 1);
  return {
    dtype: "f32",
    voxels: VOXELS,
    bytes: stored,
    links: [{ encoding: Encoding.SHUFFLE_ZSTD, offset: 0, length: stored.length, value: 0 }],
  };
}

describe("in-thread decode results", () => {
  it("each result owns its whole buffer; later decodes leave earlier results intact", async () => {
    const ex = createInlineExecutor();
    const a = brick(1);
    const b = brick(2);
    const ra = await ex.decode(job(a));
    const rb = await ex.decode(job(b));
    const ra2 = await ex.decode(job(a));
    for (const r of [ra, rb, ra2]) {
      expect(r.byteOffset).toBe(0);
      expect(r.buffer.byteLength).toBe(VOXELS * 4);
    }
    expect(ra.buffer).not.toBe(rb.buffer);
    expect(ra2.buffer).not.toBe(ra.buffer);
    expect(Array.from(ra)).toEqual(Array.from(a));
    expect(Array.from(rb)).toEqual(Array.from(b));
    expect(Array.from(ra2)).toEqual(Array.from(a));
  });

  it("a chain ending in a uniform brick still gets a fresh buffer", async () => {
    const ex = createInlineExecutor();
    const first = job(brick(3));
    const r = await ex.decode({
      ...first,
      links: [...first.links, { encoding: Encoding.UNIFORM, offset: 99, length: 0, value: 2.5 }],
    });
    expect(r.buffer.byteLength).toBe(VOXELS * 4);
    expect(Array.from(r).every((v) => v === 2.5)).toBe(true);
  });
});
