/**
 * Coalesces concurrent store reads into one getMany, i.e. one IndexedDB
 * transaction per macrotask instead of one per entry (the cost is per
 * transaction, not per byte).
 */
import type { CacheStore, EntryKey, StoredEntry } from "./cache-types";

interface PendingRead {
  key: EntryKey;
  resolve: (e: StoredEntry | undefined) => void;
  reject: (e: unknown) => void;
}

export class ReadBatcher {
  private reads: PendingRead[] = [];
  private scheduled = false;

  constructor(private readonly store: CacheStore) {}

  get(key: EntryKey): Promise<StoredEntry | undefined> {
    return new Promise((resolve, reject) => {
      this.reads.push({ key, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setTimeout(() => this.drain(), 0);
    });
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.reads;
    this.reads = [];
    this.store.getMany(batch.map((r) => r.key)).then(
      (rows) => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(rows[i]);
      },
      (e) => {
        for (const r of batch) r.reject(e);
      },
    );
  }
}
