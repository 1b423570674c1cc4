import { appendFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CacheStore, StoredEntry } from "../../../src/cache/cache-types";
import { FileCacheStore } from "../../../src/cache/file-store";
import { MemoryCacheStore } from "../../../src/cache/memory-store";
import { xxhash32 as xxh32 } from "../../../src/format/xxhash32";
import { isFlatvoxError } from "../../../src/shared/errors";
import { makeBytes } from "./helpers";

function entry(dataset: string, etag: string, offset: number, length: number, lastUsed = 1): StoredEntry {
  const data = makeBytes(length, offset + 1);
  return { dataset, etag, offset, length, data, checksum: xxh32(data), lastUsed };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fvx-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const backends: [string, () => Promise<CacheStore>][] = [
  ["memory", async () => new MemoryCacheStore()],
  ["file", async () => FileCacheStore.open(dir)],
];

describe.each(backends)("%s store contract", (_name, make) => {
  it("stores, reads back, lists and deletes entries", async () => {
    const s = await make();
    const a = entry("u1", '"e1"', 0, 100);
    const b = entry("u1", '"e1"', 100, 50);
    const c = entry("u2", '"x"', 0, 10);
    await s.setMany({
      entries: [a, b, c],
      records: [{ key: "u1", url: "u1", etag: '"e1"', size: 150, lastUsed: 5 }],
    });
    const got = await s.get(a);
    expect(got?.data).toEqual(a.data);
    expect(got?.checksum).toBe(a.checksum);
    const many = await s.getMany([b, { ...b, offset: 999 }, c]);
    expect(many[0]?.data).toEqual(b.data);
    expect(many[1]).toBeUndefined();
    expect(many[2]?.data).toEqual(c.data);
    expect(await s.usage()).toBe(160);
    expect((await s.keysByDataset("u1")).map((e) => e.offset).sort()).toEqual([0, 100]);
    expect((await s.listEntries()).length).toBe(3);
    expect(await s.getRecord("u1")).toMatchObject({ etag: '"e1"', size: 150 });
    await s.delete([a]);
    expect(await s.get(a)).toBeUndefined();
    expect(await s.usage()).toBe(60);
    await s.deleteDataset("u1");
    expect(await s.keysByDataset("u1")).toEqual([]);
    expect(await s.getRecord("u1")).toBeUndefined();
    expect(await s.usage()).toBe(10);
    await s.clear();
    expect(await s.usage()).toBe(0);
    expect(await s.listEntries()).toEqual([]);
  });

  it("applies last-use touches only to entries that exist", async () => {
    const s = await make();
    const a = entry("u", "e", 0, 8, 1);
    await s.setMany({ entries: [a] });
    await s.setMany({
      touches: [{ ...a, data: undefined, lastUsed: 42 } as never, { ...a, offset: 8, lastUsed: 9 }],
    });
    const list = await s.listEntries();
    expect(list).toHaveLength(1);
    expect(list[0].lastUsed).toBe(42);
  });
});

describe("FileCacheStore", () => {
  it("persists across instances and ignores a torn journal tail", async () => {
    const s = await FileCacheStore.open(dir);
    const a = entry("http://h/a.fvx", '"1"', 4096, 300);
    await s.setMany({
      entries: [a],
      records: [{ key: "http://h/a.fvx", url: "http://h/a.fvx", etag: '"1"', lastUsed: 3 }],
    });
    await appendFile(join(dir, "journal.ndjson"), '["p","http://h/a.fvx","\\"1\\"",0,1');
    const s2 = await FileCacheStore.open(dir);
    expect((await s2.get(a))?.data).toEqual(a.data);
    expect(await s2.getRecord("http://h/a.fvx")).toMatchObject({ etag: '"1"' });
    expect(await s2.usage()).toBe(300);
  });

  it("writes whole files: the stored file is exactly the entry bytes", async () => {
    const s = await FileCacheStore.open(dir);
    const a = entry("d", "e", 0, 1234);
    await s.setMany({ entries: [a] });
    expect(new Uint8Array(await readFile(s.pathOf(a)))).toEqual(a.data);
  });

  it("forgets an entry whose file disappeared", async () => {
    const s = await FileCacheStore.open(dir);
    const a = entry("d", "e", 0, 10);
    await s.setMany({ entries: [a] });
    await rm(s.pathOf(a));
    expect(await s.get(a)).toBeUndefined();
    expect(await s.usage()).toBe(0);
  });

  it("compacts its journal and keeps the live index", async () => {
    const s = await FileCacheStore.open(dir);
    const a = entry("d", "e", 0, 16);
    await s.setMany({ entries: [a] });
    for (let i = 0; i < 1200; i++) await s.setMany({ touches: [{ ...a, lastUsed: i }] });
    const lines = (await readFile(join(dir, "journal.ndjson"), "utf8")).trim().split("\n");
    expect(lines.length).toBeLessThan(1100);
    const s2 = await FileCacheStore.open(dir);
    const list = await s2.listEntries();
    expect(list).toHaveLength(1);
    expect(list[0].lastUsed).toBe(1199);
  });

  it("rolls a failed batch back: no index entry, no orphan file", async () => {
    const s = await FileCacheStore.open(dir);
    const a = entry("d", "e", 0, 16);
    await s.setMany({ entries: [a] });
    // Make the commit point (the journal append) fail.
    await rm(join(dir, "journal.ndjson"));
    await mkdir(join(dir, "journal.ndjson"));
    const b = entry("d", "e", 16, 16);
    await expect(s.setMany({ entries: [b] })).rejects.toThrow();
    expect(await s.usage()).toBe(16);
    expect(await s.get(b)).toBeUndefined();
    await expect(stat(s.pathOf(b))).rejects.toThrow();
    expect((await s.get(a))?.data).toEqual(a.data);
  });
});

describe("MemoryCacheStore capacity", () => {
  it("refuses a batch over capacity with QuotaError and writes none of it", async () => {
    const s = new MemoryCacheStore({ capacityBytes: 100 });
    await s.setMany({ entries: [entry("d", "e", 0, 60)] });
    const err = await s
      .setMany({ entries: [entry("d", "e", 60, 30), entry("d", "e", 90, 30)] })
      .catch((e) => e);
    expect(isFlatvoxError(err, "QuotaError")).toBe(true);
    expect(await s.usage()).toBe(60);
    expect(await s.listEntries()).toHaveLength(1);
  });
});
