/**
 * FileCacheStore write and read throughput (MB/s, records/s), against a
 * baseline in the same process: plain writeFile/readFile of the same records
 * into one directory (no rename, no journal). Prints JSON.
 *
 *   npx tsx bench/cache-file.ts [totalMiB=64]
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEntry } from "../src/cache/cache-types";
import { FileCacheStore } from "../src/cache/file-store";
import { xxhash32 as xxh32 } from "../src/format/xxhash32";

const totalMiB = Number(process.argv[2] ?? 64);
const BATCH = 64;

function records(size: number, count: number): StoredEntry[] {
  const out: StoredEntry[] = [];
  let x = 12345;
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j += 4) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      data[j] = x;
      data[j + 1] = x >>> 8;
    }
    out.push({
      dataset: "http://127.0.0.1/bench.fvx",
      etag: '"b1"',
      offset: i * size,
      length: size,
      data,
      checksum: xxh32(data),
      lastUsed: i,
    });
  }
  return out;
}

async function measure(size: number) {
  const count = Math.max(BATCH, Math.floor((totalMiB * 2 ** 20) / size));
  const recs = records(size, count);
  const mib = (count * size) / 2 ** 20;
  const dir = await mkdtemp(join(tmpdir(), "fvx-bench-"));
  try {
    // Baseline: plain files, same batching of parallel writes.
    const raw = join(dir, "raw");
    await mkdir(raw);
    let t = performance.now();
    for (let i = 0; i < count; i += BATCH) {
      await Promise.all(recs.slice(i, i + BATCH).map((r) => writeFile(join(raw, `${r.offset}.bin`), r.data)));
    }
    const rawWrite = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < count; i += BATCH) {
      await Promise.all(recs.slice(i, i + BATCH).map((r) => readFile(join(raw, `${r.offset}.bin`))));
    }
    const rawRead = (performance.now() - t) / 1000;

    const store = await FileCacheStore.open(join(dir, "store"));
    t = performance.now();
    for (let i = 0; i < count; i += BATCH) await store.setMany({ entries: recs.slice(i, i + BATCH) });
    const write = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < count; i += BATCH) {
      const got = await store.getMany(recs.slice(i, i + BATCH));
      // What the cache does on every hit: the envelope checksum.
      for (let j = 0; j < got.length; j++)
        if (xxh32(got[j]!.data) !== recs[i + j].checksum) throw new Error("bad read");
    }
    const read = (performance.now() - t) / 1000;
    t = performance.now();
    const reopened = await FileCacheStore.open(join(dir, "store"));
    const reopen = (performance.now() - t) / 1000;
    if ((await reopened.usage()) !== count * size) throw new Error("usage mismatch after reopen");
    return {
      recordBytes: size,
      records: count,
      MiB: mib,
      write: { MBps: mib / write, recordsPerSec: count / write, vsPlainFiles: rawWrite / write },
      readVerified: { MBps: mib / read, recordsPerSec: count / read, vsPlainFiles: rawRead / read },
      baseline: { writeMBps: mib / rawWrite, readMBps: mib / rawRead },
      reopenMs: reopen * 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const size of [4096, 65536, 1 << 20]) results.push(await measure(size));
console.log(
  JSON.stringify({ bench: "cache-file", batch: BATCH, totalMiB, node: process.version, results }, null, 2),
);
