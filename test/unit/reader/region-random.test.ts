/**
 * readRegion against the packed arrays themselves, over random boxes (empty,
 * one voxel, brick-aligned, straddling, whole grid), on every decode path:
 * in-thread (values lent from core memory), a worker pool, and the adaptive
 * executor that mixes both; plus over HTTP, where the bricks of one read
 * share coalesced responses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSource } from "../../../src/io/create-source";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { asBytes, type Box3, type TypedArray, type Vec3 } from "../../../src/shared/types";
import { AdaptiveExecutor } from "../../../src/worker/adaptive";
import { WorkerPool } from "../../../src/worker/pool";
import type { ArrayTimestepData } from "../../../src/writer/pack-types";
import { startFlatvox, type TestServer } from "../../helpers/servers";
import { DIMS, packQueryDataset, prng } from "../worker/fixture";
import { cleanupTemp } from "./fixtures";

let bytes: Uint8Array;
let path: string;
let steps: ArrayTimestepData[];
let pool: WorkerPool;
let server: TestServer;

beforeAll(async () => {
  ({ bytes, path, steps } = await packQueryDataset());
  pool = new WorkerPool({ size: 1 });
  server = await startFlatvox(path.slice(0, path.lastIndexOf("/")));
});
afterAll(async () => {
  await pool.terminate();
  await server.stop();
  cleanupTemp();
});

/** The box cut out of a whole level-0 array (x fastest), the definition readRegion must meet. */
function cut(src: TypedArray, box: Box3): TypedArray {
  const [nx, ny] = DIMS;
  const size = [0, 1, 2].map((i) => box.max[i] - box.min[i]);
  const out = new (src.constructor as new (n: number) => TypedArray)(size[0] * size[1] * size[2]);
  let k = 0;
  for (let z = box.min[2]; z < box.max[2]; z++)
    for (let y = box.min[1]; y < box.max[1]; y++)
      for (let x = box.min[0]; x < box.max[0]; x++) out[k++] = src[x + nx * (y + ny * z)];
  return out;
}

function boxes(seed: number, n: number): Box3[] {
  const r = prng(seed);
  const out: Box3[] = [
    { min: [0, 0, 0], max: DIMS },
    { min: [16, 16, 0], max: [32, 32, 16] },
    { min: [5, 6, 7], max: [5, 6, 7] },
    { min: [44, 36, 28], max: [45, 37, 29] },
  ];
  while (out.length < n) {
    const min = DIMS.map((d) => Math.floor(r() * d)) as Vec3;
    const max = min.map((m, i) => m + 1 + Math.floor(r() * (DIMS[i] - m))) as Vec3;
    out.push({ min, max });
  }
  return out;
}

const FIELDS = ["s", "m"] as const;

async function checkAll(
  open: () => Promise<{ readRegion: (q: never) => Promise<TypedArray> }>,
  seed: number,
) {
  const ds = await open();
  let checked = 0;
  for (const box of boxes(seed, 24)) {
    for (const field of FIELDS) {
      for (let t = 0; t < steps.length; t++) {
        const got = await ds.readRegion({ field, t, box } as never);
        const want = cut(steps[t].fields[field] as TypedArray, box);
        expect(got.constructor).toBe(want.constructor);
        // Byte equality: NaNs compare equal, -0 and +0 do not.
        expect(Buffer.compare(asBytes(got), asBytes(want)), `${field} t${t} ${JSON.stringify(box)}`).toBe(0);
        checked++;
      }
    }
  }
  expect(checked).toBe(24 * FIELDS.length * steps.length);
}

describe("readRegion equals the packed arrays over random boxes", () => {
  it("in-thread (values lent from core memory)", async () => {
    await checkAll(() => openDataset(new MemorySource(bytes), { workers: false }) as never, 11);
  });

  it("through a worker pool", async () => {
    await checkAll(() => openDataset(new MemorySource(bytes), { workers: pool }) as never, 12);
  });

  it("through the adaptive executor, whose lanes both took bricks", async () => {
    const adaptive = new AdaptiveExecutor(pool, { uiThread: false });
    await adaptive.info();
    await checkAll(() => openDataset(new MemorySource(bytes), { workers: adaptive }) as never, 13);
    expect(adaptive.counts.inline).toBeGreaterThan(0);
  });

  it("over HTTP with coalesced responses shared by many bricks", async () => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    await checkAll(() => openDataset(createSource(`${server.url}${name}`), { workers: false }) as never, 14);
  });

  it("concurrent reads on one in-thread executor do not see each other's lent values", async () => {
    const ds = await openDataset(new MemorySource(bytes), { workers: false });
    const bs = boxes(15, 12);
    const got = await Promise.all(bs.map((box, i) => ds.readRegion({ field: "s", t: i % 3, box })));
    bs.forEach((box, i) => {
      expect(Buffer.compare(asBytes(got[i]), asBytes(cut(steps[i % 3].fields.s as TypedArray, box)))).toBe(0);
    });
  });
});
