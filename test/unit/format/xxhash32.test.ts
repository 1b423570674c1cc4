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
});
