import { describe, expect, it } from "vitest";
import { xxhash32 as xxh32 } from "../../../src/format/xxhash32";

const enc = (s: string) => new TextEncoder().encode(s);

describe("xxh32", () => {
  it("matches the reference vectors", () => {
    expect(xxh32(enc(""))).toBe(0x02cc5d05);
    expect(xxh32(enc("a"))).toBe(0x550d7456);
    expect(xxh32(enc("abc"))).toBe(0x32d153ff);
    expect(xxh32(enc("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });

  it("depends on the seed and on every byte", () => {
    const b = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    const h = xxh32(b);
    expect(xxh32(b, 1)).not.toBe(h);
    for (const i of [0, 15, 16, 499, 996, 999]) {
      const c = b.slice();
      c[i] ^= 1;
      expect(xxh32(c)).not.toBe(h);
    }
  });

  it("hashes a view the same as a copy", () => {
    const big = new Uint8Array(100).map((_, i) => i);
    expect(xxh32(big.subarray(7, 77))).toBe(xxh32(big.slice(7, 77)));
  });

  it("word-load paths equal a byte-by-byte reference at every alignment, up to the buffer's end", () => {
    const P1 = 0x9e3779b1;
    const P2 = 0x85ebca77;
    const P3 = 0xc2b2ae3d;
    const P4 = 0x27d4eb2f;
    const P5 = 0x165667b1;
    const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
    const round = (a: number, l: number) => Math.imul(rotl((a + Math.imul(l, P2)) | 0, 13), P1);
    const lane = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    const reference = (b: Uint8Array, seed: number) => {
      let i = 0;
      let h: number;
      if (b.length >= 16) {
        let v = [(seed + P1 + P2) | 0, (seed + P2) | 0, seed | 0, (seed - P1) | 0];
        for (; i + 16 <= b.length; i += 16) v = v.map((x, k) => round(x, lane(b, i + 4 * k)));
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) | 0;
      } else h = (seed + P5) | 0;
      h = (h + b.length) | 0;
      for (; i + 4 <= b.length; i += 4) h = Math.imul(rotl((h + Math.imul(lane(b, i), P3)) | 0, 17), P4);
      for (; i < b.length; i++) h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
      h = Math.imul(h ^ (h >>> 15), P2);
      h = Math.imul(h ^ (h >>> 13), P3);
      return (h ^ (h >>> 16)) >>> 0;
    };
    const buf = new Uint8Array(203).map((_, i) => (i * 2654435761) >>> 23);
    let checked = 0;
    for (let off = 0; off < 8; off++) {
      for (const len of [0, 3, 15, 16, 17, 31, 32, 64, 100, 150, 203 - off]) {
        if (off + len > buf.length) continue;
        for (const seed of [0, 7]) {
          expect(xxh32(buf.subarray(off, off + len), seed), `${off}+${len}`).toBe(
            reference(buf.subarray(off, off + len), seed),
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });
});
