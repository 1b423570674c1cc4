import { describe, expect, it } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";
import { createCompressPool, kernelsFromEnv } from "../../../src/writer/compress-pool";
import { prng } from "../reader/fixtures";

describe("compress pool (Comlink over worker threads)", () => {
  it("encodes on a worker (WASM kernels) exactly as inline (JS twins), and a failing job comes back as a typed error", async () => {
    const pool = await createCompressPool(3, 1, "wasm-simd");
    const inline = await createCompressPool(3, 0, "js");
    try {
      expect(pool.workers).toBe(1);
      await pool.whenReady();
      const r = prng(5);
      const values = Float32Array.from({ length: 32 * 32 * 32 }, (_, i) => Math.sin(i / 50) + 0.01 * r());
      const fill = (p: typeof pool) => {
        const b = p.take(values.byteLength);
        b.set(new Uint8Array(values.buffer));
        return b;
      };
      const got = await pool.encode({ cur: fill(pool), size: 4, keepRatio: 0.7 });
      const want = await inline.encode({ cur: fill(inline), size: 4, keepRatio: 0.7 });
      expect(got.encoding).toBe(want.encoding);
      expect(got.checksum).toBe(want.checksum);
      expect(Buffer.from(got.stored).equals(Buffer.from(want.stored))).toBe(true);
      expect(pool.kernels()).toBe("wasm-simd");
      expect(inline.kernels()).toBe("js");

      // A reference shorter than the brick cannot be viewed in the worker: the
      // RangeError there arrives here as a FlatvoxError with its tag.
      const bad = pool.encode({ cur: fill(pool), ref: new Uint8Array(8), size: 4, keepRatio: 0.7 });
      const err = await bad.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isFlatvoxError(err, "WorkerError")).toBe(true);
      expect(String((err as Error).message)).toMatch(/RangeError/);
      // Inline, the length check catches it first: a typed error too.
      const inlineErr = await inline
        .encode({ cur: fill(inline), ref: new Uint8Array(8), size: 4, keepRatio: 0.7 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isFlatvoxError(inlineErr, "InputError")).toBe(true);
      // The worker survives the failed job.
      const again = await pool.encode({ cur: fill(pool), size: 4, keepRatio: 0.7 });
      expect(again.checksum).toBe(want.checksum);
    } finally {
      await pool.close();
      await inline.close();
    }
  });

  it("FLATVOX_KERNELS picks the kernels, and a bad value is a typed error", () => {
    const old = process.env.FLATVOX_KERNELS;
    try {
      process.env.FLATVOX_KERNELS = "js";
      expect(kernelsFromEnv()).toBe("js");
      delete process.env.FLATVOX_KERNELS;
      expect(kernelsFromEnv()).toBeUndefined();
      process.env.FLATVOX_KERNELS = "gpu";
      expect(() => kernelsFromEnv()).toThrow(/FLATVOX_KERNELS/);
    } finally {
      if (old === undefined) delete process.env.FLATVOX_KERNELS;
      else process.env.FLATVOX_KERNELS = old;
    }
  });
});
