/**
 * C-order bytes of an n-D array read one slab of its first axis at a time
 * (for a (T, nz, ny, nx) array, one timestep per slab), for array libraries
 * that read hyperslabs (zarrita, h5wasm). Holds at most the slabs needed to
 * answer the current read.
 */
import { isFlatvoxError } from "../../shared/errors";
import { type ByteStream, ChunkQueue } from "./byte-stream";
import { inputError } from "./input-error";

export class SlabStream implements ByteStream {
  position = 0;
  private next = 0;
  private pending = new ChunkQueue();

  /**
   * @param slabs number of slabs (the first axis' length)
   * @param readSlab slab i's elements, in C order, little-endian
   */
  constructor(
    readonly file: string,
    private readonly slabs: number,
    private readonly readSlab: (i: number) => Promise<ArrayBufferView>,
    private readonly onClose: () => void | Promise<void> = () => {},
  ) {}

  private async slab(): Promise<Uint8Array> {
    const i = this.next++;
    let data: ArrayBufferView;
    try {
      data = await this.readSlab(i);
    } catch (e) {
      if (isFlatvoxError(e)) throw e;
      throw inputError(
        `cannot read slab ${i} of the array: ${e instanceof Error ? e.message : String(e)}`,
        this.file,
        undefined,
        {
          slab: i,
        },
      );
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.pending.bytes < n) {
      if (this.next >= this.slabs)
        throw inputError(
          `truncated: the array ends after ${this.position + this.pending.bytes} bytes`,
          this.file,
        );
      this.pending.push(await this.slab());
    }
    this.position += n;
    return this.pending.take(n);
  }

  fileOffset(): number | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.pending = new ChunkQueue();
    await this.onClose();
  }
}

/** Array attributes as header metadata, when they serialise to a modest JSON object. */
export function attributesMetadata<T>(attrs: Record<string, unknown>): T | undefined {
  try {
    const text = JSON.stringify(attrs, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
    if (!text || text === "{}" || text.length > 16384) return undefined;
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
