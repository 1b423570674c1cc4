import { describe, expect, it } from "vitest";
import { ByteCursor, ByteWriter } from "../../../src/index/bytes";

describe("ByteWriter and ByteCursor", () => {
  it("round-trip every width while the writer grows from one byte", () => {
    const w = new ByteWriter(1);
    for (let i = 0; i < 200; i++) {
      w.u8(i & 0xff);
      w.u16(i * 300);
      w.u32(i * 70_000 + 1);
      w.u64(i * 2 ** 40 + 5);
      w.i32(-1000 * i - 1);
      w.i64(BigInt(-i) * 10n ** 12n);
      w.f32(i / 4);
      w.f64(i / 3);
    }
    const bytes = w.finish();
    const r = new ByteCursor(bytes);
    for (let i = 0; i < 200; i++) {
      expect(r.u8()).toBe(i & 0xff);
      expect(r.u16()).toBe(i * 300);
      expect(r.u32()).toBe(i * 70_000 + 1);
      expect(r.u64()).toBe(i * 2 ** 40 + 5);
      expect(r.i32()).toBe(-1000 * i - 1);
      expect(r.i64()).toBe(BigInt(-i) * 10n ** 12n);
      expect(r.f32()).toBe(i / 4);
      expect(r.f64()).toBe(i / 3);
    }
    expect(r.pos).toBe(bytes.length);
  });
});
