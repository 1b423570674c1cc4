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
import { createByteFilters } from "../core/byte-filters";
import type { Implementation } from "../core/core";
import { loadCompressor } from "../format/zstd-compress";
import { FlatvoxError, reviveError } from "../shared/errors";
import { type DType, type TypedArray, type Vec3, viewTyped } from "../shared/types";
import { serializeError } from "../worker/protocol";
import { downsampleToBuffer, type EncodedBrick, encodeBrick } from "./brick-job";
import type { CompressApi, DownsampleReply, EncodeReply } from "./compress-protocol";

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
  /** The kernels the shuffle and checksum run on (those of the first worker to start, inline: the main thread's). */
  readonly kernels: () => Implementation;
  /** A pooled, 4-byte-aligned buffer of exactly `length` bytes to fill. */
  take(length: number): Uint8Array;
  /** Return a buffer from take that will not be encoded. */
  give(bytes: Uint8Array): void;
  encode(req: EncodeRequest): Promise<EncodedBrick>;
  /**
   * 2×2×2 downsample of `src` (x-fastest, `dims`) on a worker's kernels (here
   * when none is ready). `src` is a buffer from {@link take} holding exactly
   * the values; the pool owns it from here on. Resolves to the values in a
   * buffer of their own.
   */
  downsample(src: Uint8Array, dims: Vec3, dtype: DType, kind: "mean" | "mode"): Promise<TypedArray>;
  /** Resolves once a worker takes jobs, or none ever will (jobs run here meanwhile). */
  whenReady(): Promise<void>;
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

interface DownJob {
  src: Uint8Array;
  dims: Vec3;
  dtype: DType;
  kind: "mean" | "mode";
  resolve: (v: TypedArray) => void;
  reject: (e: unknown) => void;
}

interface Thread {
  worker: Worker;
  api: Remote<CompressApi>;
  ready: boolean;
  dead: boolean;
  /** Jobs sent and not answered (their buffers are in the thread). */
  running: Set<Job | DownJob>;
}

/**
 * Workers start in the background: until one has answered its init call, jobs
 * run inline (so nothing is transferred to a thread that may fail to load,
 * and no time is lost waiting); if none ever starts, every job does.
 */
export async function createCompressPool(
  level: number,
  workers: number,
  kernels: Implementation | undefined = kernelsFromEnv(),
): Promise<EncodePool> {
  const inline = await loadCompressor();
  const fallback = await inlinePool(level, inline.compress, kernels);
  if (workers <= 0 || inline.name !== "native") return fallback;
  let workerKernels: Implementation | undefined;
  const stock = new BufferStock();
  let failure: unknown;
  const threads: Thread[] = [];
  let readyNow: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    readyNow = resolve;
  });

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
  const sendDown = (t: Thread, job: DownJob): void => {
    t.running.add(job);
    const src = job.src.buffer as ArrayBuffer;
    const message = { src, dims: job.dims, dtype: job.dtype, kind: job.kind };
    t.api.downsample(transfer(message, [src])).then((reply: DownsampleReply) => {
      if (!t.running.delete(job)) return;
      stock.give(reply.src);
      if (reply.result.ok) job.resolve(viewTyped(job.dtype, new Uint8Array(reply.result.value)));
      else job.reject(reviveError(reply.result.error));
    }, job.reject);
  };
  /** Least-loaded ready worker: any choice gives the same bytes, this one keeps all busy. */
  const pick = (): Thread | undefined => {
    let best: Thread | undefined;
    for (const t of threads)
      if (t.ready && !t.dead && (!best || t.running.size < best.running.size)) best = t;
    return best;
  };
  const dispatch = (job: Job): void => {
    const best = pick();
    if (best) send(best, job);
    // Until a worker is ready (loading one takes a moment), or when none could start: here.
    else fallback.encode(job.req).then(job.resolve, job.reject);
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
    } else if (threads.every((x) => x.dead)) readyNow();
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
    t.api.init(level, kernels).then(
      (k) => {
        if (t.dead) return;
        workerKernels ??= k;
        t.ready = true;
        readyNow();
      },
      (e) => died(t, e),
    );
  }
  if (threads.length === 0) return fallback;
  return {
    workers: threads.length,
    kernels: () => workerKernels ?? fallback.kernels(),
    whenReady: () => ready,
    take: (length) => stock.take(length),
    give: (bytes) => stock.give(bytes.buffer as ArrayBuffer),
    encode(req) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => dispatch({ req, resolve, reject }));
    },
    downsample(src, dims, dtype, kind) {
      if (failure) return Promise.reject(failure);
      const best = pick();
      if (!best) return fallback.downsample(src, dims, dtype, kind);
      return new Promise((resolve, reject) => sendDown(best, { src, dims, dtype, kind, resolve, reject }));
    },
    async close() {
      for (const t of threads) t.dead = true;
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}

/**
 * The kernels encoders run: the core's default (SIMD WASM where supported)
 * unless FLATVOX_KERNELS names one ("js", "wasm-scalar", "wasm-simd"), which
 * benchmarks use to compare them through the whole packer.
 */
export function kernelsFromEnv(): Implementation | undefined {
  const v = typeof process === "object" ? process.env.FLATVOX_KERNELS : undefined;
  if (v === undefined || v === "") return undefined;
  if (v === "js" || v === "wasm-scalar" || v === "wasm-simd") return v;
  throw new FlatvoxError(
    "InputError",
    `FLATVOX_KERNELS must be js, wasm-scalar or wasm-simd, not ${JSON.stringify(v)}`,
  );
}

async function inlinePool(
  level: number,
  compress: (d: Uint8Array, l: number) => Uint8Array,
  kernels: Implementation | undefined,
): Promise<EncodePool> {
  const stock = new BufferStock();
  const cz = (d: Uint8Array) => compress(d, level);
  const filters = await createByteFilters({ implementation: kernels });
  return {
    workers: 0,
    kernels: () => filters.implementation,
    whenReady: async () => {},
    take: (length) => stock.take(length),
    give: (bytes) => stock.give(bytes.buffer as ArrayBuffer),
    encode: async (req) => {
      try {
        return encodeBrick(req, cz, filters);
      } catch (e) {
        // The same typed error a worker's failure arrives as.
        throw reviveError(serializeError(e));
      } finally {
        stock.give(req.cur.buffer as ArrayBuffer);
        if (req.ref) stock.give(req.ref.buffer as ArrayBuffer);
      }
    },
    downsample: async (src, dims, dtype, kind) => {
      try {
        const values = viewTyped(dtype, src);
        return viewTyped(dtype, new Uint8Array(downsampleToBuffer(filters, values, dims, dtype, kind)));
      } catch (e) {
        throw reviveError(serializeError(e));
      } finally {
        stock.give(src.buffer as ArrayBuffer);
      }
    },
    close: async () => {},
  };
}
