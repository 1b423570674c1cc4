/**
 * The persistent cache's storage contract. A store is deliberately dumb: it
 * keeps byte ranges and small records and reports usage; checksums, LRU,
 * quota and batching live in the CacheManager above it, so every backend
 * (IndexedDB, files, memory) behaves the same.
 */
import { FlatvoxError } from "../shared/errors";

/** One cached byte range of one version (ETag) of one dataset. */
export interface EntryKey {
  /** Dataset key: the source id (URL or path) unless the caller chose another. */
  dataset: string;
  etag: string;
  offset: number;
  length: number;
}

/** What the index knows about an entry, without its bytes. */
export interface EntryInfo extends EntryKey {
  /** xxHash32 of the stored bytes, computed when stored (the envelope checksum). */
  checksum: number;
  /** Last use, ms since the epoch (updated lazily). */
  lastUsed: number;
}

export interface StoredEntry extends EntryInfo {
  data: Uint8Array;
}

/** The small per-dataset record that lets a session reopen offline. */
export interface DatasetRecord {
  key: string;
  url: string;
  /** Last known ETag (validator) of the dataset. */
  etag: string;
  size?: number;
  lastUsed: number;
}

/** Everything one flush writes, committed in a single transaction. */
export interface WriteBatch {
  entries?: StoredEntry[];
  /** Index-only updates (last use); entries not present in the store are ignored. */
  touches?: EntryInfo[];
  records?: DatasetRecord[];
}

export interface CacheStore {
  readonly kind: "indexeddb" | "file" | "memory";
  get(key: EntryKey): Promise<StoredEntry | undefined>;
  getMany(keys: EntryKey[]): Promise<(StoredEntry | undefined)[]>;
  /**
   * Atomically write a batch (one IndexedDB transaction, one journal append).
   * Throws FlatvoxError "QuotaError" when the storage is full; then nothing
   * of the batch is written.
   */
  setMany(batch: WriteBatch): Promise<void>;
  delete(keys: EntryKey[]): Promise<void>;
  /** Index of one dataset's entries (all ETags), without bytes. */
  keysByDataset(dataset: string): Promise<EntryInfo[]>;
  /** Index of every entry, without bytes. */
  listEntries(): Promise<EntryInfo[]>;
  listRecords(): Promise<DatasetRecord[]>;
  getRecord(dataset: string): Promise<DatasetRecord | undefined>;
  /** Remove a dataset's entries (all ETags) and its record. */
  deleteDataset(dataset: string): Promise<void>;
  clear(): Promise<void>;
  /** Bytes of entry data held. */
  usage(): Promise<number>;
  close?(): Promise<void>;
}

/** A stable string for an entry key (map keys, file names). */
export function entryId(k: EntryKey): string {
  return `${k.dataset}\u0000${k.etag}\u0000${k.offset}\u0000${k.length}`;
}

/** Key of a (dataset, etag) group. */
export function versionId(dataset: string, etag: string): string {
  return `${dataset}\u0000${etag}`;
}

export function keyOf(e: EntryKey): EntryKey {
  return { dataset: e.dataset, etag: e.etag, offset: e.offset, length: e.length };
}

export function infoOf(e: EntryInfo): EntryInfo {
  return { ...keyOf(e), checksum: e.checksum, lastUsed: e.lastUsed };
}

export function quotaError(
  message: string,
  cause?: unknown,
  context: Record<string, unknown> = {},
): FlatvoxError {
  return new FlatvoxError("QuotaError", message, context, { cause });
}

/** A QuotaExceededError from IndexedDB / Storage, or a disk-full error from Node. */
export function isQuotaExceeded(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const name = (e as { name?: unknown }).name;
  const code = (e as { code?: unknown }).code;
  return name === "QuotaExceededError" || name === "QuotaError" || code === "ENOSPC" || code === "EDQUOT";
}
