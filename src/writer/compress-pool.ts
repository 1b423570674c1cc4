/**
 * Brick encoding (delta gate, shuffle, zstd, checksum) on worker threads so
 * packing uses every core. The workers run compress-worker.ts through Comlink,
 * started like every Node worker of the project (src/worker/node-bootstrap.mjs);
 * failures come back as typed errors. Brick buffers come from the pool, are
 * filled by the caller, transferred (never cloned) to a worker and handed back
 * for reuse. The same brick-job code runs inline when workers cannot start,
 * so the bytes never depend on the worker count.
 */
import { Worker } from "node:worker_threads";
import { type Remote, transfer, wrap } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { loadCompressor } from "../format/zstd-compress";
import { FlatvoxError, reviveError } from "../shared/errors";
import { type EncodedBrick, encodeBrick } from "./brick-job";
import type { CompressApi, EncodeReply } from "./compress-protocol";

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

interface Job {
  req: EncodeRequest;
  resolve: (b: EncodedBrick) => void;
  reject: (e: unknown) => void;
}

interface Thread {
  worker: Worker;
  api: Remote<CompressApi>;
  ready: boolean;
  dead: boolean;
  /** Jobs sent and not answered (their buffers are in the thread). */
  running: Set<Job>;
}

/**
 * Workers start in the background: jobs wait on the main side until a worker
 * has answered its init call (so nothing is transferred to a thread that may
 * fail to load), and run inline if every worker fails before that.
 */
export async function createCompressPool(level: number, workers: number): Promise<EncodePool> {
  const inline = await loadCompressor();
  if (workers <= 0 || inline.name !== "native") return inlinePool(level, inline.compress);
  const fallback = inlinePool(level, inline.compress);
  const stock = new BufferStock();
  const waiting: Job[] = [];
  let failure: unknown;
  const threads: Thread[] = [];

  const send = (t: Thread, job: Job): void => {
    t.running.add(job);
    const { req } = job;
    const buffers = [req.cur.buffer as ArrayBuffer];
    if (req.ref) buffers.push(req.ref.buffer as ArrayBuffer);
    const message = {
      cur: buffers[0],
      ref: buffers[1],
      length: req.cur.length,
      size: req.size,
      keepRatio: req.keepRatio,
      keepPlain: req.keepPlain,
    };
    t.api.encode(transfer(message, buffers)).then((reply: EncodeReply) => {
      if (!t.running.delete(job)) return;
      stock.give(reply.cur);
      if (reply.ref) stock.give(reply.ref);
      if (reply.result.ok) job.resolve(reply.result.value);
      else job.reject(reviveError(reply.result.error));
    }, job.reject);
  };
  const dispatch = (job: Job): void => {
    // Least-loaded ready worker: any choice gives the same bytes, this one keeps all busy.
    let best: Thread | undefined;
    for (const t of threads)
      if (t.ready && !t.dead && (!best || t.running.size < best.running.size)) best = t;
    if (best) send(best, job);
    else if (threads.every((t) => t.dead)) fallback.encode(job.req).then(job.resolve, job.reject);
    else waiting.push(job);
  };
  const died = (t: Thread, e: unknown): void => {
    if (t.dead) return;
    t.dead = true;
    if (t.ready) {
      // Its jobs' buffers went with it: the pack fails.
      failure = new FlatvoxError(
        "WorkerError",
        `brick encoding worker failed: ${(e as Error)?.message ?? e}`,
        {},
        { cause: e },
      );
      for (const job of t.running) job.reject(failure);
      t.running.clear();
    } else if (threads.every((x) => x.dead)) {
      for (const job of waiting.splice(0)) dispatch(job);
    }
  };

  for (let i = 0; i < workers; i++) {
    let worker: Worker;
    try {
      worker = new Worker(new URL("../worker/node-bootstrap.mjs", import.meta.url), {
        workerData: { entry: new URL("./compress-worker.ts", import.meta.url).href },
        // The bootstrap registers the TypeScript loader itself; inherited loader flags would load it twice.
        execArgv: [],
      });
    } catch {
      continue;
    }
    const t: Thread = {
      worker,
      api: wrap<CompressApi>(nodeEndpoint(worker as never)),
      ready: false,
      dead: false,
      running: new Set(),
    };
    threads.push(t);
    worker.once("error", (e) => died(t, e));
    worker.once("exit", (code) => died(t, new Error(`exited with code ${code}`)));
    t.api.init(level).then(
      () => {
        if (t.dead) return;
        t.ready = true;
        while (waiting.length && !t.dead) send(t, waiting.shift()!);
      },
      (e) => died(t, e),
    );
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
      for (const t of threads) t.dead = true;
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
