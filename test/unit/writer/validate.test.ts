import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { ArrayTimestepData, DatasetSpec, PackOptions } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";

afterAll(cleanupTemp);

const spec = (over: Partial<DatasetSpec> = {}): DatasetSpec => ({
  dims: [4, 4, 4],
  fields: [{ name: "a", dtype: "f32", kind: "scalar" }],
  times: [0, 1],
  ...over,
});
const steps = (n = 2, make: () => Float32Array = () => new Float32Array(64)): ArrayTimestepData[] =>
  Array.from({ length: n }, (_, index) => ({ index, fields: { a: make() } }));

async function inputError(s: DatasetSpec, st: ArrayTimestepData[], opts: PackOptions = {}): Promise<string> {
  const out = join(tempDir(), "bad.fvx");
  try {
    await packDataset(s, st, out, { workers: 0, brickSize: 16, ...opts });
  } catch (e) {
    expect(isFlatvoxError(e, "InputError")).toBe(true);
    expect(existsSync(out)).toBe(false); // no half-written file left behind
    return (e as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("packer input validation", () => {
  it("rejects array lengths that do not match dims", async () => {
    expect(
      await inputError(
        spec(),
        steps(2, () => new Float32Array(63)),
      ),
    ).toMatch(/63 values/);
  });
  it("rejects a dtype mismatch", async () => {
    expect(
      await inputError(
        spec(),
        steps(2, () => new Uint16Array(64) as unknown as Float32Array),
      ),
    ).toMatch(/Float32Array/);
  });
  it("rejects times that are not strictly increasing", async () => {
    expect(await inputError(spec({ times: [0, 0] }), steps())).toMatch(/strictly increasing/);
  });
  it("rejects brick sizes that are not powers of two in 16..256", async () => {
    for (const b of [8, 24, 512])
      expect(await inputError(spec(), steps(), { brickSize: b })).toMatch(/power of two/);
  });
  it("rejects a timestep count different from the time values", async () => {
    expect(await inputError(spec(), steps(1))).toMatch(/1 timesteps/);
    expect(await inputError(spec(), steps(3))).toMatch(/more timesteps/);
  });
  it("rejects missing and unknown fields, bad dims, repeated names", async () => {
    expect(await inputError(spec(), [{ index: 0, fields: {} }])).toMatch(/missing/);
    expect(await inputError(spec({ dims: [4, 0, 4] }), steps())).toMatch(/dims/);
    const f = { name: "a", dtype: "u8", kind: "scalar" } as const;
    expect(await inputError(spec({ fields: [f, f] }), steps())).toMatch(/repeated/);
  });
  it("reports progress per timestep and accepts async sources", async () => {
    const seen: number[] = [];
    async function* gen() {
      yield* steps();
    }
    const out = join(tempDir(), "ok.fvx");
    const r = await packDataset(spec(), gen(), out, {
      brickSize: 16,
      workers: 0,
      onProgress: (p) => seen.push(p.step),
    });
    expect(seen).toEqual([1, 2]);
    expect(r.bytesIn).toBe(2 * 64 * 4);
    expect(r.bricks.total).toBe(2);
    expect(r.bricks.uniform).toBe(2);
  });
  it("compresses on worker threads with the same bytes as inline", async () => {
    const s = spec({ dims: [40, 20, 20] });
    const mk = () => Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 50));
    const a = join(tempDir(), "a.fvx");
    const b = join(tempDir(), "b.fvx");
    await packDataset(s, steps(2, mk), a, { brickSize: 16, workers: 0 });
    const r = await packDataset(s, steps(2, mk), b, { brickSize: 16, workers: 1 });
    expect(r.compressor).toMatch(/worker/);
    const { readFileSync } = await import("node:fs");
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
  });
});
