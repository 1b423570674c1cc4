/** Shared fixtures for the cache tests: a switchable "server" and a store that counts transactions. */

import type { CacheStore, EntryKey, WriteBatch } from "../../../src/cache/cache-types";
import type { ByteSource, ReadOptions } from "../../../src/io/byte-source";
import { MemorySource } from "../../../src/io/memory-source";
import { FlatvoxError } from "../../../src/shared/errors";

/** Deterministic bytes (xorshift) so tests can compare content. */
export function makeBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export type ServerMode = "up" | "down" | "http500" | "http404";

/**
 * A remote object whose reachability and content can be changed mid-test.
 * "down" fails like fetch() does without a network (TypeError with a socket cause).
 */
export class FakeServer implements ByteSource {
  readonly id: string;
  mode: ServerMode = "up";
  requests = 0;
  /** The ETag and size of the last successful response (unknown before the first, as for HTTP). */
  etag: string | undefined;
  size: number | undefined;
  private source: MemorySource;
  /** When set, the next read throws ETagChangedError (the source noticed the change itself). */
  throwOnChange = false;

  constructor(
    bytes: Uint8Array,
    readonly url = "http://127.0.0.1:1/data.fvx",
    version = "v1",
  ) {
    this.id = url;
    this.source = new MemorySource(bytes, url, `"${version}"`);
  }

  /** Forget what the last response said, as a newly created HTTP source would not know it. */
  forget(): void {
    this.etag = undefined;
    this.size = undefined;
  }

  /** Replace the object (new ETag). */
  replace(bytes: Uint8Array, version: string): void {
    this.source = new MemorySource(bytes, this.url, `"${version}"`);
  }

  async getBytes(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    this.requests++;
    if (this.mode === "down") {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      });
    }
    if (this.mode === "http500")
      throw new FlatvoxError("HttpError", "server error", { status: 503, url: this.url });
    if (this.mode === "http404")
      throw new FlatvoxError("HttpError", "not found", { status: 404, url: this.url });
    if (this.throwOnChange) {
      this.throwOnChange = false;
      this.etag = this.source.etag;
      throw new FlatvoxError("ETagChangedError", "ETag changed", { url: this.url, etag: this.source.etag });
    }
    const out = await this.source.getBytes(offset, length, options);
    this.etag = this.source.etag;
    this.size = this.source.size;
    // A fresh copy, as a network response would be.
    return out.slice();
  }
}

/** A CacheStore wrapper that counts transactions (instrumentation around a real store). */
export class CountingStore implements CacheStore {
  setManyCalls = 0;
  getManyCalls = 0;
  entriesWritten = 0;
  constructor(readonly inner: CacheStore) {}
  get kind() {
    return this.inner.kind;
  }
  get(key: EntryKey) {
    this.getManyCalls++;
    return this.inner.get(key);
  }
  getMany(keys: EntryKey[]) {
    this.getManyCalls++;
    return this.inner.getMany(keys);
  }
  setMany(batch: WriteBatch) {
    this.setManyCalls++;
    this.entriesWritten += batch.entries?.length ?? 0;
    return this.inner.setMany(batch);
  }
  delete(keys: EntryKey[]) {
    return this.inner.delete(keys);
  }
  keysByDataset(d: string) {
    return this.inner.keysByDataset(d);
  }
  listEntries() {
    return this.inner.listEntries();
  }
  listRecords() {
    return this.inner.listRecords();
  }
  getRecord(d: string) {
    return this.inner.getRecord(d);
  }
  deleteDataset(d: string) {
    return this.inner.deleteDataset(d);
  }
  clear() {
    return this.inner.clear();
  }
  usage() {
    return this.inner.usage();
  }
}

/** A verify callback over known content, like the reader's checksum check. */
export function verifierFor(expected: Uint8Array, offset: number): (b: Uint8Array) => void {
  return (b) => {
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== expected[offset + i]) {
        throw new FlatvoxError("ChecksumError", "checksum mismatch", {
          offset: offset + i,
          section: "brick",
        });
      }
    }
  };
}
