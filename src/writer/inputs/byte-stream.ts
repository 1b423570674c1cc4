/**
 * Sequential byte readers over part of a file: positional reads for plain and
 * stored data, streaming inflate for deflated zip members. Readers never hold
 * more than the chunk asked for (plus one compressed block).
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { pipeline } from "node:stream";
import { createGunzip, createInflateRaw, type Gunzip, type InflateRaw } from "node:zlib";
import { crc32Update } from "./crc32";
import { inputError } from "./input-error";

/** zlib output chunk: bounds what one step of inflation can produce. */
export const INFLATE_CHUNK = 1 << 20;

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

/** The size of a file, or an InputError naming it. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    throw inputError(`cannot open: ${(e as Error).message}`, path);
  }
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

/** Chunks received but not read yet; `take(n)` hands out exactly n bytes from the front. */
export class ChunkQueue {
  private readonly chunks: Uint8Array[] = [];
  bytes = 0;

  push(c: Uint8Array): void {
    if (c.length === 0) return;
    this.chunks.push(c);
    this.bytes += c.length;
  }

  /** Exactly `n` bytes (the caller checked `bytes >= n`); a whole front chunk is returned as is. */
  take(n: number): Uint8Array {
    if (this.chunks[0]?.length === n) {
      this.bytes -= n;
      return this.chunks.shift()!;
    }
    const out = new Uint8Array(n);
    let k = 0;
    while (k < n) {
      const c = this.chunks[0];
      const t = Math.min(c.length, n - k);
      out.set(c.subarray(0, t), k);
      k += t;
      if (t === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(t);
    }
    this.bytes -= n;
    return out;
  }
}

/**
 * A raw-deflate zip member, inflated on demand by zlib (native: about ten
 * times fflate's speed on poorly compressible float data, which decides pack
 * throughput). Output may never exceed the size declared in the zip directory
 * (no decompression bombs: zlib hands out bounded chunks and the count stops
 * it), and the CRC-32 is checked once the member has been read to its end.
 */
export class InflateStream implements ByteStream {
  position = 0;
  private readonly pending = new ChunkQueue();
  private produced = 0;
  private crc = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly inflater: InflateRaw | Gunzip,
    private readonly chunks: AsyncIterator<Buffer>,
    readonly file: string,
    private readonly start: number,
    private readonly declaredSize: number,
    private readonly expectedCrc: number | undefined,
    private readonly what: string,
  ) {}

  /**
   * `gzip`: a whole .gz file (its own CRC is checked by zlib at the end);
   * `declaredSize` then bounds what may be read.
   */
  static async open(
    file: string,
    start: number,
    compressedSize: number,
    declaredSize: number,
    crc?: number,
    format: "deflate-raw" | "gzip" = "deflate-raw",
  ): Promise<InflateStream> {
    const fh = await openFile(file);
    const inflater =
      format === "gzip"
        ? createGunzip({ chunkSize: INFLATE_CHUNK })
        : createInflateRaw({ chunkSize: INFLATE_CHUNK });
    if (compressedSize > 0) {
      const src = fh.createReadStream({
        start,
        end: start + compressedSize - 1,
        autoClose: false,
        highWaterMark: 1 << 20,
      });
      pipeline(src, inflater, () => {}); // errors surface through the inflater's iterator
    } else inflater.end();
    const what = format === "gzip" ? "gzip stream" : "zip member";
    return new InflateStream(
      fh,
      inflater,
      inflater[Symbol.asyncIterator](),
      file,
      start,
      declaredSize,
      crc,
      what,
    );
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.pending.bytes < n) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.chunks.next();
      } catch (e) {
        throw inputError(`corrupt deflate data: ${(e as Error).message}`, this.file, this.start);
      }
      if (r.done) {
        throw inputError(
          `truncated: ${this.what} holds ${this.produced} bytes, needed ${this.position + n}`,
          this.file,
          this.start,
        );
      }
      const chunk = new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      this.produced += chunk.length;
      if (this.produced > this.declaredSize) {
        this.inflater.destroy();
        throw inputError(
          `${this.what} inflates beyond its declared size ${this.declaredSize}`,
          this.file,
          this.start,
        );
      }
      this.pending.push(chunk);
    }
    const out = this.pending.take(n);
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

  fileOffset(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.inflater.destroy();
    await this.fh.close();
  }
}
