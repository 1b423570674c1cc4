/**
 * A byte source over a `Blob` or `File` (drag-and-drop, a file picker):
 * each read slices the blob, so a file of any size is read range by range,
 * never whole. Its etag is name + size + last-modified time, which is what
 * keys the offline cache for a local file.
 */
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import type { ByteSource, ReadOptions } from "./byte-source";
import { checkRange, truncated } from "./range-check";

/** The fields of a `File` that identify one version of it. */
export interface BlobIdentity {
  name?: string;
  size: number;
  lastModified?: number;
}

/** Name, size and mtime: two versions of one file never share a key. */
export function blobKey(b: BlobIdentity): string {
  return `${b.name ?? "blob"}@${b.size}-${b.lastModified ?? 0}`;
}

export class BlobSource implements ByteSource {
  readonly id: string;
  readonly size: number;
  readonly etag: string;

  constructor(
    private readonly blob: Blob,
    id?: string,
  ) {
    const f = blob as Blob & { name?: string; lastModified?: number };
    this.size = blob.size;
    this.etag = blobKey({ name: f.name, size: blob.size, lastModified: f.lastModified });
    this.id = id ?? `blob:${this.etag}`;
  }

  async getBytes(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    checkRange(offset, length, this.id);
    if (options.upTo) length = Math.max(0, Math.min(length, this.size - offset));
    if (offset + length > this.size)
      throw truncated(offset, length, Math.max(0, this.size - offset), this.id, this.size);
    let buf: ArrayBuffer;
    try {
      buf = await this.blob.slice(offset, offset + length).arrayBuffer();
    } catch (e) {
      // A File whose disk copy changed or vanished after it was picked fails here.
      throw new FlatvoxError(
        "ETagChangedError",
        `cannot read ${length} bytes at offset ${offset} of ${this.id}: ${(e as Error)?.message ?? e}`,
        { offset, length, url: this.id },
        { cause: e },
      );
    }
    throwIfAborted(options.signal);
    if (buf.byteLength !== length) throw truncated(offset, length, buf.byteLength, this.id, this.size);
    return new Uint8Array(buf);
  }
}
