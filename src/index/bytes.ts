/** Little growable byte writer used by all index section builders. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Reserve `n` bytes at the end (they start at length - n after the call); returns the current view. */
  private grow(n: number): DataView {
    this.ensure(n);
    this.length += n;
    return this.view;
  }
  u16(v: number): void {
    this.grow(2).setUint16(this.length - 2, v, true);
  }
  u32(v: number): void {
    this.grow(4).setUint32(this.length - 4, v >>> 0, true);
  }
  /** Unsigned integer up to 2^53, as u64 little-endian. */
  u64(v: number): void {
    const view = this.grow(8);
    view.setUint32(this.length - 8, v % 0x100000000, true);
    view.setUint32(this.length - 4, Math.floor(v / 0x100000000), true);
  }
  i32(v: number): void {
    this.grow(4).setInt32(this.length - 4, v, true);
  }
  i64(v: bigint): void {
    this.grow(8).setBigInt64(this.length - 8, v, true);
  }
  u8(v: number): void {
    this.grow(1).setUint8(this.length - 1, v);
  }
  f32(v: number): void {
    this.grow(4).setFloat32(this.length - 4, v, true);
  }
  f64(v: number): void {
    this.grow(8).setFloat64(this.length - 8, v, true);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** u16 length-prefixed UTF-8 string. */
  str16(s: string): void {
    const b = utf8(s);
    if (b.length > 0xffff) throw new Error(`string too long (${b.length} bytes)`);
    this.u16(b.length);
    this.bytes(b);
  }
  pad(align: number): void {
    while (this.length % align) this.u8(0);
  }
  /** Overwrite a u32 at an earlier position. */
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
  peek(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: false });
const cache = new Map<string, Uint8Array>();
/** UTF-8 bytes of `s`; short strings (property names, types) are cached, so callers must not mutate the result. */
export const utf8 = (s: string): Uint8Array => {
  if (s.length > 32) return enc.encode(s);
  let b = cache.get(s);
  if (!b) {
    b = enc.encode(s);
    if (cache.size > 4096) cache.clear();
    cache.set(s, b);
  }
  return b;
};
export const fromUtf8 = (b: Uint8Array): string => dec.decode(b);

/** Cursor over bytes read from a section; every read is bounds-checked by the caller's limit. */
export class ByteCursor {
  readonly view: DataView;
  pos = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): boolean {
    return this.pos + n <= this.bytes.length;
  }
  /** Advance past `n` bytes, returning the value read at the old position. */
  private step<T>(n: number, v: T): T {
    this.pos += n;
    return v;
  }
  u16(): number {
    return this.step(2, this.view.getUint16(this.pos, true));
  }
  u32(): number {
    return this.step(4, this.view.getUint32(this.pos, true));
  }
  /** An unsigned 64-bit integer as a number (exact below 2^53). */
  u64(): number {
    const hi = this.view.getUint32(this.pos + 4, true);
    return this.step(8, hi * 0x100000000 + this.view.getUint32(this.pos, true));
  }
  /** `n` u64 values in a row. */
  u64s(n: number): number[] {
    return Array.from({ length: n }, () => this.u64());
  }
  i32(): number {
    return this.step(4, this.view.getInt32(this.pos, true));
  }
  i64(): bigint {
    return this.step(8, this.view.getBigInt64(this.pos, true));
  }
  u8(): number {
    return this.view.getUint8(this.pos++);
  }
  f32(): number {
    return this.step(4, this.view.getFloat32(this.pos, true));
  }
  f64(): number {
    return this.step(8, this.view.getFloat64(this.pos, true));
  }
  take(n: number): Uint8Array {
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str16(): string {
    const n = this.u16();
    return fromUtf8(this.take(n));
  }
}
