/**
 * The in-memory index of a persistent cache: every entry's key, checksum and
 * last use, grouped by dataset version. It answers "is it cached?",
 * "which cached range contains this one?" and "what is least recently used?"
 * without touching storage.
 */
import { type EntryInfo, type EntryKey, entryId, versionId } from "./cache-types";

export class CacheIndex {
  private readonly entries = new Map<string, EntryInfo>();
  private readonly versions = new Map<string, Set<string>>();
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.size;
  }

  get(key: EntryKey): EntryInfo | undefined {
    return this.entries.get(entryId(key));
  }

  has(key: EntryKey): boolean {
    return this.entries.has(entryId(key));
  }

  add(info: EntryInfo): void {
    const id = entryId(info);
    const old = this.entries.get(id);
    if (old) this.total -= old.length;
    this.entries.set(id, info);
    this.total += info.length;
    const v = versionId(info.dataset, info.etag);
    let set = this.versions.get(v);
    if (!set) {
      set = new Set();
      this.versions.set(v, set);
    }
    set.add(id);
  }

  remove(key: EntryKey): EntryInfo | undefined {
    const id = entryId(key);
    const old = this.entries.get(id);
    if (!old) return undefined;
    this.entries.delete(id);
    this.total -= old.length;
    const v = versionId(old.dataset, old.etag);
    const set = this.versions.get(v);
    set?.delete(id);
    if (set?.size === 0) this.versions.delete(v);
    return old;
  }

  clear(): void {
    this.entries.clear();
    this.versions.clear();
    this.total = 0;
  }

  all(): IterableIterator<EntryInfo> {
    return this.entries.values();
  }

  /** Entries of one dataset, any version (`except` excludes one ETag). */
  ofDataset(dataset: string, except?: string): EntryInfo[] {
    return [...this.entries.values()].filter((e) => e.dataset === dataset && e.etag !== except);
  }

  /** The smallest cached range of (dataset, etag) that covers [offset, offset+length). */
  containing(dataset: string, etag: string, offset: number, length: number): EntryInfo | undefined {
    const set = this.versions.get(versionId(dataset, etag));
    if (!set) return undefined;
    let best: EntryInfo | undefined;
    for (const id of set) {
      const e = this.entries.get(id)!;
      if (e.offset <= offset && e.offset + e.length >= offset + length && (!best || e.length < best.length)) {
        best = e;
      }
    }
    return best;
  }

  /** Least recently used first, skipping `exclude` ids. */
  lruOrder(exclude?: Set<string>): EntryInfo[] {
    const list = [...this.entries.values()];
    const kept = exclude?.size ? list.filter((e) => !exclude.has(entryId(e))) : list;
    return kept.sort((a, b) => a.lastUsed - b.lastUsed);
  }
}
