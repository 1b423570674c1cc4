import { describe, expect, it } from "vitest";
import { shuffle, unshuffle, xorDelta } from "../../../src/core/filters";
import { levelGeometry, mortonEncode, mortonOrder } from "../../../src/format/grid";
import { pageBottom, pageLayout } from "../../../src/format/hierarchy";
import { xxhash32 } from "../../../src/format/xxhash32";
import {
  selectZstdBackend,
  type ZstdBackend,
  zstdDecompressExact,
  zstdDecompressInto,
} from "../../../src/format/zstd";
import { loadCompressor } from "../../../src/format/zstd-compress";
import { frameContentSize } from "../../../src/format/zstd-frame";
import { timestepAt } from "../../../src/index/temporal";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import { prng } from "../reader/fixtures";

const text = (s: string) => new TextEncoder().encode(s);

describe("xxhash32", () => {
  it("matches the reference vectors", () => {
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxhash32(text("a"))).toBe(0x550d7456);
    expect(xxhash32(text("abc"))).toBe(0x32d153ff);
    expect(xxhash32(text("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });
  it("depends on seed, every byte and the length", () => {
    const b = text("0123456789abcdef0123456789");
    const h = xxhash32(b);
    expect(xxhash32(b, 1)).not.toBe(h);
    for (let i = 0; i < b.length; i++) {
      const c = b.slice();
      c[i] ^= 1;
      expect(xxhash32(c)).not.toBe(h);
    }
    expect(xxhash32(b.subarray(0, 25))).not.toBe(h);
  });
});

describe("byte shuffle", () => {
  /** The definition: byte b of element i goes to b·n + i. */
  const oracle = (src: Uint8Array, size: number) => {
    const n = src.length / size;
    const out = new Uint8Array(src.length);
    for (let i = 0; i < n; i++) for (let b = 0; b < size; b++) out[b * n + i] = src[i * size + b];
    return out;
  };

  it("matches the definition for every element size, aligned (word path) or not, with and without a fused XOR", () => {
    const r = prng(3);
    for (const size of [1, 2, 4, 8]) {
      const n = 1000 * size;
      const src = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const ref = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      expect([...shuffle(src, size)]).toEqual([...oracle(src, size)]);
      expect([...shuffle(src, size, new Uint8Array(n), ref)]).toEqual([...oracle(xorDelta(src, ref), size)]);
      expect([...unshuffle(oracle(src, size), size)]).toEqual([...src]);
      // unaligned views take the byte loops
      const odd = new Uint8Array(n + 1);
      odd.set(src, 1);
      expect([...shuffle(odd.subarray(1), size)]).toEqual([...oracle(src, size)]);
      const out = new Uint8Array(n + 1);
      unshuffle(oracle(src, size), size, out.subarray(1));
      expect([...out.subarray(1)]).toEqual([...src]);
    }
  });
});

describe("grid and hierarchy layout", () => {
  it("halves dims until one brick covers the level", () => {
    expect(levelGeometry([37, 20, 9], 16).map((l) => l.bricks)).toEqual([
      [3, 2, 1],
      [2, 1, 1],
      [1, 1, 1],
    ]);
    expect(levelGeometry([2048, 2048, 2048], 64).length).toBe(6);
    expect(levelGeometry([1, 1, 1], 16).length).toBe(1);
  });
  it("orders bricks by Morton code", () => {
    expect(mortonEncode(1, 0, 0)).toBe(1);
    expect(mortonEncode(0, 1, 0)).toBe(2);
    expect(mortonEncode(0, 0, 1)).toBe(4);
    expect(mortonEncode(3, 3, 3)).toBe(63);
    expect(mortonOrder([2, 2, 1])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
    ]);
  });
  it("pages span ≤ 4 levels, ≤ 585 nodes, and cover every node of the tree", () => {
    for (const [dims, B] of [
      [[2048, 2048, 2048], 64],
      [[300, 17, 900], 16],
      [[37, 20, 9], 16],
    ] as [Vec3, number][]) {
      const geoms = levelGeometry(dims, B);
      const seen = geoms.map((g) => new Uint8Array(g.bricks[0] * g.bricks[1] * g.bricks[2]));
      const walk = (rootLevel: number, root: Vec3) => {
        const l = pageLayout(geoms, rootLevel, root);
        expect(rootLevel - l.bottomLevel).toBeLessThanOrEqual(3);
        expect(l.nodeCount).toBeLessThanOrEqual(585);
        l.levels.forEach((list, i) => {
          const g = geoms[rootLevel - i];
          for (const b of list) {
            // page-root nodes appear in their parent page and their own page
            if (!(i === 0 && rootLevel !== geoms.length - 1))
              seen[g.level][b[0] + g.bricks[0] * (b[1] + g.bricks[1] * b[2])]++;
          }
        });
        for (const c of l.childRoots) walk(l.bottomLevel, c);
      };
      walk(geoms.length - 1, [0, 0, 0]);
      for (const s of seen) expect(s.every((c) => c === 1)).toBe(true);
    }
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(pageBottom)).toEqual([0, 0, 0, 0, 3, 3, 3, 6]);
  });
});

describe("time search", () => {
  it("finds exact and nearest timesteps", () => {
    const t = [0, 1, 2.5, 10];
    expect(timestepAt(t, 2.5, "exact")).toBe(2);
    expect(timestepAt(t, 2.4, "exact")).toBeUndefined();
    expect(timestepAt(t, 1.7, "nearest")).toBe(1);
    expect(timestepAt(t, 1.8, "nearest")).toBe(2);
    expect(timestepAt(t, 100, "nearest")).toBe(3);
  });
});

describe("bounded zstd decoding", () => {
  const backends: ZstdBackend[] = ["fzstd", "zstddec", "bokuweb"];
  it("every backend decodes exactly and refuses frames of the wrong size", async () => {
    const { compress } = await loadCompressor();
    const data = Uint8Array.from({ length: 100000 }, (_, i) => (i * 7) % 251);
    const frame = new Uint8Array(compress(data, 1)); // a copy: Buffer#slice would alias
    expect(frameContentSize(frame, {})).toBe(100000);
    for (const b of backends) {
      await selectZstdBackend(b);
      const got = zstdDecompressExact(frame, 100000, {});
      expect(Buffer.compare(got, data), b).toBe(0);
      expect(() => zstdDecompressExact(frame, 99999, { section: "brick", offset: 5 })).toThrow(
        expect.objectContaining({ tag: "LimitError" }),
      );
      expect(() => zstdDecompressExact(frame, 100001, {})).toThrow(
        expect.objectContaining({ tag: "FormatError" }),
      );
      const broken = frame.slice(); // Uint8Array#slice copies
      broken[broken.length - 5] ^= 0xff;
      broken[20] ^= 0xff;
      try {
        const out = zstdDecompressExact(broken, 100000, {});
        expect(out.length).toBe(100000); // a corrupt frame may decode to garbage, but never to another size
      } catch (e) {
        expect(isFlatvoxError(e)).toBe(true);
      }
      expect(() => zstdDecompressExact(new Uint8Array([1, 2, 3, 4, 5, 6, 7]), 10, {})).toThrow(
        expect.objectContaining({ tag: "FormatError" }),
      );
    }
    await selectZstdBackend("zstddec");
  });
});

describe("zstd decoding into a lent buffer", () => {
  const backends: ZstdBackend[] = ["fzstd", "zstddec", "bokuweb"];
  it("lends exactly the decoded bytes, across growing and shrinking frames, and refuses bad frames", async () => {
    const { compress } = await loadCompressor();
    const sizes = [100000, 3000, 1 << 20, 17, 250000];
    const inputs = sizes.map((n, k) =>
      Uint8Array.from({ length: n }, (_, i) => (i * (k + 3) + (i >> 7)) % 253),
    );
    const frames = inputs.map((d) => new Uint8Array(compress(d, 1)));
    for (const b of backends) {
      await selectZstdBackend(b);
      for (let k = 0; k < sizes.length; k++) {
        let calls = 0;
        zstdDecompressInto(frames[k], sizes[k], {}, (got) => {
          calls++;
          expect(got.length).toBe(sizes[k]);
          expect(Buffer.compare(got, inputs[k]), `${b} ${sizes[k]}`).toBe(0);
          // zstddec lends a view of its own heap: no array was allocated for the result.
          if (b === "zstddec") expect(got.buffer.byteLength).toBeGreaterThan(got.length);
        });
        expect(calls).toBe(1);
      }
      expect(() => zstdDecompressInto(frames[0], 99999, { section: "brick" }, () => {})).toThrow(
        expect.objectContaining({ tag: "LimitError" }),
      );
      expect(() => zstdDecompressInto(frames[0], 100001, {}, () => {})).toThrow(
        expect.objectContaining({ tag: "FormatError" }),
      );
      expect(() => zstdDecompressInto(new Uint8Array([1, 2, 3, 4, 5, 6, 7]), 10, {}, () => {})).toThrow(
        expect.objectContaining({ tag: "FormatError" }),
      );
      // A frame whose blocks are cut off names zstd, with the context, not a crash.
      const cut = frames[2].slice(0, frames[2].length >> 1);
      expect(() => zstdDecompressInto(cut, sizes[2], { section: "brick", offset: 9 }, () => {})).toThrow(
        expect.objectContaining({ tag: "FormatError", context: expect.objectContaining({ offset: 9 }) }),
      );
      // An error thrown by the caller's own code is passed through unchanged.
      expect(() =>
        zstdDecompressInto(frames[1], sizes[1], {}, () => {
          throw new RangeError("mine");
        }),
      ).toThrow(RangeError);
    }
    await selectZstdBackend("zstddec");
  });
});
