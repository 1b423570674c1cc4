import { FlatvoxError, throwIfAborted } from "../shared/errors";
import type { ByteSource, ReadOptions } from "./byte-source";

/** A byte source over bytes already in memory (tests, small files, drag-and-drop). */
export class MemorySource implements ByteSource {
  readonly size: number;
  readonly etag: string;

  constructor(
    private readonly bytes: Uint8Array,
    readonly id = "memory:",
    etag = `len-${bytes.length}`,
  ) {
    this.size = bytes.length;
    this.etag = etag;
  }

  async getBytes(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new FlatvoxError("RangeError", `invalid byte range ${offset}+${length}`, {
        offset,
        length,
        url: this.id,
      });
    }
    if (options.upTo) length = Math.max(0, Math.min(length, this.bytes.length - offset));
    if (offset + length > this.bytes.length) {
      throw new FlatvoxError("TruncatedError", `read past end of data (size ${this.bytes.length})`, {
        offset,
        length,
        url: this.id,
      });
    }
    return this.bytes.subarray(offset, offset + length);
  }
}
