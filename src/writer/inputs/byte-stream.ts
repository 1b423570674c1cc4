/**
 * Sequential byte readers over part of a file: positional reads for plain and
 * stored data, streaming inflate for deflated zip members. Readers never hold
 * more than the chunk asked for (plus one compressed block).
 */
import { type FileHandle, open } from "node:fs/promises";
import { Inflate } from "fflate";
import { crc32Update } from "./crc32";
import { inputError } from "./input-error";

export interface ByteStream {
  /** Exactly `n` bytes, or an InputError when the data ends sooner. */
  read(n: number): Promise<Uint8Array>;
  /** Bytes consumed so far (offset within the logical data). */
  readonly position: number;
  /** Where `position` is measured from, for error messages. */
  readonly file: string;
  /** File offset for a logical position, when the data is stored uncompressed. */
  fileOffset(position: number): number | undefined;
  close(): Promise<void>;
}

export async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (e) {
    throw inputError(`cannot open: ${(e as Error).message}`, path);
  }
}

/** Read exactly `length` bytes at `offset` from an open file. */
export async function readAt(
  fh: FileHandle,
  path: string,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, offset + done);
    if (bytesRead === 0) {
      throw inputError(
        `truncated: expected ${length} bytes at offset ${offset}, file ends after ${done}`,
        path,
        offset + done,
      );
    }
    done += bytesRead;
  }
  return out;
}

/** Uncompressed bytes [start, start + length) of a file. */
export class FileRangeStream implements ByteStream {
  position = 0;
  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    private readonly start: number,
    private readonly length: number,
    private readonly owned: boolean,
  ) {}

  static async open(file: string, start: number, length: number): Promise<FileRangeStream> {
    return new FileRangeStream(await openFile(file), file, start, length, true);
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.position + n > this.length) {
      throw inputError(
        `truncated: data ends at ${this.start + this.length}`,
        this.file,
        this.start + this.length,
      );
    }
    const bytes = await readAt(this.fh, this.file, this.start + this.position, n);
    this.position += n;
    return bytes;
  }

  fileOffset(position: number): number {
    return this.start + position;
  }

  async close(): Promise<void> {
    if (this.owned) await this.fh.close();
  }
}

// Small compressed chunks bound what one push can inflate (deflate expands at most ~1032×).
const COMPRESSED_CHUNK = 64 << 10;

/**
 * A raw-deflate zip member, inflated on demand. The output may never exceed
 * the size declared in the zip directory (no decompression bombs), and the
 * CRC-32 is checked once the member has been read to its end.
 */
export class InflateStream implements ByteStream {
  position = 0;
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private produced = 0;
  private consumed = 0;
  private ended = false;
  private crc = 0;
  private readonly inflater: Inflate;

  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    private readonly start: number,
    private readonly compressedSize: number,
    private readonly declaredSize: number,
    private readonly expectedCrc: number | undefined,
  ) {
    this.inflater = new Inflate((chunk, final) => {
      this.produced += chunk.length;
      if (this.produced > this.declaredSize) {
        throw inputError(`zip member inflates beyond its declared size ${this.declaredSize}`, file, start);
      }
      if (chunk.length > 0) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
      }
      if (final) this.ended = true;
    });
  }

  static async open(
    file: string,
    start: number,
    compressedSize: number,
    declaredSize: number,
    crc?: number,
  ): Promise<InflateStream> {
    return new InflateStream(await openFile(file), file, start, compressedSize, declaredSize, crc);
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.pendingBytes < n) {
      if (this.ended || this.consumed >= this.compressedSize) {
        throw inputError(
          `truncated: zip member holds ${this.produced} bytes, needed ${this.position + n}`,
          this.file,
          this.start + this.consumed,
        );
      }
      const len = Math.min(COMPRESSED_CHUNK, this.compressedSize - this.consumed);
      const chunk = await readAt(this.fh, this.file, this.start + this.consumed, len);
      this.consumed += len;
      try {
        this.inflater.push(chunk, this.consumed >= this.compressedSize);
      } catch (e) {
        if ((e as { tag?: string }).tag) throw e;
        throw inputError(
          `corrupt deflate data: ${(e as Error).message}`,
          this.file,
          this.start + this.consumed - len,
        );
      }
    }
    const out = this.take(n);
    this.crc = crc32Update(this.crc, out);
    this.position += n;
    if (
      this.position === this.declaredSize &&
      this.expectedCrc !== undefined &&
      this.crc >>> 0 !== this.expectedCrc
    ) {
      throw inputError("zip member CRC-32 mismatch", this.file, this.start);
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const first = this.pending[0];
    if (first.length === n) {
      this.pending.shift();
      this.pendingBytes -= n;
      return first;
    }
    if (first.length > n) {
      this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return first.slice(0, n);
    }
    const out = new Uint8Array(n);
    let k = 0;
    while (k < n) {
      const c = this.pending[0];
      const take = Math.min(c.length, n - k);
      out.set(c.subarray(0, take), k);
      k += take;
      if (take === c.length) this.pending.shift();
      else this.pending[0] = c.subarray(take);
    }
    this.pendingBytes -= n;
    return out;
  }

  fileOffset(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
