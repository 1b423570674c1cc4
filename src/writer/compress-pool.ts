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
  /** When a delta is chosen, return the plain form too. */
  keepPlain?: boolean;
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
  plain?: ArrayBuffer;
  plainChecksum?: number;
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

/**
 * Workers start in the background: jobs wait on the main side until a worker
 * is online (so nothing is transferred to a thread that may fail to start),
 * and run inline if every worker fails before starting.
 */
export async function createCompressPool(level: number, workers: number): Promise<EncodePool> {
  const inline = await loadCompressor();
  if (workers <= 0 || inline.name !== "native") return inlinePool(level, inline.compress);
  const fallback = inlinePool(level, inline.compress);
  const stock = new BufferStock();
  interface Job {
    req: EncodeRequest;
    resolve: (b: EncodedBrick) => void;
    reject: (e: unknown) => void;
  }
  const waiting: Job[] = [];
  const pending = new Map<number, Job>();
  let nextId = 0;
  let failure: unknown;
  const threads: { worker: Worker; online: boolean; dead: boolean; load: number }[] = [];

  const send = (t: (typeof threads)[number], job: Job): void => {
    const id = nextId++;
    pending.set(id, job);
    t.load++;
    const { req } = job;
    const transfer: ArrayBuffer[] = [req.cur.buffer as ArrayBuffer];
    if (req.ref) transfer.push(req.ref.buffer as ArrayBuffer);
    t.worker.postMessage(
      {
        id,
        level,
        cur: req.cur.buffer,
        ref: req.ref?.buffer,
        length: req.cur.length,
        size: req.size,
        keepRatio: req.keepRatio,
        keepPlain: req.keepPlain,
      },
      transfer,
    );
  };
  const dispatch = (job: Job): void => {
    // Least-loaded running worker: any choice gives the same bytes, this one keeps all busy.
    let best: (typeof threads)[number] | undefined;
    for (const t of threads) if (t.online && !t.dead && (!best || t.load < best.load)) best = t;
    if (best) send(best, job);
    else if (threads.every((t) => t.dead)) fallback.encode(job.req).then(job.resolve, job.reject);
    else waiting.push(job);
  };

  for (let i = 0; i < workers; i++) {
    let worker: Worker;
    try {
      // No inherited loader flags (tsx hooks cost ~100 ms per thread): the worker is plain JS.
      worker = new Worker(new URL("./compress-worker.mjs", import.meta.url), { execArgv: [] });
    } catch {
      continue;
    }
    const t = { worker, online: false, dead: false, load: 0 };
    threads.push(t);
    worker.once("online", () => {
      t.online = true;
      while (waiting.length && !t.dead) send(t, waiting.shift()!);
    });
    worker.on("message", (m: Reply) => {
      t.load--;
      stock.give(m.cur);
      if (m.ref) stock.give(m.ref);
      const job = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined || !m.stored) job?.reject(new Error(`brick encoding failed: ${m.error}`));
      else
        job?.resolve({
          stored: new Uint8Array(m.stored),
          encoding: m.encoding!,
          checksum: m.checksum!,
          plain: m.plain ? { stored: new Uint8Array(m.plain), checksum: m.plainChecksum! } : undefined,
        });
    });
    worker.on("error", (e) => {
      t.dead = true;
      if (t.online) {
        // Its jobs' buffers went with it: the pack fails.
        failure = e;
        for (const job of pending.values()) job.reject(e);
        pending.clear();
      } else if (threads.every((x) => x.dead)) {
        for (const job of waiting.splice(0)) dispatch(job);
      }
    });
  }
  if (threads.length === 0) return fallback;
  return {
    workers: threads.length,
    take: (length) => stock.take(length),
    give: (bytes) => stock.give(bytes.buffer as ArrayBuffer),
    encode(req) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => dispatch({ req, resolve, reject }));
    },
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
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
