/**
 * z-planes of a sequential byte stream (a gzip-compressed volume), read
 * forward on demand. The packer asks for slabs in increasing z (and, within a
 * slab, increasing y), timestep after timestep, so a request [a, b) drops the
 * planes below a and reads on up to b: what is held is the planes of the
 * current request, nothing more (plus the inflater's 1 MiB output chunk). A
 * request below what was dropped reopens the stream and skips forward to it
 * (correct, only slower). Concurrent requests are served one after another
 * in call order.
 */
import type { ByteStream } from "./byte-stream";

export class ForwardPlanes {
  private stream?: ByteStream;
  /** Index of planes[0]. */
  private lo = 0;
  private planes: Uint8Array[] = [];
  /** The request being served; the next one waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param open a stream positioned at plane 0
   * @param planeBytes bytes of one plane
   */
  constructor(
    private readonly open: () => Promise<ByteStream>,
    private readonly planeBytes: number,
  ) {}

  /** Planes [a, b) (global plane index: t·nz + z), each `planeBytes` long. */
  get(a: number, b: number): Promise<Uint8Array[]> {
    const run = this.queue.then(() => this.serve(a, b));
    this.queue = run.catch(() => {});
    return run;
  }

  private async serve(a: number, b: number): Promise<Uint8Array[]> {
    try {
      if (!this.stream || a < this.lo) {
        await this.release();
        this.stream = await this.open();
      }
      const s = this.stream;
      const drop = Math.min(this.planes.length, a - this.lo);
      this.planes.splice(0, drop);
      this.lo += drop;
      // Skip planes before a without keeping them.
      for (; this.lo < a; this.lo++) await s.read(this.planeBytes);
      while (this.lo + this.planes.length < b) this.planes.push(await s.read(this.planeBytes));
      return this.planes.slice(0, b - a);
    } catch (e) {
      // A failed read leaves the stream somewhere unknown: the next request starts afresh.
      await this.release().catch(() => {});
      throw e;
    }
  }

  close(): Promise<void> {
    const run = this.queue.then(() => this.release());
    this.queue = run.catch(() => {});
    return run;
  }

  private async release(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    this.planes = [];
    this.lo = 0;
    await s?.close();
  }
}
