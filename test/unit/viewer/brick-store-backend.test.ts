/**
 * What the backend worker relies on in the brick store: a brick whose bytes
 * arrived is reported as stored even when its job was cancelled meanwhile
 * (so it still reaches the page), a sent brick's payload can be replaced by a
 * marker with its bytes recounted, and contents the page evicted load again.
 */
import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../../src/shared/types";
import type { BrickAddress, ViewerDataset } from "../../../src/viewer/data/viewer-types";
import { BrickStore, type LoadRequest } from "../../../src/viewer/stream/brick-store";

const addr = (i: number): BrickAddress => ({ field: "f", t: 0, level: 0, brick: [i, 0, 0] });
const want = (ids: number[]): LoadRequest[] => ids.map((i, k) => ({ addr: addr(i), tier: 0, order: k }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bricks of 64 f32 values; each read resolves when `release` is called (ignoring aborts, like a decode). */
function gated() {
  const reads: number[] = [];
  const gates: (() => void)[] = [];
  const ds: ViewerDataset = {
    url: "mem:",
    info: {} as ViewerDataset["info"],
    summary: async (a) => ({ contentKey: `f|${a.brick[0]}`, min: 0, max: 1, length: 10 }),
    async readBrick(a) {
      reads.push(a.brick[0]);
      await new Promise<void>((r) => gates.push(r));
      return { data: new Float32Array(64).fill(a.brick[0]), dims: [4, 4, 4] as Vec3 };
    },
    sample: async () => 0,
    transferStats: () => ({ requests: 0, bytes: 0, cacheHits: 0 }),
    close() {},
  };
  return {
    ds,
    reads,
    release: () => {
      for (const g of gates.splice(0)) g();
    },
  };
}

describe("brick store under the backend", () => {
  it("reports a brick stored although its job was cancelled before the bytes arrived", async () => {
    const g = gated();
    const store = new BrickStore(g.ds, { cpuBudget: 1 << 20 });
    const stored: number[] = [];
    const loaded: number[] = [];
    store.onStored = (a) => stored.push(a.brick[0]);
    store.onLoaded = (a) => loaded.push(a.brick[0]);
    store.setWanted(want([1]));
    await sleep(5);
    expect(g.reads).toEqual([1]);
    store.setWanted([]); // the camera moved on
    g.release();
    await sleep(5);
    expect(stored).toEqual([1]);
    expect(loaded).toEqual([]);
    expect(store.isReady(addr(1))).toBe(true);
  });

  it("recounts a replaced payload and loads dropped contents again", async () => {
    const g = gated();
    const store = new BrickStore(g.ds, { cpuBudget: 1 << 20 });
    store.setWanted(want([2]));
    await sleep(5);
    g.release();
    await sleep(5);
    expect(store.stats().cpuBytes).toBe(256);
    store.replacePayload("f|2", { dims: [4, 4, 4] });
    expect(store.stats().cpuBytes).toBe(0);
    expect(store.isReady(addr(2))).toBe(true);
    expect(g.reads).toEqual([2]);
    store.drop(["f|2"]); // still wanted: read again
    await sleep(5);
    expect(store.isReady(addr(2))).toBe(false);
    expect(g.reads).toEqual([2, 2]);
    g.release();
    await sleep(5);
    expect(store.isReady(addr(2))).toBe(true);
    store.setWanted([]);
  });
});
