import { isAbortLike } from "./abort-utils";
import type { ByteSource, Purpose, ReadOptions } from "./byte-source";
import { decorate } from "./decorate";
import type { ByteRange } from "./range-coalescing";

export interface PurposeStats {
  /** Reads asked for by the caller (format layer). */
  calls: number;
  /** Bytes those reads asked for. */
  bytesRequested: number;
  /** Requests that reached the underlying source (HTTP requests incl. retries; file reads). */
  requests: number;
  /** Bytes the underlying source delivered (includes coalescing gaps). */
  bytes: number;
}

export interface TransportStats extends PurposeStats {
  /** Underlying requests that failed (not counting aborts). */
  errors: number;
  /** Underlying requests cancelled through an AbortSignal. */
  aborted: number;
  byPurpose: Partial<Record<Purpose | "unlabelled", PurposeStats>>;
}

export interface AccountedSource extends ByteSource {
  stats(): TransportStats;
  /** Zero all counters. */
  reset(): void;
}

const emptyPurpose = (): PurposeStats => ({ calls: 0, bytesRequested: 0, requests: 0, bytes: 0 });

/**
 * Counters shared by the two ends of a decorated stack: the outer end sees
 * what callers ask for, the probe at the bottom sees what is really fetched.
 * The gap between `bytesRequested` and `bytes` is the transport's efficiency.
 */
export class TransportMeter {
  private s: TransportStats = { ...emptyPurpose(), errors: 0, aborted: 0, byPurpose: {} };
  /** Set once a probe is installed; without one the outer end counts requests too. */
  probed = false;

  private slot(purpose: Purpose | undefined): PurposeStats {
    const key = purpose ?? "unlabelled";
    let p = this.s.byPurpose[key];
    if (!p) {
      p = emptyPurpose();
      this.s.byPurpose[key] = p;
    }
    return p;
  }

  recordCall(purpose: Purpose | undefined, length: number): void {
    const p = this.slot(purpose);
    p.calls++;
    p.bytesRequested += length;
    this.s.calls++;
    this.s.bytesRequested += length;
  }

  recordRequest(purpose: Purpose | undefined): void {
    this.slot(purpose).requests++;
    this.s.requests++;
  }

  recordFetched(purpose: Purpose | undefined, bytes: number): void {
    this.slot(purpose).bytes += bytes;
    this.s.bytes += bytes;
  }

  recordFailure(e: unknown): void {
    if (isAbortLike(e)) this.s.aborted++;
    else this.s.errors++;
  }

  stats(): TransportStats {
    return structuredClone(this.s);
  }

  reset(): void {
    this.s = { ...emptyPurpose(), errors: 0, aborted: 0, byPurpose: {} };
  }

  /**
   * Wrap the bottom source so every real request and byte fetched is counted.
   * A transport that reports its transfers (HTTP) is counted by what it says
   * went over the wire: a read served from memory counts nothing, a server
   * that ignores Range counts the whole file it sent.
   */
  probe(src: ByteSource): ByteSource {
    this.probed = true;
    // Every HTTP request, single- or multi-range, reports itself once through onTransfer.
    const reported = async <T>(options: ReadOptions, read: (o: ReadOptions) => Promise<T>): Promise<T> => {
      let seen = false;
      const onTransfer = (bytes: number) => {
        seen = true;
        this.recordRequest(options.purpose);
        this.recordFetched(options.purpose, bytes);
        options.onTransfer?.(bytes);
      };
      try {
        return await read({ ...options, onTransfer });
      } catch (e) {
        // A read that failed before any response (network error, abort) still counts as a request.
        if (!seen) this.recordRequest(options.purpose);
        this.recordFailure(e);
        throw e;
      }
    };
    const getRanges = src.getRanges?.bind(src);
    return decorate(
      src,
      async (offset, length, options: ReadOptions = {}) => {
        if (src.reportsTransfer) return reported(options, (o) => src.getBytes(offset, length, o));
        return this.countedRead(src, offset, length, options);
      },
      getRanges && src.reportsTransfer
        ? {
            getRanges: (
              ranges: ReadonlyArray<ByteRange>,
              options: ReadOptions = {},
              onRange?: (i: number, b: Uint8Array) => void,
            ) => reported(options, (o) => getRanges(ranges, o, onRange)),
          }
        : {},
    );
  }

  /** One read as one request of the length returned (or one failure). */
  async countedRead(
    src: ByteSource,
    offset: number,
    length: number,
    options: ReadOptions,
  ): Promise<Uint8Array> {
    this.recordRequest(options.purpose);
    try {
      const bytes = await src.getBytes(offset, length, options);
      this.recordFetched(options.purpose, bytes.length);
      return bytes;
    } catch (e) {
      this.recordFailure(e);
      throw e;
    }
  }
}

/**
 * Count reads and bytes per purpose. Given a meter whose `probe` wraps the
 * bottom of the stack, `requests`/`bytes` are what really went over the wire;
 * alone, every read counts as one request of its own length.
 */
export function withAccounting(src: ByteSource, meter = new TransportMeter()): AccountedSource {
  const getBytes = async (offset: number, length: number, options: ReadOptions = {}) => {
    meter.recordCall(options.purpose, length);
    if (meter.probed) return src.getBytes(offset, length, options);
    return meter.countedRead(src, offset, length, options);
  };
  return decorate(src, getBytes, { stats: () => meter.stats(), reset: () => meter.reset() });
}
