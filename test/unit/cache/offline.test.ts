import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CacheManager } from "../../../src/cache/cache-manager";
import { withCache } from "../../../src/cache/cached-source";
import { FileCacheStore } from "../../../src/cache/file-store";
import { isNetworkError } from "../../../src/cache/network-error";
import { FlatvoxError, isFlatvoxError } from "../../../src/shared/errors";
import { FakeServer, makeBytes } from "./helpers";

const FILE = makeBytes(100_000, 11);
let dir: string;
let open: CacheManager[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fvx-offline-"));
});
afterEach(async () => {
  for (const m of open) await m.close();
  open = [];
  await rm(dir, { recursive: true, force: true });
});

async function session(server: FakeServer, offlineRetryMs = 60_000) {
  server.forget();
  const manager = new CacheManager(await FileCacheStore.open(dir), { flushDelayMs: 5 });
  open.push(manager);
  const flips: boolean[] = [];
  const source = withCache(server, manager, { offlineRetryMs, onOnlineChange: (o) => flips.push(o) });
  return { manager, source, flips };
}

/** A first session that viewed the header and two bricks, then closed. */
async function viewedBefore(server: FakeServer) {
  const s = await session(server);
  await s.source.getBytes(0, 65536, { upTo: true });
  await s.source.getBytes(70_000, 2000);
  await s.source.getBytes(80_000, 4000);
  await s.manager.flush();
}

describe("offline", () => {
  it("reopens a dataset viewed before with the server gone", async () => {
    const server = new FakeServer(FILE);
    await viewedBefore(server);
    server.mode = "down";
    const { source, flips } = await session(server);
    expect(await source.getBytes(0, 65536, { upTo: true })).toEqual(FILE.subarray(0, 65536));
    expect(await source.getBytes(70_000, 2000)).toEqual(FILE.subarray(70_000, 72_000));
    expect(await source.getBytes(81_000, 1000)).toEqual(FILE.subarray(81_000, 82_000)); // inside a cached range
    expect(source.online).toBe(false);
    expect(flips).toEqual([false]);
    expect(source.etag).toBeUndefined(); // not validated this session
    expect(source.size).toBe(FILE.length);
  });

  it("fails a miss with OfflineError and does not hammer the network", async () => {
    const server = new FakeServer(FILE);
    await viewedBefore(server);
    server.mode = "down";
    const { source } = await session(server);
    await source.getBytes(70_000, 2000);
    const requests = server.requests;
    for (let i = 0; i < 3; i++) {
      const err = await source.getBytes(90_000, 100).catch((e) => e);
      expect(isFlatvoxError(err, "OfflineError")).toBe(true);
      expect(err.message).toContain("not cached and the server is unreachable");
      expect(err.context).toMatchObject({ offset: 90_000, length: 100 });
    }
    expect(server.requests).toBe(requests);
  });

  it("without any cached record a read offline is an OfflineError", async () => {
    const server = new FakeServer(FILE);
    server.mode = "down";
    const { source } = await session(server);
    const err = await source.getBytes(0, 100).catch((e) => e);
    expect(isFlatvoxError(err, "OfflineError")).toBe(true);
    expect(source.online).toBe(false);
  });

  it("comes back online: the next miss is fetched and the flip is reported", async () => {
    const server = new FakeServer(FILE);
    await viewedBefore(server);
    server.mode = "down";
    const { source, flips } = await session(server, 0);
    await expect(source.getBytes(95_000, 10)).rejects.toThrow(/unreachable/);
    server.mode = "up";
    expect(await source.getBytes(95_000, 10)).toEqual(FILE.subarray(95_000, 95_010));
    expect(source.online).toBe(true);
    expect(flips).toEqual([false, true]);
    expect(source.etag).toBe('"v1"');
  });

  it("treats 5xx as unreachable but 404 as an answer", async () => {
    const server = new FakeServer(FILE);
    await viewedBefore(server);
    server.mode = "http500";
    const a = await session(server);
    expect(await a.source.getBytes(70_000, 2000)).toEqual(FILE.subarray(70_000, 72_000));
    expect(a.source.online).toBe(false);

    server.mode = "http404";
    const b = await session(server);
    const err = await b.source.getBytes(70_000, 2000).catch((e) => e);
    expect(isFlatvoxError(err, "HttpError")).toBe(true);
    expect(err.context.status).toBe(404);
    expect(b.source.online).toBe(true);
  });

  it("a server that changed while we were offline is reported, stale entries dropped", async () => {
    const server = new FakeServer(FILE);
    await viewedBefore(server);
    server.mode = "down";
    const { source, manager } = await session(server, 0);
    await source.getBytes(70_000, 2000); // served from cache under "v1"
    server.mode = "up";
    server.replace(makeBytes(100_000, 12), "v2");
    const err = await source.getBytes(95_000, 10).catch((e) => e);
    expect(isFlatvoxError(err, "ETagChangedError")).toBe(true);
    expect((await manager.listDatasets())[0]).toMatchObject({ etag: '"v2"', entries: 0 });
  });
});

describe("isNetworkError", () => {
  it("classifies failures", () => {
    expect(isNetworkError(new TypeError("Failed to fetch"))).toBe(true);
    expect(isNetworkError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(isNetworkError(new FlatvoxError("HttpError", "x", { status: 502 }))).toBe(true);
    expect(isNetworkError(new FlatvoxError("HttpError", "x", {}))).toBe(true);
    expect(isNetworkError(new FlatvoxError("HttpError", "x", { status: 403 }))).toBe(false);
    expect(isNetworkError(new FlatvoxError("TruncatedError", "x"))).toBe(false);
    expect(isNetworkError(new FlatvoxError("AbortError", "x"))).toBe(false);
    expect(isNetworkError(new DOMException("aborted", "AbortError"))).toBe(false);
    expect(isNetworkError(new Error("plain"))).toBe(false);
  });
});
