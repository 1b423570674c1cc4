/**
 * Piecemeal reads inside one section (a byte range of the file): bounds are
 * checked against the section, short reads become IndexErrors naming the
 * index, and batches of ranges are coalesced under a gap threshold.
 */
import type { ByteSource, Purpose } from "../io/byte-source";
import { type ByteRange, coalesceRanges } from "../io/range-coalescing";
import { isFlatvoxError } from "../shared/errors";
import { indexError } from "./index-error";

export interface SectionRef {
  offset: number;
  length: number;
}

export class SectionReader {
  /** Requests issued and bytes received through this reader. */
  requests = 0;
  bytes = 0;

  constructor(
    readonly source: ByteSource,
    readonly name: string,
    readonly base: number,
    readonly length: number,
    readonly purpose: Purpose = "index",
  ) {}

  /** `len` bytes at section-relative `off`. */
  async read(off: number, len: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (!(off >= 0 && len >= 0 && off + len <= this.length)) {
      throw indexError(
        this.name,
        this.base + off,
        `range ${off}+${len} beyond the section end (${this.length})`,
        len,
      );
    }
    try {
      this.requests++;
      this.bytes += len;
      return await this.source.getBytes(this.base + off, len, { signal, purpose: this.purpose });
    } catch (e) {
      if (isFlatvoxError(e, "TruncatedError")) {
        throw indexError(this.name, this.base + off, "truncated (file shorter than the section)", len);
      }
      throw e;
    }
  }

  /**
   * Read many ranges with as few requests as possible: ranges closer than
   * `gap` bytes are merged, no merged request exceeds `maxRequest` (unless a
   * single range does), and the merged requests run concurrently.
   */
  async readMany(
    ranges: ByteRange[],
    gap: number,
    maxRequest: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array(ranges.length);
    const groups = coalesceRanges(ranges, gap, maxRequest);
    await Promise.all(
      groups.map(async (g) => {
        const bytes = await this.read(g.offset, g.length, signal);
        for (const i of g.members) {
          const r = ranges[i];
          out[i] = bytes.subarray(r.offset - g.offset, r.offset - g.offset + r.length);
        }
      }),
    );
    return out;
  }
}
