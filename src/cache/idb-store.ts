/**
 * A CacheStore over IndexedDB through idb-keyval (the browser's persistent cache).
 *
 * One object store, array keys in three families so one transaction can
 * write bytes, index and records together:
 *   ["d", dataset, etag, offset, length] → { data, checksum }        entry bytes
 *   ["i", dataset, etag, offset, length] → EntryInfo                  small index row
 *   ["m", dataset]                       → DatasetRecord
 * Listing and eviction read only "i" rows, so they never load bytes; a
 * last-use update rewrites only the small row. IndexedDB's cost is per
 * transaction, so callers batch (setMany is one transaction).
 */
import { createStore, delMany, getMany, promisifyRequest, type UseStore } from "idb-keyval";
import type { CacheStore, DatasetRecord, EntryInfo, EntryKey, StoredEntry, WriteBatch } from "./cache-types";
import { infoOf, isQuotaExceeded, quotaError } from "./cache-types";

type Family = "d" | "i" | "m";

function k(family: Family, e: EntryKey): IDBValidKey {
  return [family, e.dataset, e.etag, e.offset, e.length];
}

/** Every key of a family (optionally of one dataset): arrays sort after strings, so [] bounds a prefix. */
function familyRange(family: Family, dataset?: string): IDBKeyRange {
  return dataset === undefined
    ? IDBKeyRange.bound([family], [family, []])
    : IDBKeyRange.bound([family, dataset], [family, dataset, []]);
}

interface DataRow {
  data: Uint8Array;
  checksum: number;
}

/** A structured clone copies a view's whole buffer: store exactly the entry's bytes. */
function exactBytes(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

export class IdbCacheStore implements CacheStore {
  readonly kind = "indexeddb" as const;
  private readonly store: UseStore;

  constructor(
    readonly dbName = "flatvox-cache",
    readonly storeName = "entries",
  ) {
    this.store = createStore(dbName, storeName);
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (isQuotaExceeded(e)) throw quotaError("IndexedDB quota exceeded", e, { url: this.dbName });
      throw e;
    }
  }

  async get(key: EntryKey): Promise<StoredEntry | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: EntryKey[]): Promise<(StoredEntry | undefined)[]> {
    if (keys.length === 0) return [];
    // One read transaction for bytes and index rows together.
    const rows = await getMany<DataRow | EntryInfo>(
      [...keys.map((x) => k("d", x)), ...keys.map((x) => k("i", x))],
      this.store,
    );
    return keys.map((key, j) => {
      const d = rows[j] as DataRow | undefined;
      const info = rows[keys.length + j] as EntryInfo | undefined;
      if (!d || !(d.data instanceof Uint8Array)) return undefined;
      return { ...key, checksum: d.checksum, lastUsed: info?.lastUsed ?? 0, data: d.data };
    });
  }

  async setMany(batch: WriteBatch): Promise<void> {
    const entries = batch.entries ?? [];
    const touches = batch.touches ?? [];
    const records = batch.records ?? [];
    if (entries.length + touches.length + records.length === 0) return;
    // One readwrite transaction: all of the batch lands or none of it.
    await this.guard(() =>
      this.store("readwrite", (s) => {
        for (const e of entries) {
          s.put({ data: exactBytes(e.data), checksum: e.checksum } satisfies DataRow, k("d", e));
          s.put(infoOf(e), k("i", e));
        }
        // A last-use update rewrites the small row only, and only if the entry still exists.
        for (const t of touches) {
          const key = k("i", t);
          const req = s.get(key);
          req.onsuccess = () => {
            if (req.result) s.put(infoOf(t), key);
          };
        }
        for (const r of records) s.put({ ...r }, ["m", r.key]);
        return promisifyRequest(s.transaction);
      }),
    );
  }

  async delete(keys: EntryKey[]): Promise<void> {
    if (keys.length === 0) return;
    await delMany(
      keys.flatMap((x) => [k("d", x), k("i", x)]),
      this.store,
    );
  }

  async keysByDataset(dataset: string): Promise<EntryInfo[]> {
    return this.store("readonly", (s) =>
      promisifyRequest(s.getAll(familyRange("i", dataset)) as IDBRequest<EntryInfo[]>),
    );
  }

  async listEntries(): Promise<EntryInfo[]> {
    return this.store("readonly", (s) =>
      promisifyRequest(s.getAll(familyRange("i")) as IDBRequest<EntryInfo[]>),
    );
  }

  async listRecords(): Promise<DatasetRecord[]> {
    return this.store("readonly", (s) =>
      promisifyRequest(s.getAll(familyRange("m")) as IDBRequest<DatasetRecord[]>),
    );
  }

  async getRecord(dataset: string): Promise<DatasetRecord | undefined> {
    return (await getMany<DatasetRecord>([["m", dataset]], this.store))[0];
  }

  async deleteDataset(dataset: string): Promise<void> {
    await this.store("readwrite", (s) => {
      s.delete(familyRange("d", dataset));
      s.delete(familyRange("i", dataset));
      s.delete(["m", dataset]);
      return promisifyRequest(s.transaction);
    });
  }

  async clear(): Promise<void> {
    await this.store("readwrite", (s) => {
      s.clear();
      return promisifyRequest(s.transaction);
    });
  }

  async usage(): Promise<number> {
    let total = 0;
    for (const e of await this.listEntries()) total += e.length;
    return total;
  }
}
