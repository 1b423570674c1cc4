/**
 * How the brick store treats failed loads: offline misses (through a real
 * CachedSource over a switchable server) count as done and wait for the
 * source to come back; other failures are reported and retried with backoff.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { type CachedSource, withCache } from "../../../src/cache/cached-source";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import type { ByteSource } from "../../../src/io/byte-source";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Vec3 } from "../../../src/shared/types";
import type { BrickAddress, ViewerDataset } from "../../../src/viewer/data/viewer-types";
import type { RetryPolicy } from "../../../src/viewer/stream/brick-failures";
import { BrickStore, type LoadRequest } from "../../../src/viewer/stream/brick-store";
import { FakeServer, makeBytes, verifierFor } from "../cache/helpers";

const BRICK = 64;
const N = 8;
const FILE = makeBytes(BRICK * N, 5);

const addr = (i: number): BrickAddress => ({ field: "f", t: 0, level: 0, brick: [i, 0, 0] });
const visible = (ids: number[]): LoadRequest[] => ids.map((i, k) => ({ addr: addr(i), tier: 0, order: k }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A dataset of N bricks of 64 bytes, read (and checked against FILE) through `source`. */
function dataset(source: ByteSource): ViewerDataset {
  return {
    url: source.id,
    info: {} as ViewerDataset["info"],
    async summary(a) {
      return { contentKey: `f|${a.brick[0]}`, min: 0, max: 255, length: BRICK };
    },
    async readBrick(a, signal) {
      const offset = a.brick[0] * BRICK;
      const data = await source.getBytes(offset, BRICK, { signal, verify: verifierFor(FILE, offset) });
      return { data, dims: [4, 4, 4] as Vec3 };
    },
    sample: async () => 0,
    transferStats: () => ({ requests: 0, bytes: 0, cacheHits: 0 }),
    close() {},
  };
}

const stores: BrickStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.setWanted([]);
});

function storeOver(source: ByteSource, retry: Partial<RetryPolicy> = {}) {
  const store = new BrickStore(dataset(source), { cpuBudget: 1 << 20, concurrency: 4, retry });
  stores.push(store);
  const errors: unknown[] = [];
  const unavailable: BrickAddress[] = [];
  store.onError = (_a, e) => errors.push(e);
  store.onUnavailable = (a) => unavailable.push(a);
  return { store, errors, unavailable };
}

function cachedOver(server: FakeServer, offlineRetryMs: number): CachedSource {
  return withCache(server, new CacheManager(new MemoryCacheStore(), { flushDelayMs: 5 }), { offlineRetryMs });
}

/** The engine's loop: the same wish list every few milliseconds for `ms`. */
async function frames(store: BrickStore, reqs: LoadRequest[], ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    store.setWanted(reqs);
    await sleep(4);
  }
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await sleep(4);
  }
}

describe("brick store failures", () => {
  it("an offline miss counts as done, is not retried per frame, and loads once the source is back", async () => {
    const server = new FakeServer(FILE);
    const source = cachedOver(server, 60_000);
    const { store, errors, unavailable } = storeOver(source);
    store.setWanted(visible([0, 1]));
    await until(() => store.isReady(addr(0)) && store.isReady(addr(1)));

    server.mode = "down";
    const before = server.requests;
    const want = visible([0, 1, 2, 3]);
    await frames(store, want, 150);
    expect(store.isUnavailable(addr(2)) && store.isUnavailable(addr(3))).toBe(true);
    expect(store.isReady(addr(2))).toBe(false);
    expect(store.pending).toEqual({ visible: 0, prefetch: 0 });
    expect(store.stats()).toMatchObject({ unavailable: 2, errors: 0 });
    expect(errors).toEqual([]);
    expect(unavailable.map((a) => a.brick[0]).sort()).toEqual([2, 3]);
    // The misses reached the network at most once each (concurrently, before it was known to be down).
    expect(server.requests - before).toBeLessThanOrEqual(2);
    expect(source.online).toBe(false);

    server.mode = "up";
    source.retryOnline();
    store.retryUnavailable();
    expect(store.pending.visible).toBe(2);
    await until(() => store.isReady(addr(2)) && store.isReady(addr(3)));
    expect(store.stats().unavailable).toBe(0);
    expect(source.online).toBe(true);
    expect(errors).toEqual([]);
  });

  it("offline, one unavailable brick is tried now and then (doubling) and a returning server is noticed", async () => {
    const server = new FakeServer(FILE);
    // The cached source tries the network on every miss: only the store's pacing limits requests.
    const source = cachedOver(server, 0);
    const { store, errors } = storeOver(source, { probeBaseMs: 40, probeMaxMs: 160 });
    store.setWanted(visible([0]));
    await until(() => store.isReady(addr(0)));

    server.mode = "down";
    const before = server.requests;
    const want = visible([0, 4, 5, 6]);
    await frames(store, want, 400);
    // First tries (3) plus probes near 40, 120, 280 ms after: far fewer than one per frame (~100 frames).
    const down = server.requests - before;
    expect(down).toBeGreaterThanOrEqual(4);
    expect(down).toBeLessThanOrEqual(8);
    expect(store.stats().unavailable).toBe(3);
    expect(errors).toEqual([]);

    // Back, unannounced: the next probe loads its brick and the others follow, with no frames asking.
    server.mode = "up";
    await until(() => [4, 5, 6].every((i) => store.isReady(addr(i))), 2000);
    expect(store.stats().unavailable).toBe(0);
  });

  it("a checksum failure is reported and retried with a growing delay, and keeps the view pending", async () => {
    const bad = FILE.slice();
    bad[BRICK * 7 + 3] ^= 0xff;
    const server = new FakeServer(bad);
    const { store, errors } = storeOver(cachedOver(server, 60_000), { retryBaseMs: 40, retryMaxMs: 1000 });
    await frames(store, visible([6, 7]), 330);
    expect(store.isReady(addr(6))).toBe(true);
    expect(store.isReady(addr(7))).toBe(false);
    expect(store.isUnavailable(addr(7))).toBe(false);
    expect(store.pending.visible).toBe(1);
    // Tries near 0, 40, 120, 280 ms: each one reported, far fewer than one per frame.
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeLessThanOrEqual(5);
    expect(errors.every((e) => isFlatvoxError(e, "ChecksumError"))).toBe(true);
    expect(store.stats().errors).toBe(errors.length);
  });

  it("a transient server error without a cache is retried with backoff until it loads", async () => {
    const server = new FakeServer(FILE);
    server.mode = "http500";
    const { store, errors } = storeOver(server, { retryBaseMs: 30, retryMaxMs: 1000 });
    store.setWanted(visible([2]));
    await sleep(100);
    const tries = server.requests;
    // Tries near 0, 30, 90 ms: not one per millisecond, nor given up.
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(4);
    expect(errors.every((e) => isFlatvoxError(e, "HttpError"))).toBe(true);
    expect(store.isUnavailable(addr(2))).toBe(false);
    server.mode = "up";
    // The store's own timer retries: no further frames ask for it.
    await until(() => store.isReady(addr(2)), 2000);
    expect(store.pending.visible).toBe(0);
  });
});
