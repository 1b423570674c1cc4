/**
 * Brick encoding (delta gate, shuffle, zstd, checksum) on worker threads so
 * packing uses every core. Brick buffers come from the pool, are filled by
 * the caller, transferred (never cloned) to a worker and handed back for
 * reuse. The same brick-job code runs inline when workers cannot start, so
 * the bytes never depend on the worker count.
 */
import { Worker } from "node:worker_threads";
import { loadCompressor } from "../format/zstd-compress";
import { type EncodedBrick, encodeBrick } from "./brick-job.mjs";

export interface EncodeRequest {
  /** The brick's bytes, from {@link EncodePool.take}; the pool owns it from here on. */
  cur: Uint8Array;
  /** The same brick one timestep earlier (also from take, same length), when a delta may be tried. */
  ref?: Uint8Array;
  /** Bytes per value. */
  size: number;
  /** A delta is kept only when at most this fraction of the plain encoding. */
  keepRatio: number;
}

export interface EncodePool {
  readonly workers: number;
  /** A pooled, 4-byte-aligned buffer of exactly `length` bytes to fill. */
  take(length: number): Uint8Array;
  /** Return a buffer from take that will not be encoded. */
  give(bytes: Uint8Array): void;
  encode(req: EncodeRequest): Promise<EncodedBrick>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  stored?: ArrayBuffer;
  encoding?: 1 | 2;
  checksum?: number;
  error?: string;
  cur: ArrayBuffer;
  ref?: ArrayBuffer;
}

/** Spare ArrayBuffers; views start at offset 0, so every typed view of them is aligned. */
class BufferStock {
  private spare: ArrayBuffer[] = [];
  take(length: number): Uint8Array {
    let buf = this.spare.pop();
    if (!buf || buf.byteLength < length) buf = new ArrayBuffer(Math.max(length, 1 << 16));
    return new Uint8Array(buf, 0, length);
  }
  give(buf: ArrayBuffer): void {
    if (this.spare.length < 64) this.spare.push(buf);
  }
}

export async function createCompressPool(level: number, workers: number): Promise<EncodePool> {
  const inline = await loadCompressor();
  if (workers <= 0 || inline.name !== "native") return inlinePool(level, inline.compress);
  let threads: Worker[];
  try {
    threads = Array.from(
      { length: workers },
      () => new Worker(new URL("./compress-worker.mjs", import.meta.url)),
    );
    await Promise.all(
      threads.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once("online", resolve);
            w.once("error", reject);
          }),
      ),
    );
  } catch {
    return inlinePool(level, inline.compress);
  }
  const stock = new BufferStock();
  const pending = new Map<number, { resolve: (b: EncodedBrick) => void; reject: (e: unknown) => void }>();
  const load = threads.map(() => 0);
  let nextId = 0;
  let failure: unknown;
  threads.forEach((w, wi) => {
    w.on("message", (m: Reply) => {
      load[wi]--;
      stock.give(m.cur);
      if (m.ref) stock.give(m.ref);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined || !m.stored) p?.reject(new Error(`brick encoding failed: ${m.error}`));
      else p?.resolve({ stored: new Uint8Array(m.stored), encoding: m.encoding!, checksum: m.checksum! });
    });
    w.on("error", (e) => {
      failure = e;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  });
  return {
    workers,
    take: (length) => stock.take(length),
    give: (bytes) => stock.give(bytes.buffer as ArrayBuffer),
    encode(req) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      // Least-loaded worker: any choice gives the same bytes, this one keeps all busy.
      let wi = 0;
      for (let i = 1; i < threads.length; i++) if (load[i] < load[wi]) wi = i;
      load[wi]++;
      const transfer: ArrayBuffer[] = [req.cur.buffer as ArrayBuffer];
      if (req.ref) transfer.push(req.ref.buffer as ArrayBuffer);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        threads[wi].postMessage(
          {
            id,
            level,
            cur: req.cur.buffer,
            ref: req.ref?.buffer,
            length: req.cur.length,
            size: req.size,
            keepRatio: req.keepRatio,
          },
          transfer,
        );
      });
    },
    async close() {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };
}

function inlinePool(level: number, compress: (d: Uint8Array, l: number) => Uint8Array): EncodePool {
  const stock = new BufferStock();
  const cz = (d: Uint8Array) => compress(d, level);
  return {
    workers: 0,
    take: (length) => stock.take(length),
    give: (bytes) => stock.give(bytes.buffer as ArrayBuffer),
    encode: async (req) => {
      const out = encodeBrick(req, cz);
      stock.give(req.cur.buffer as ArrayBuffer);
      if (req.ref) stock.give(req.ref.buffer as ArrayBuffer);
      return out;
    },
    close: async () => {},
  };
}
