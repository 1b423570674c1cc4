/**
 * Runs zstd compression on worker threads so packing uses more than one core.
 * Input buffers are transferred (never cloned) and handed back for reuse.
 * Falls back to compressing inline when workers cannot start.
 */
import { Worker } from "node:worker_threads";
import { loadCompressor } from "../format/zstd-compress";

export interface CompressPool {
  readonly workers: number;
  /** Compress `bytes` (copied into a pooled buffer first). */
  compress(bytes: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function createCompressPool(level: number, workers: number): Promise<CompressPool> {
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
  const pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }>();
  const spare: ArrayBuffer[] = [];
  let nextId = 0;
  let failure: unknown;
  for (const w of threads) {
    w.on("message", (m: { id: number; out: ArrayBuffer; input: ArrayBuffer }) => {
      spare.push(m.input);
      const p = pending.get(m.id);
      pending.delete(m.id);
      p?.resolve(new Uint8Array(m.out));
    });
    w.on("error", (e) => {
      failure = e;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  }
  return {
    workers,
    compress(bytes) {
      if (failure) return Promise.reject(failure);
      let buf = spare.pop();
      if (!buf || buf.byteLength < bytes.length) buf = new ArrayBuffer(Math.max(bytes.length, 1 << 16));
      new Uint8Array(buf, 0, bytes.length).set(bytes);
      const id = nextId++;
      const worker = threads[id % threads.length];
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, buf, length: bytes.length, level }, [buf]);
      });
    },
    async close() {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };
}

function inlinePool(level: number, compress: (d: Uint8Array, l: number) => Uint8Array): CompressPool {
  return {
    workers: 0,
    compress: async (bytes) => compress(bytes, level),
    close: async () => {},
  };
}
