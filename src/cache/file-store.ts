/**
 * A CacheStore on the Node file system (the CLI's persistent cache).
 *
 * Layout under `dir`:
 *   data/<dataset hash>/<etag hash>-<offset>-<length>.bin   raw entry bytes
 *   journal.ndjson                                           one JSON array per line
 * Entry files are written to a temporary name and renamed into place; the
 * journal append that follows is the commit point of a batch, so a crash
 * leaves at worst an orphan file, never an index entry without its bytes.
 * A torn last journal line is ignored on load. The journal is compacted when
 * it grows well past the live index.
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { xxhash32 } from "../format/xxhash32";
import type { CacheStore, DatasetRecord, EntryInfo, EntryKey, StoredEntry, WriteBatch } from "./cache-types";
import { entryId, infoOf, isQuotaExceeded, quotaError } from "./cache-types";

/** 8 hex digits of XXH32 of a string. */
function xxh32Hex(text: string, seed: number): string {
  return xxhash32(new TextEncoder().encode(text), seed).toString(16).padStart(8, "0");
}

type Line =
  | ["p", string, string, number, number, number, number] // put: dataset, etag, offset, length, checksum, lastUsed
  | ["t", string, string, number, number, number] // touch: ..., lastUsed
  | ["d", string, string, number, number] // delete
  | ["r", string, string, string, number | null, number] // record: key, url, etag, size, lastUsed
  | ["x", string]; // drop dataset

const JOURNAL = "journal.ndjson";

const names = new Map<string, string>();

/** 16 hex digits naming a dataset or ETag on disk (memoized: the same few strings recur). */
function hash64(text: string): string {
  let h = names.get(text);
  if (h === undefined) {
    h = xxh32Hex(text, 0) + xxh32Hex(text, 0x9e3779b1);
    if (names.size > 10_000) names.clear();
    names.set(text, h);
  }
  return h;
}

export class FileCacheStore implements CacheStore {
  readonly kind = "file" as const;
  private index = new Map<string, EntryInfo>();
  private records = new Map<string, DatasetRecord>();
  private bytes = 0;
  private journalLines = 0;
  private loaded: Promise<void> | undefined;
  /** Mutations run one at a time so the journal order matches the index. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** Open (create if needed) a store and load its journal. */
  static async open(dir: string): Promise<FileCacheStore> {
    const s = new FileCacheStore(dir);
    await s.ready();
    return s;
  }

  ready(): Promise<void> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  /** Path of an entry's data file (exported for diagnostics and tests). */
  pathOf(k: EntryKey): string {
    return join(this.dir, "data", hash64(k.dataset), `${hash64(k.etag)}-${k.offset}-${k.length}.bin`);
  }

  private async load(): Promise<void> {
    await mkdir(join(this.dir, "data"), { recursive: true });
    let text = "";
    try {
      text = await readFile(join(this.dir, JOURNAL), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    for (const raw of text.split("\n")) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw);
      } catch {
        continue; // torn write at the tail
      }
      if (Array.isArray(line)) this.apply(line);
      this.journalLines++;
    }
  }

  private apply(line: Line): void {
    switch (line[0]) {
      case "p": {
        const [, dataset, etag, offset, length, checksum, lastUsed] = line;
        const id = entryId({ dataset, etag, offset, length });
        if (!this.index.has(id)) this.bytes += length;
        this.index.set(id, { dataset, etag, offset, length, checksum, lastUsed });
        break;
      }
      case "t": {
        const [, dataset, etag, offset, length, lastUsed] = line;
        const e = this.index.get(entryId({ dataset, etag, offset, length }));
        if (e) e.lastUsed = lastUsed;
        break;
      }
      case "d": {
        const [, dataset, etag, offset, length] = line;
        const id = entryId({ dataset, etag, offset, length });
        if (this.index.delete(id)) this.bytes -= length;
        break;
      }
      case "r": {
        const [, key, url, etag, size, lastUsed] = line;
        this.records.set(key, { key, url, etag, size: size ?? undefined, lastUsed });
        break;
      }
      case "x": {
        for (const [id, e] of this.index) {
          if (e.dataset === line[1]) {
            this.index.delete(id);
            this.bytes -= e.length;
          }
        }
        this.records.delete(line[1]);
        break;
      }
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.ready()).then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(lines: Line[]): Promise<void> {
    if (lines.length === 0) return;
    await appendFile(join(this.dir, JOURNAL), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    for (const l of lines) this.apply(l);
    this.journalLines += lines.length;
    if (this.journalLines > 2 * (this.index.size + this.records.size) + 1024) await this.compact();
  }

  private async compact(): Promise<void> {
    const lines: Line[] = [];
    for (const e of this.index.values()) {
      lines.push(["p", e.dataset, e.etag, e.offset, e.length, e.checksum, e.lastUsed]);
    }
    for (const r of this.records.values())
      lines.push(["r", r.key, r.url, r.etag, r.size ?? null, r.lastUsed]);
    const tmp = join(this.dir, `${JOURNAL}.${randomBytes(4).toString("hex")}.tmp`);
    await writeFile(tmp, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    await rename(tmp, join(this.dir, JOURNAL));
    this.journalLines = lines.length;
  }

  async get(key: EntryKey): Promise<StoredEntry | undefined> {
    await this.ready();
    const info = this.index.get(entryId(key));
    if (!info) return undefined;
    let data: Uint8Array;
    try {
      const buf = await readFile(this.pathOf(key));
      data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // The file went away behind the index: forget the entry.
      await this.delete([key]);
      return undefined;
    }
    return { ...infoOf(info), data };
  }

  async getMany(keys: EntryKey[]): Promise<(StoredEntry | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  setMany(batch: WriteBatch): Promise<void> {
    return this.serial(async () => {
      const written: string[] = [];
      const fresh: string[] = [];
      const lines: Line[] = [];
      try {
        const dirs = new Set<string>();
        for (const e of batch.entries ?? []) dirs.add(join(this.dir, "data", hash64(e.dataset)));
        for (const d of dirs) await mkdir(d, { recursive: true });
        await Promise.all(
          (batch.entries ?? []).map(async (e) => {
            const path = this.pathOf(e);
            const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
            written.push(tmp);
            await writeFile(tmp, e.data);
            await rename(tmp, path);
            written[written.indexOf(tmp)] = path;
            if (!this.index.has(entryId(e))) fresh.push(path);
            lines.push(["p", e.dataset, e.etag, e.offset, e.length, e.checksum, e.lastUsed]);
          }),
        );
        for (const t of batch.touches ?? []) {
          if (this.index.has(entryId(t)))
            lines.push(["t", t.dataset, t.etag, t.offset, t.length, t.lastUsed]);
        }
        for (const r of batch.records ?? [])
          lines.push(["r", r.key, r.url, r.etag, r.size ?? null, r.lastUsed]);
        await this.commit(lines);
      } catch (e) {
        // Undo files that no index entry refers to; then report.
        const orphans = written.filter((p) => p.endsWith(".tmp") || fresh.includes(p));
        await Promise.all(orphans.map((p) => unlink(p).catch(() => undefined)));
        if (isQuotaExceeded(e)) throw quotaError("disk full while caching", e, { url: this.dir });
        throw e;
      }
    });
  }

  delete(keys: EntryKey[]): Promise<void> {
    return this.serial(async () => {
      const present = keys.filter((k) => this.index.has(entryId(k)));
      await this.commit(present.map((k): Line => ["d", k.dataset, k.etag, k.offset, k.length]));
      await Promise.all(present.map((k) => unlink(this.pathOf(k)).catch(() => undefined)));
    });
  }

  async keysByDataset(dataset: string): Promise<EntryInfo[]> {
    await this.ready();
    return [...this.index.values()].filter((e) => e.dataset === dataset).map(infoOf);
  }

  async listEntries(): Promise<EntryInfo[]> {
    await this.ready();
    return [...this.index.values()].map(infoOf);
  }

  async listRecords(): Promise<DatasetRecord[]> {
    await this.ready();
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  async getRecord(dataset: string): Promise<DatasetRecord | undefined> {
    await this.ready();
    const r = this.records.get(dataset);
    return r && { ...r };
  }

  deleteDataset(dataset: string): Promise<void> {
    return this.serial(async () => {
      await this.commit([["x", dataset]]);
      await rm(join(this.dir, "data", hash64(dataset)), { recursive: true, force: true });
    });
  }

  clear(): Promise<void> {
    return this.serial(async () => {
      await writeFile(join(this.dir, JOURNAL), "");
      await rm(join(this.dir, "data"), { recursive: true, force: true });
      await mkdir(join(this.dir, "data"), { recursive: true });
      this.index.clear();
      this.records.clear();
      this.bytes = 0;
      this.journalLines = 0;
    });
  }

  async usage(): Promise<number> {
    await this.ready();
    return this.bytes;
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
