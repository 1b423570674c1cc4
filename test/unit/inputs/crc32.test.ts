import { describe, expect, it } from "vitest";
import { crc32, crc32Update, crc32UpdateJs } from "../../../src/writer/inputs/crc32";

describe("crc32", () => {
  it("matches the standard check value and the table-driven version, incrementally", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff);
    const whole = crc32(bytes);
    expect(crc32UpdateJs(0, bytes)).toBe(whole);
    expect(crc32Update(crc32Update(0, bytes.subarray(0, 333)), bytes.subarray(333))).toBe(whole);
    expect(crc32UpdateJs(crc32UpdateJs(0, bytes.subarray(0, 10)), bytes.subarray(10))).toBe(whole);
  });
});
