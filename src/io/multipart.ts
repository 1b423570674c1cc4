/**
 * A bounded, incremental parser for `multipart/byteranges` bodies (RFC 9110
 * §14.6), the answer to one request for several byte ranges. It is fed the
 * body chunk by chunk as it arrives and copies each part's bytes straight into
 * the ranges that were asked for; nothing else is buffered beyond one part's
 * header block. A part's length is taken from its Content-Range (never by
 * searching for the boundary inside data), then the next delimiter must follow
 * exactly, so a part longer or shorter than it says is caught. Parts may come in
 * any order and may cover more than one asked range (servers may merge ranges);
 * a part outside the span that was asked for, or more bytes in all than were
 * asked (plus a small allowance for merged gaps), is an error.
 */
import { type ErrorContext, FlatvoxError } from "../shared/errors";
import { transientError } from "./transient";

export interface AskedRange {
  offset: number;
  length: number;
}

/** Longest preamble, header block or delimiter line accepted (bytes). */
export const MAX_PART_HEADER_BYTES = 8 * 1024;
/** Bytes a server may add by merging asked ranges across small gaps (all parts together). */
export const MERGE_ALLOWANCE_BYTES = 64 * 1024;

/**
 * The boundary of a `multipart/byteranges` Content-Type, or undefined when
 * the type is something else. A multipart/byteranges type without a usable
 * boundary is an error (the body could not be parsed).
 */
export function byterangesBoundary(contentType: string | null, ctx: ErrorContext): string | undefined {
  if (!contentType || !/^\s*multipart\/byteranges\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) {
    throw malformed("multipart/byteranges response without a usable boundary parameter", ctx, 0);
  }
  return boundary;
}

function malformed(what: string, ctx: ErrorContext, bodyOffset: number, extra: ErrorContext = {}) {
  return new FlatvoxError("HttpError", `malformed multipart/byteranges body: ${what}`, {
    ...ctx,
    ...extra,
    bodyOffset,
    multipart: true,
  });
}

const CRLF = [13, 10];
const enc = new TextEncoder();

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first, from);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

type State = "preamble" | "afterBoundary" | "headers" | "body" | "delimiter" | "done";

export interface ByterangesParserOptions {
  /** Told each part's declared total size (to detect a file that changed); may throw. */
  onTotal?: (total: number) => void;
  /**
   * Told each asked range as soon as parts cover it, once the delimiter after
   * the part that completed it has been checked (so that part's length is
   * known right), before the rest of the body is parsed.
   */
  onRange?: (index: number, bytes: Uint8Array) => void;
  /** Told once the closing delimiter is seen, before the last ranges are handed over. */
  onDone?: () => void;
}

/**
 * Feed with `push(chunk)` as the body arrives, then `finish()`; `results()`
 * gives, per asked range, its bytes when parts covered it entirely, else
 * undefined (the caller reads those separately). Asked ranges must be sorted
 * by offset and disjoint.
 */
export class ByterangesParser {
  private state: State = "preamble";
  private carry: Uint8Array = new Uint8Array(0);
  /** Bytes of the body consumed so far (offsets in errors are body offsets). */
  private at = 0;
  private partIndex = -1;
  /** File offset of the next byte of the current part, and bytes left in it. */
  private filePos = 0;
  private remaining = 0;
  private partBytes = 0;
  private readonly maxPartBytes: number;
  private readonly delimiter: Uint8Array;
  private readonly dashBoundary: Uint8Array;
  private readonly out: Array<Uint8Array | undefined>;
  private readonly covered: Array<Array<[number, number]>>;
  private readonly lo: number;
  private readonly hi: number;
  private readonly emitted: boolean[];
  /** Asked ranges the current part touched: [first, end). */
  private touched: [number, number] = [0, 0];
  /** The last part's delimiter was checked; its ranges are handed over once the next line is known. */
  private pendingEmit = false;

  constructor(
    boundary: string,
    private readonly asked: readonly AskedRange[],
    private readonly ctx: ErrorContext,
    private readonly options: ByterangesParserOptions = {},
  ) {
    this.dashBoundary = enc.encode(`--${boundary}`);
    this.delimiter = concat(Uint8Array.from(CRLF), this.dashBoundary);
    this.out = asked.map(() => undefined);
    this.covered = asked.map(() => []);
    this.emitted = asked.map(() => false);
    this.lo = asked.length ? asked[0].offset : 0;
    const last = asked[asked.length - 1];
    this.hi = last ? last.offset + last.length : 0;
    this.maxPartBytes = asked.reduce((s, r) => s + r.length, 0) + MERGE_ALLOWANCE_BYTES;
  }

  /** Bytes of the body seen so far. */
  get consumed(): number {
    return this.at + this.carry.length;
  }

  get complete(): boolean {
    return this.state === "done";
  }

  push(chunk: Uint8Array): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.state === "body") {
        const n = Math.min(this.remaining, data.length);
        this.copy(data.subarray(0, n));
        this.at += n;
        this.filePos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = "delimiter";
        data = data.subarray(n);
        continue;
      }
      if (this.state === "done") {
        // An epilogue is allowed; it is ignored but bounded.
        this.at += data.length;
        if (this.at > this.maxPartBytes + (this.partIndex + 2) * MAX_PART_HEADER_BYTES) {
          throw malformed("body goes on long after its closing delimiter", this.ctx, this.at);
        }
        return;
      }
      this.carry = concat(this.carry, data);
      data = this.parseText();
    }
  }

  /** Call at the end of the body: throws unless the closing delimiter was seen. */
  finish(): void {
    if (this.state === "done") return;
    if (this.state === "body") {
      throw transientError(`multipart body cut short: part ${this.partIndex} lacks ${this.remaining} bytes`, {
        ...this.ctx,
        bodyOffset: this.at,
      });
    }
    throw malformed(`body ends without its closing delimiter (in ${this.state})`, this.ctx, this.at);
  }

  /** Per asked range: its bytes when the parts covered it completely, else undefined. */
  results(): Array<Uint8Array | undefined> {
    return this.asked.map((_, i) => (this.isCovered(i) ? this.out[i] : undefined));
  }

  private isCovered(i: number): boolean {
    const r = this.asked[i];
    const spans = this.covered[i].sort((a, b) => a[0] - b[0]);
    let reach = r.offset;
    for (const [a, b] of spans) {
      if (a > reach) break;
      reach = Math.max(reach, b);
    }
    return reach >= r.offset + r.length;
  }

  /** After a part's closing delimiter is checked: hand over the ranges it completed. */
  private emitCompleted(): void {
    const onRange = this.options.onRange;
    if (!onRange || !this.pendingEmit) return;
    this.pendingEmit = false;
    for (let i = this.touched[0]; i < this.touched[1]; i++) {
      if (!this.emitted[i] && this.isCovered(i)) {
        this.emitted[i] = true;
        onRange(i, this.out[i]!);
      }
    }
  }

  /** Parse what the carry holds until more bytes are needed or a part body starts; returns bytes left for the body. */
  private parseText(): Uint8Array {
    for (;;) {
      const c = this.carry;
      if (this.state === "preamble") {
        const i = indexOf(c, this.dashBoundary);
        if (i < 0) {
          if (c.length > MAX_PART_HEADER_BYTES) {
            throw malformed("no boundary delimiter where the body starts", this.ctx, this.at);
          }
          return new Uint8Array(0);
        }
        // The first delimiter starts the body or follows a line break (after an ignored preamble).
        if (i > 0 && !(c[i - 2] === 13 && c[i - 1] === 10)) {
          throw malformed("boundary delimiter not at the start of a line", this.ctx, this.at + i);
        }
        this.advance(i + this.dashBoundary.length);
        this.state = "afterBoundary";
        continue;
      }
      if (this.state === "delimiter") {
        if (c.length < this.delimiter.length) return new Uint8Array(0);
        for (let k = 0; k < this.delimiter.length; k++) {
          if (c[k] !== this.delimiter[k]) {
            throw malformed(
              `part ${this.partIndex} is not followed by the boundary delimiter: its length does not match its Content-Range, or the boundary is wrong`,
              this.ctx,
              this.at + k,
              { part: this.partIndex },
            );
          }
        }
        this.advance(this.delimiter.length);
        this.state = "afterBoundary";
        this.pendingEmit = true;
        continue;
      }
      if (this.state === "afterBoundary") {
        if (c.length < 2) return new Uint8Array(0);
        if (c[0] === 45 && c[1] === 45) {
          // Closing delimiter: the epilogue after it is ignored.
          const rest = c.subarray(2);
          this.advance(c.length);
          this.at -= rest.length;
          this.state = "done";
          this.options.onDone?.();
          this.emitCompleted();
          return rest;
        }
        this.emitCompleted();
        // Transport padding (spaces, tabs) may precede the line break.
        let k = 0;
        while (k < c.length && (c[k] === 32 || c[k] === 9)) k++;
        if (k >= c.length - 1) {
          if (c.length > 256) throw malformed("boundary line too long", this.ctx, this.at);
          return new Uint8Array(0);
        }
        if (c[k] !== 13 || c[k + 1] !== 10) {
          throw malformed("boundary delimiter followed by other text", this.ctx, this.at + k);
        }
        // Keep the line break: the header block is searched from it for CRLF CRLF.
        this.advance(k);
        this.state = "headers";
        continue;
      }
      if (this.state === "headers") {
        const end = indexOf(c, Uint8Array.of(13, 10, 13, 10));
        if (end < 0) {
          if (c.length > MAX_PART_HEADER_BYTES) {
            throw malformed("part header block too long", this.ctx, this.at);
          }
          return new Uint8Array(0);
        }
        const text = new TextDecoder("latin1").decode(c.subarray(2, end));
        this.startPart(text);
        const rest = c.subarray(end + 4);
        this.advance(end + 4);
        this.carry = new Uint8Array(0);
        this.state = this.remaining > 0 ? "body" : "delimiter";
        return rest;
      }
      return new Uint8Array(0);
    }
  }

  private advance(n: number): void {
    this.at += n;
    this.carry = this.carry.subarray(n);
  }

  private startPart(headerText: string): void {
    this.partIndex++;
    const partCtx = { part: this.partIndex };
    // Parts may split or merge asked ranges, but not without end.
    if (this.partIndex >= 4 * this.asked.length + 16) {
      throw malformed(
        `more than ${4 * this.asked.length + 16} parts for ${this.asked.length} ranges`,
        this.ctx,
        this.at,
        partCtx,
      );
    }
    let range: string | undefined;
    for (const line of headerText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon <= 0)
        throw malformed(
          `part header line without a name: ${JSON.stringify(line.slice(0, 80))}`,
          this.ctx,
          this.at,
          partCtx,
        );
      if (line.slice(0, colon).trim().toLowerCase() === "content-range") range = line.slice(colon + 1);
    }
    const m =
      range === undefined ? null : /^\s*bytes\s+(\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)\s*$/i.exec(range);
    if (!m) throw malformed("part without a valid Content-Range", this.ctx, this.at, partCtx);
    const start = Number(m[1]);
    const end = Number(m[2]);
    const total = m[3] === "*" ? undefined : Number(m[3]);
    if (end < start || (total !== undefined && end >= total)) {
      throw malformed(
        `part Content-Range bytes ${start}-${end}/${m[3]} is impossible`,
        this.ctx,
        this.at,
        partCtx,
      );
    }
    if (total !== undefined) this.options.onTotal?.(total);
    // Never trust a part beyond what was asked: it must lie within the asked span and touch an asked range.
    if (start < this.lo || end + 1 > this.hi || !this.touches(start, end + 1)) {
      throw malformed(`part bytes ${start}-${end} were not asked for`, this.ctx, this.at, partCtx);
    }
    this.partBytes += end - start + 1;
    if (this.partBytes > this.maxPartBytes) {
      throw malformed(
        `parts carry more bytes than were asked for (${this.partBytes} > ${this.maxPartBytes})`,
        this.ctx,
        this.at,
        partCtx,
      );
    }
    this.filePos = start;
    this.remaining = end - start + 1;
    const first = this.firstEndingAfter(start);
    let last = first;
    while (last < this.asked.length && this.asked[last].offset < end + 1) last++;
    this.touched = [first, last];
  }

  /** Index of the first asked range ending after `pos`. */
  private firstEndingAfter(pos: number): number {
    let lo = 0;
    let hi = this.asked.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.asked[mid].offset + this.asked[mid].length <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private touches(a: number, b: number): boolean {
    const i = this.firstEndingAfter(a);
    return i < this.asked.length && this.asked[i].offset < b;
  }

  /** Copy bytes at file offset `filePos` into every asked range they overlap. */
  private copy(bytes: Uint8Array): void {
    const a = this.filePos;
    const b = a + bytes.length;
    for (let i = this.firstEndingAfter(a); i < this.asked.length && this.asked[i].offset < b; i++) {
      const r = this.asked[i];
      const from = Math.max(a, r.offset);
      const to = Math.min(b, r.offset + r.length);
      let o = this.out[i];
      if (!o) {
        o = new Uint8Array(r.length);
        this.out[i] = o;
      }
      o.set(bytes.subarray(from - a, to - a), from - r.offset);
      this.covered[i].push([from, to]);
    }
  }
}
