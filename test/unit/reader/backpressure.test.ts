/**
 * Multi-brick reads hold bounded memory whatever the region: bricks go to the
 * executor in waves, never all at once, and the answers do not change.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySource } from "../../../src/io/memory-source";
import { type Dataset, openDataset } from "../../../src/reader";
import { inWaves, planWaves } from "../../../src/reader/waves";
import { bytesPerValue, type TypedArray } from "../../../src/shared/types";
import { type BrickExecutor, inlineExecutor } from "../../../src/worker/executor";
import type { DecodeJob } from "../../../src/worker/protocol";
import { DIMS, packQueryDataset } from "../worker/fixture";
import { cleanupTemp } from "./fixtures";

/** An in-thread executor that records how many decoded bytes its jobs hold at once. */
function tracking(): BrickExecutor & { peak: number; jobs: number; lent: number } {
  const inner = inlineExecutor();
  let now = 0;
  const t = {
    peak: 0,
    jobs: 0,
    /** Jobs whose values were lent in place rather than returned as a buffer. */
    lent: 0,
    async wrap<T>(job: DecodeJob, f: () => Promise<T>): Promise<T> {
      const w = job.bytes.length + job.voxels * bytesPerValue(job.dtype);
      now += w;
      t.jobs++;
      t.peak = Math.max(t.peak, now);
      // Yield so that everything the reader started concurrently is counted together.
      await new Promise((r) => setTimeout(r, 1));
      try {
        return await f();
      } finally {
        now -= w;
      }
    },
    decode: (job: DecodeJob, o?: object) => t.wrap(job, () => inner.decode(job, o)),
    // The in-thread path readRegion takes: values lent from core memory.
    decodeWith: <T>(job: DecodeJob, use: (v: TypedArray) => T, o?: object) =>
      t.wrap(job, () => {
        t.lent++;
        return (inner.decodeWith as NonNullable<BrickExecutor["decodeWith"]>)(job, use, o);
      }),
    pickBrick: (job: never, o?: object) => t.wrap(job, () => inner.pickBrick(job, o)),
    statsBrick: (job: never, o?: object) => t.wrap(job, () => inner.statsBrick(job, o)),
    info: () => inner.info(),
    terminate: async () => {},
  };
  return t as never;
}

let bytes: Uint8Array;
let plain: Dataset;

beforeAll(async () => {
  bytes = (await packQueryDataset()).bytes;
  plain = await openDataset(new MemorySource(bytes), { workers: false });
});
afterAll(() => cleanupTemp());

describe("waves", () => {
  it("groups consecutive items under the budget; a heavy item stands alone", () => {
    const w = planWaves([3, 3, 3, 10, 1, 1], (x) => x, 6);
    expect(w).toEqual([[3, 3], [3], [10], [1, 1]]);
  });

  it("keeps at most maxWaves waves in flight and stops after a failure", async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    const run = async (i: number) => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      if (i === 5) throw new Error("boom");
    };
    await expect(inWaves(items, () => 1, run, { waveBytes: 2, maxWaves: 2 })).rejects.toThrow("boom");
    expect(peak).toBeLessThanOrEqual(4);
    // Waves after the failing one's were never started.
    expect(started.length).toBeLessThan(items.length);
  });
});

describe("multi-brick reads under a memory bound", () => {
  const box = { min: [0, 0, 0] as [number, number, number], max: DIMS };
  const brickBytes = (ds: Dataset) => ds.info.brickSize ** 3 * 4 * 2;

  it("readRegion never holds more than two waves, and reads the same values", async () => {
    const exec = tracking();
    const ds = await openDataset(new MemorySource(bytes), { workers: exec });
    const waveBytes = brickBytes(ds) * 2;
    const got = await ds.readRegion({ field: "s", t: 1, box }, { waveBytes });
    expect(exec.jobs).toBeGreaterThan(4);
    expect(exec.peak).toBeLessThanOrEqual(2 * waveBytes);
    expect(exec.lent).toBe(exec.jobs);
    const all = tracking();
    const unbounded = await openDataset(new MemorySource(bytes), { workers: all });
    await unbounded.readRegion({ field: "s", t: 1, box });
    // Without a small bound every brick of this small grid is in flight at once.
    expect(all.peak).toBeGreaterThan(2 * waveBytes);
    expect(got).toEqual(await plain.readRegion({ field: "s", t: 1, box }));
  });

  it("stats with a histogram never holds more than two waves, and gives the same answer", async () => {
    const exec = tracking();
    const ds = await openDataset(new MemorySource(bytes), { workers: exec });
    const waveBytes = brickBytes(ds) * 2;
    const got = await ds.stats({ field: "s", t: 2, box, bins: 32 }, { waveBytes });
    expect(exec.jobs).toBeGreaterThan(4);
    expect(exec.peak).toBeLessThanOrEqual(2 * waveBytes);
    const want = await plain.stats({ field: "s", t: 2, box, bins: 32 });
    expect(got).toEqual(want);
  });
});
