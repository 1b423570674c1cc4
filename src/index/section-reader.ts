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
   * `gap` bytes are merged (with `slack`, the smallest further gaps too, see
   * coalesceRanges), no merged request exceeds `maxRequest` (a single longer
   * range is fetched in `maxRequest` pieces), and the requests run concurrently.
   */
  async readMany(
    ranges: ByteRange[],
    gap: number,
    maxRequest: number,
    signal?: AbortSignal,
    slack = 0,
  ): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array(ranges.length);
    const groups = coalesceRanges(ranges, gap, maxRequest, slack);
    await Promise.all(
      groups.map(async (g) => {
        const bytes = await this.readPieces(g.offset, g.length, maxRequest, signal);
        for (const i of g.members) {
          const r = ranges[i];
          out[i] = bytes.subarray(r.offset - g.offset, r.offset - g.offset + r.length);
        }
      }),
    );
    return out;
  }

  /** One range in requests of at most `maxRequest` bytes, concurrently. */
  private async readPieces(off: number, len: number, maxRequest: number, signal?: AbortSignal) {
    if (len <= maxRequest) return this.read(off, len, signal);
    const count = Math.ceil(len / maxRequest);
    const parts = await Promise.all(
      Array.from({ length: count }, (_, k) =>
        this.read(off + k * maxRequest, Math.min(maxRequest, len - k * maxRequest), signal),
      ),
    );
    const all = new Uint8Array(len);
    parts.forEach((p, k) => {
      all.set(p, k * maxRequest);
    });
    return all;
  }
}
