import type { ByteSource, ReadOptions } from "./byte-source";

/**
 * A source opened on first use, so a synchronous factory can hand out sources
 * whose opening is asynchronous (a file handle, a dynamically imported module).
 * A failed open is retried on the next read rather than remembered forever.
 */
export class LazySource implements ByteSource {
  private opening?: Promise<ByteSource>;
  private inner?: ByteSource;

  constructor(
    readonly id: string,
    private readonly openFn: () => Promise<ByteSource>,
  ) {}

  get etag(): string | undefined {
    return this.inner?.etag;
  }

  get size(): number | undefined {
    return this.inner?.size;
  }

  /** The opened source (opening it if needed). */
  open(): Promise<ByteSource> {
    if (this.inner) return Promise.resolve(this.inner);
    this.opening ??= this.openFn().then(
      (s) => {
        this.inner = s;
        return s;
      },
      (e) => {
        this.opening = undefined;
        throw e;
      },
    );
    return this.opening;
  }

  async getBytes(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    const src = this.inner ?? (await this.open());
    return src.getBytes(offset, length, options);
  }

  async close(): Promise<void> {
    const pending = this.opening;
    this.opening = undefined;
    const src = this.inner ?? (await pending?.catch(() => undefined));
    this.inner = undefined;
    await src?.close?.();
  }
}
