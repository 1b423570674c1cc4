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

  it("downsamples on a worker exactly as inline (JS twins), transferring the input, and a bad job is a typed error", async () => {
    const pool = await createCompressPool(3, 1, "wasm-simd");
    const inline = await createCompressPool(3, 0, "js");
    try {
      await pool.whenReady();
      const r = prng(9);
      const dims: [number, number, number] = [37, 21, 9];
      const n = dims[0] * dims[1] * dims[2];
      const f32 = Float32Array.from({ length: n }, () => (r() < 0.05 ? Number.NaN : r() * 100 - 50));
      const u16 = Uint16Array.from({ length: n }, () => Math.floor(r() * 5));
      const cases = [
        [f32, "f32", "mean"],
        [u16, "u16", "mode"],
      ] as const;
      for (const [values, dtype, kind] of cases) {
        const fill = (p: typeof pool) => {
          const b = p.take(values.byteLength);
          b.set(new Uint8Array(values.buffer));
          return b;
        };
        const src = fill(pool);
        const got = pool.downsample(src, dims, dtype, kind);
        // Transferred, not copied: the caller's view is detached at once.
        expect(src.byteLength).toBe(0);
        const want = await inline.downsample(fill(inline), dims, dtype, kind);
        const out = await got;
        expect(out.length).toBe(19 * 11 * 5);
        expect(out.constructor).toBe(values.constructor);
        expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength)).toEqual(
          Buffer.from(want.buffer, want.byteOffset, want.byteLength),
        );
        expect(Buffer.from(want.buffer, want.byteOffset, want.byteLength).some((b) => b !== 0)).toBe(true);
      }
      // More values than the buffer holds: the same typed error from the worker as inline.
      const err = await pool.downsample(pool.take(64), [4000, 4000, 2], "f32", "mean").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isFlatvoxError(err, "InputError")).toBe(true);
      expect(String((err as Error).message)).toMatch(
        /downsample of 4000×4000×2 f32 values was given \d+ values/,
      );
      const inlineErr = await inline.downsample(inline.take(64), [4000, 4000, 2], "f32", "mean").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isFlatvoxError(inlineErr, "InputError")).toBe(true);
      // The worker survives the failed job.
      const again = pool.take(8 * 4);
      again.set(new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8).buffer));
      expect(Array.from(await pool.downsample(again, [2, 2, 2], "f32", "mean"))).toEqual([4.5]);
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
