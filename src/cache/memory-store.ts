/**
 * An in-memory CacheStore: the "memory" cache kind (no persistence, same
 * behaviour) and the reference backend for tests. `capacityBytes` makes it
 * refuse batches the way a full IndexedDB does (QuotaError, nothing written).
 */
import type { CacheStore, DatasetRecord, EntryInfo, EntryKey, StoredEntry, WriteBatch } from "./cache-types";
import { entryId, infoOf, quotaError } from "./cache-types";

export interface MemoryStoreOptions {
  /** Hard storage limit in bytes of entry data; a batch that would exceed it fails with QuotaError. */
  capacityBytes?: number;
}

export class MemoryCacheStore implements CacheStore {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, StoredEntry>();
  private readonly records = new Map<string, DatasetRecord>();
  private bytes = 0;
  capacityBytes: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.capacityBytes = opts.capacityBytes ?? Number.POSITIVE_INFINITY;
  }

  async get(key: EntryKey): Promise<StoredEntry | undefined> {
    const e = this.entries.get(entryId(key));
    return e && { ...e };
  }

  async getMany(keys: EntryKey[]): Promise<(StoredEntry | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async setMany(batch: WriteBatch): Promise<void> {
    // All or nothing, as in one IndexedDB transaction.
    let after = this.bytes;
    for (const e of batch.entries ?? []) {
      after += e.data.length - (this.entries.get(entryId(e))?.data.length ?? 0);
    }
    if (after > this.capacityBytes) {
      throw quotaError(`memory store full (${after} > ${this.capacityBytes} bytes)`);
    }
    for (const e of batch.entries ?? []) {
      this.entries.set(entryId(e), { ...infoOf(e), data: e.data });
    }
    this.bytes = after;
    for (const t of batch.touches ?? []) {
      const e = this.entries.get(entryId(t));
      if (e) e.lastUsed = t.lastUsed;
    }
    for (const r of batch.records ?? []) this.records.set(r.key, { ...r });
  }

  async delete(keys: EntryKey[]): Promise<void> {
    for (const k of keys) {
      const id = entryId(k);
      const e = this.entries.get(id);
      if (!e) continue;
      this.bytes -= e.data.length;
      this.entries.delete(id);
    }
  }

  async keysByDataset(dataset: string): Promise<EntryInfo[]> {
    return [...this.entries.values()].filter((e) => e.dataset === dataset).map(infoOf);
  }

  async listEntries(): Promise<EntryInfo[]> {
    return [...this.entries.values()].map(infoOf);
  }

  async listRecords(): Promise<DatasetRecord[]> {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  async getRecord(dataset: string): Promise<DatasetRecord | undefined> {
    const r = this.records.get(dataset);
    return r && { ...r };
  }

  async deleteDataset(dataset: string): Promise<void> {
    await this.delete(await this.keysByDataset(dataset));
    this.records.delete(dataset);
  }

  async clear(): Promise<void> {
    this.entries.clear();
    this.records.clear();
    this.bytes = 0;
  }

  async usage(): Promise<number> {
    return this.bytes;
  }

  /** Test/diagnostic access to the stored bytes of an entry (not a copy). */
  rawEntry(key: EntryKey): StoredEntry | undefined {
    return this.entries.get(entryId(key));
  }
}
