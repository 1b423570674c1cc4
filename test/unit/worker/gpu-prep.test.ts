/**
 * Bricks prepared for the GPU where they are decoded: the halves and
 * occupancy a worker returns equal what the page would compute itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeToHalf } from "../../../src/core/convert-js";
import { brickBlockMax } from "../../../src/core/occupancy-js";
import { MemorySource } from "../../../src/io/memory-source";
import { type Dataset, openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { WorkerPool } from "../../../src/worker/pool";
import { cleanupTemp } from "../reader/fixtures";
import { packQueryDataset } from "./fixture";

let bytes: Uint8Array;
let pool: WorkerPool;
let inWorkers: Dataset;
let inline: Dataset;

beforeAll(async () => {
  bytes = (await packQueryDataset()).bytes;
  pool = new WorkerPool({ size: 1 });
  inWorkers = await openDataset(new MemorySource(bytes), { workers: pool });
  inline = await openDataset(new MemorySource(bytes), { workers: false });
});
afterAll(async () => {
  await pool.terminate();
  cleanupTemp();
});

describe("GPU-ready bricks", () => {
  const norm = { lo: -3, scale: 1 / 13 };
  const bricks: { level: number; brick: Vec3 }[] = [
    { level: 0, brick: [0, 0, 0] },
    { level: 0, brick: [2, 2, 1] }, // clipped at the grid's edge
    { level: 1, brick: [0, 0, 0] },
  ];

  for (const b of bricks)
    it(`level ${b.level} brick ${b.brick}: same values, halves and occupancy in a worker and in-thread`, async () => {
      const q = { field: "s", t: 2, ...b };
      const w = await inWorkers.readBrickGpu(q, norm);
      const i = await inline.readBrickGpu(q, norm);
      const plain = await inline.readBrick(q);
      expect(w.ready).toBeDefined();
      expect(Array.from(w.data)).toEqual(Array.from(plain.data));
      const n = plain.dims[0] * plain.dims[1] * plain.dims[2];
      const want = normalizeToHalf(plain.data, norm.lo, norm.scale, new Uint16Array(n));
      expect(Array.from(w.ready!.half)).toEqual(Array.from(want));
      expect(Array.from(i.ready!.half)).toEqual(Array.from(want));
      const bm = brickBlockMax(plain.data, plain.dims, b.level);
      expect(w.ready!.n).toEqual(bm.n);
      expect(Array.from(w.ready!.blockMax)).toEqual(Array.from(bm.max));
      expect([w.ready!.lo, w.ready!.scale]).toEqual([norm.lo, norm.scale]);
    });
});
