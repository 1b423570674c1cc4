/**
 * workers: "auto" decodes each brick on the lane expected to finish it first:
 * the calling thread or the pool. Checked with a real dataset and a pool stub
 * that decodes with the same service after a simulated round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySource } from "../../../src/io/memory-source";
import { type Dataset, openDataset } from "../../../src/reader";
import { AdaptiveExecutor } from "../../../src/worker/adaptive";
import { createInlineExecutor } from "../../../src/worker/executor";
import type { WorkerPool } from "../../../src/worker/pool";
import { cleanupTemp } from "../reader/fixtures";
import { DIMS, packQueryDataset } from "./fixture";

let bytes: Uint8Array;
let plain: Dataset;

function poolStub(size: number, roundTripMs: number): WorkerPool & { jobs: number } {
  const inner = createInlineExecutor();
  const stub = {
    jobs: 0,
    info: async () => ({ mode: "workers" as const, size, implementation: "stub", zstd: "stub" }),
    decode: async (job: never, o?: object) => {
      stub.jobs++;
      await new Promise((r) => setTimeout(r, roundTripMs));
      return inner.decode(job, o);
    },
    pickBrick: async () => null,
    statsBrick: async (job: never, o?: object) => {
      stub.jobs++;
      await new Promise((r) => setTimeout(r, roundTripMs));
      return inner.statsBrick(job, o);
    },
    terminate: async () => {},
  };
  return stub as never;
}

beforeAll(async () => {
  bytes = (await packQueryDataset()).bytes;
  plain = await openDataset(new MemorySource(bytes), { workers: false });
});
afterAll(() => cleanupTemp());

describe("adaptive executor", () => {
  const box = { min: [0, 0, 0] as [number, number, number], max: DIMS };

  it("keeps a lone small brick in-thread when a round trip costs more than its decode", async () => {
    const pool = poolStub(1, 5);
    const exec = new AdaptiveExecutor(pool, { uiThread: false });
    await exec.info();
    const ds = await openDataset(new MemorySource(bytes), { workers: exec });
    for (let i = 0; i < 3; i++) await ds.sample({ field: "s", t: 0, point: [3, 3, 3] });
    expect(exec.counts.inline).toBe(3);
    expect(pool.jobs).toBe(0);
  });

  it("uses both lanes when bricks cost more than a round trip, with the same result", async () => {
    const pool = poolStub(1, 0);
    const exec = new AdaptiveExecutor(pool, { uiThread: false });
    await exec.info();
    // These test bricks are tiny (16³): give them the cost of large ones (~1.5 ms each).
    (exec as unknown as { rate: { value: number } }).rate.value = 100;
    const ds = await openDataset(new MemorySource(bytes), { workers: exec });
    const got = await ds.readRegion({ field: "s", t: 1, box });
    expect(exec.counts.inline).toBeGreaterThan(0);
    expect(exec.counts.pool).toBeGreaterThan(0);
    expect(got).toEqual(await plain.readRegion({ field: "s", t: 1, box }));
  });

  it("on a UI thread, sends bricks that cost more than a frame's slack to the pool", async () => {
    const pool = poolStub(1, 0);
    const exec = new AdaptiveExecutor(pool, { uiThread: true });
    await exec.info();
    // A decode rate so slow that every brick is estimated above 1 ms.
    (exec as unknown as { rate: { value: number } }).rate.value = 1e6;
    const ds = await openDataset(new MemorySource(bytes), { workers: exec });
    await ds.readRegion({ field: "s", t: 1, box });
    expect(exec.counts.inline).toBe(0);
    expect(pool.jobs).toBeGreaterThan(0);
  });
});
