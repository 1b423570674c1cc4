import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { withCache } from "../../../src/cache/cached-source";
import { FileCacheStore } from "../../../src/cache/file-store";
import { isFlatvoxError } from "../../../src/shared/errors";
import { FakeServer, makeBytes, verifierFor } from "./helpers";

const FILE = makeBytes(20_000, 7);
let dir: string;
let open: CacheManager[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fvx-cache-"));
});
afterEach(async () => {
  for (const m of open) await m.close();
  open = [];
  await rm(dir, { recursive: true, force: true });
});

/** A fresh "session": the store reopened from disk, a new manager and cached source. */
async function session(server: FakeServer) {
  server.forget();
  const store = await FileCacheStore.open(dir);
  const manager = new CacheManager(store, { flushDelayMs: 5 });
  open.push(manager);
  const source = withCache(server, manager, { offlineRetryMs: 60_000 });
  return { store, manager, source };
}

const key = (server: FakeServer, offset: number, length: number, etag = '"v1"') => ({
  dataset: server.id,
  etag,
  offset,
  length,
});

describe("withCache: reads and verification", () => {
  it("serves repeated reads from memory, later sessions from the store", async () => {
    const server = new FakeServer(FILE);
    const s1 = await session(server);
    expect(await s1.source.getBytes(100, 500)).toEqual(FILE.subarray(100, 600));
    expect(await s1.source.getBytes(100, 500)).toEqual(FILE.subarray(100, 600));
    expect(server.requests).toBe(1);
    expect(s1.source.stats.memoryHits).toBe(1);
    await s1.manager.flush();

    const s2 = await session(server);
    await s2.source.getBytes(0, 64); // the first read validates the ETag online
    const before = server.requests;
    const got = await s2.source.getBytes(100, 500, { verify: verifierFor(FILE, 100) });
    expect(got).toEqual(FILE.subarray(100, 600));
    expect(server.requests).toBe(before);
    expect(s2.source.stats.storeHits).toBe(1);
  });

  it("verifies fetched bytes before caching them: a failing verify caches nothing", async () => {
    const server = new FakeServer(FILE);
    const { source, manager, store } = await session(server);
    const reject = () => {
      throw new Error("bad checksum");
    };
    await expect(source.getBytes(1000, 100, { verify: reject })).rejects.toThrow("bad checksum");
    await manager.flush();
    expect(await store.get(key(server, 1000, 100))).toBeUndefined();
    // Not in memory either: the next read goes to the network again.
    await source.getBytes(1000, 100);
    expect(server.requests).toBe(2);
  });

  it("serves a read inside a larger cached range without a request", async () => {
    const server = new FakeServer(FILE);
    const { source } = await session(server);
    await source.getBytes(0, 8192);
    const got = await source.getBytes(1000, 3000, { verify: verifierFor(FILE, 1000) });
    expect(got).toEqual(FILE.subarray(1000, 4000));
    expect(server.requests).toBe(1);
    expect(source.stats.subrangeHits).toBe(1);
  });

  it("caches an upTo read under its real length and serves it again offline", async () => {
    const small = makeBytes(5000, 3);
    const server = new FakeServer(small);
    const s1 = await session(server);
    expect((await s1.source.getBytes(0, 65536, { upTo: true })).length).toBe(5000);
    await s1.manager.flush();
    server.mode = "down";
    const s2 = await session(server);
    const again = await s2.source.getBytes(0, 65536, { upTo: true });
    expect(again).toEqual(small);
    expect(s2.source.size).toBe(5000);
  });

  it("keeps the memory tier within its budget", async () => {
    const server = new FakeServer(FILE);
    const manager = new CacheManager(await FileCacheStore.open(dir));
    open.push(manager);
    const source = withCache(server, manager, { memoryBudgetBytes: 1000 });
    for (let i = 0; i < 5; i++) await source.getBytes(i * 400, 400);
    await source.getBytes(0, 400); // evicted from memory, found in the store (pending or stored)
    expect(source.stats.memoryHits).toBe(0);
    expect(server.requests).toBe(5);
    await source.getBytes(1600, 400);
    expect(source.stats.memoryHits).toBe(1);
  });
});

describe("withCache: corrupt entries", () => {
  async function cacheTwoRanges(server: FakeServer) {
    const s1 = await session(server);
    await s1.source.getBytes(0, 64);
    await s1.source.getBytes(2000, 1000);
    await s1.source.getBytes(5000, 1000);
    await s1.manager.flush();
    return s1.store;
  }

  async function flipByte(store: FileCacheStore, k: ReturnType<typeof key>, at: number) {
    const path = store.pathOf(k);
    const bytes = new Uint8Array(await readFile(path));
    bytes[at] ^= 0x40;
    await writeFile(path, bytes);
  }

  it("discards a corrupt stored entry and refetches it online", async () => {
    const server = new FakeServer(FILE);
    const store = await cacheTwoRanges(server);
    await flipByte(store, key(server, 2000, 1000), 123);

    const s2 = await session(server);
    await s2.source.getBytes(0, 64);
    const before = server.requests;
    const got = await s2.source.getBytes(2000, 1000);
    expect(got).toEqual(FILE.subarray(2000, 3000));
    expect(server.requests).toBe(before + 1);
    expect(s2.source.stats.corrupt).toBe(1);
    await s2.manager.flush();
    expect(new Uint8Array(await readFile(s2.store.pathOf(key(server, 2000, 1000))))).toEqual(
      FILE.subarray(2000, 3000),
    );
  });

  it("reports a corrupt entry offline as OfflineError, never returns it, and deletes it", async () => {
    const server = new FakeServer(FILE);
    const store = await cacheTwoRanges(server);
    await flipByte(store, key(server, 2000, 1000), 999);
    server.mode = "down";

    const s2 = await session(server);
    const err = await s2.source.getBytes(2000, 1000).catch((e) => e);
    expect(isFlatvoxError(err, "OfflineError")).toBe(true);
    expect(String(err.message)).toContain("corrupt");
    expect(await s2.store.get(key(server, 2000, 1000))).toBeUndefined();
    expect(await s2.source.getBytes(5000, 1000)).toEqual(FILE.subarray(5000, 6000));
  });

  it("discards an entry the caller's verify rejects, even with a valid envelope", async () => {
    const server = new FakeServer(FILE);
    await cacheTwoRanges(server);
    const s2 = await session(server);
    await s2.source.getBytes(0, 64);
    const before = server.requests;
    let calls = 0;
    const verify = (b: Uint8Array) => {
      if (calls++ === 0) throw new Error("checksum mismatch");
      verifierFor(FILE, 5000)(b);
    };
    expect(await s2.source.getBytes(5000, 1000, { verify })).toEqual(FILE.subarray(5000, 6000));
    expect(server.requests).toBe(before + 1);
    expect(s2.source.stats.corrupt).toBe(1);
  });
});

describe("withCache: ETag changes", () => {
  it("invalidates the old version when a new session sees a new ETag", async () => {
    const server = new FakeServer(FILE);
    const s1 = await session(server);
    await s1.source.getBytes(0, 64);
    await s1.source.getBytes(3000, 500);
    await s1.manager.flush();

    const next = makeBytes(20_000, 99);
    server.replace(next, "v2");
    const s2 = await session(server);
    expect(await s2.source.getBytes(0, 64)).toEqual(next.subarray(0, 64));
    expect(await s2.source.getBytes(3000, 500)).toEqual(next.subarray(3000, 3500));
    await s2.manager.flush();
    const etags = new Set((await s2.store.keysByDataset(server.id)).map((e) => e.etag));
    expect([...etags]).toEqual(['"v2"']);
    expect(await s2.manager.getRecord(server.id)).toMatchObject({ etag: '"v2"' });
  });

  it("reports a change under an open dataset as ETagChangedError and drops the stale entries", async () => {
    const server = new FakeServer(FILE);
    const { source, manager, store } = await session(server);
    await source.getBytes(0, 64);
    await source.getBytes(100, 100);
    await manager.flush();
    const next = makeBytes(20_000, 5);
    server.replace(next, "v2");
    const err = await source.getBytes(9000, 100).catch((e) => e);
    expect(isFlatvoxError(err, "ETagChangedError")).toBe(true);
    await manager.flush();
    expect(await store.keysByDataset(server.id)).toEqual([]);
    // Continues under the new ETag.
    expect(await source.getBytes(100, 100)).toEqual(next.subarray(100, 200));
    expect(source.etag).toBe('"v2"');
    await manager.flush();
    expect((await store.keysByDataset(server.id)).map((e) => e.etag)).toEqual(['"v2"']);
  });

  it("invalidates when the inner source itself throws ETagChangedError", async () => {
    const server = new FakeServer(FILE);
    const { source, manager, store } = await session(server);
    await source.getBytes(0, 64);
    await manager.flush();
    server.replace(makeBytes(20_000, 6), "v3");
    server.throwOnChange = true;
    const err = await source.getBytes(500, 10).catch((e) => e);
    expect(isFlatvoxError(err, "ETagChangedError")).toBe(true);
    await manager.flush();
    expect(await store.keysByDataset(server.id)).toEqual([]);
    expect(source.etag).toBe('"v3"');
  });
});
