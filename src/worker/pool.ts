/**
 * A pool of decode workers behind Comlink. Jobs wait in one queue and go to
 * the least busy worker (at most `perWorker` in flight each, so a worker
 * never idles for a round trip). Input and result buffers are transferred,
 * never cloned. An AbortSignal drops a queued job; for a dispatched one the
 * abort crosses to the worker as a cancel message with the job id and the
 * late result is discarded. Errors come back as tagged envelopes and are
 * revived into FlatvoxErrors. If no worker can start, the pool runs jobs
 * in-thread with the same code.
 */
import { type Remote, transfer, wrap } from "comlink";
import { FlatvoxError, reviveError } from "../shared/errors";
import { type TypedArray, viewTyped } from "../shared/types";
import { type BrickExecutor, createInlineExecutor, type ExecutorInfo, type JobOptions } from "./executor";
import type { GpuReady } from "./gpu-prep";
import type {
  BrickHit,
  DecodeJob,
  DecodeServiceApi,
  Envelope,
  GpuDecoded,
  GpuJob,
  PickBrickJob,
  RegionStats,
  StatsBrickJob,
} from "./protocol";
import { defaultPoolSize, type SpawnedWorker, spawnDecodeWorker, type WorkerFactory } from "./spawn";

export interface WorkerPoolOptions {
  /** Worker count; default from hardwareConcurrency (cores − 1, 1..8). */
  size?: number;
  /** Force a kernel implementation in the workers ("wasm-simd" | "wasm-scalar" | "js"). */
  implementation?: string;
  /** Jobs in flight per worker (default 2). */
  perWorker?: number;
  /** How long a worker may take to load before the pool falls back in-thread (ms, default 30 s). */
  startTimeoutMs?: number;
  /** Replace worker creation (tests). */
  spawn?: WorkerFactory;
}

type Method = "decode" | "decodeGpu" | "pickBrick" | "statsBrick";

interface Job {
  id: number;
  method: Method;
  payload: DecodeJob;
  transferList: ArrayBuffer[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  settled: boolean;
  slot?: Slot;
}

interface Slot {
  worker: SpawnedWorker;
  remote: Remote<DecodeServiceApi>;
  running: Set<Job>;
  dead: boolean;
}

export class WorkerPool implements BrickExecutor {
  private slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private starting?: Promise<void>;
  private fallback?: BrickExecutor;
  private terminated = false;
  private started = false;
  private fallbackReason?: string;
  private nextId = 1;
  private information: ExecutorInfo = { mode: "workers", size: 0, implementation: "?", zstd: "?" };
  private readonly perWorker: number;

  constructor(private readonly options: WorkerPoolOptions = {}) {
    this.perWorker = Math.max(1, options.perWorker ?? 2);
  }

  /** Start the workers now (otherwise the first job does) and report what runs. */
  async info(): Promise<ExecutorInfo> {
    await this.start();
    if (!this.fallback) return this.information;
    return { ...(await this.fallback.info()), reason: this.fallbackReason };
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  async decode(job: DecodeJob, opts: JobOptions = {}): Promise<TypedArray> {
    const buf = (await this.submit("decode", job, opts)) as ArrayBuffer;
    return viewTyped(job.dtype, new Uint8Array(buf));
  }

  async decodeGpu(job: GpuJob, opts: JobOptions = {}): Promise<{ values: TypedArray; ready: GpuReady }> {
    const r = (await this.submit("decodeGpu", job, opts)) as GpuDecoded;
    return { values: viewTyped(job.dtype, new Uint8Array(r.values)), ready: r.ready };
  }

  pickBrick(job: PickBrickJob, opts: JobOptions = {}): Promise<BrickHit | null> {
    return this.submit("pickBrick", job, opts) as Promise<BrickHit | null>;
  }

  statsBrick(job: StatsBrickJob, opts: JobOptions = {}): Promise<RegionStats> {
    return this.submit("statsBrick", job, opts) as Promise<RegionStats>;
  }

  /**
   * Send `buffer` to a worker and back, transferred both ways (the caller's
   * buffer is detached until the returned one arrives). Bypasses the queue.
   */
  async echo(buffer: ArrayBuffer): Promise<ArrayBuffer> {
    await this.start();
    const slot = this.slots.find((s) => !s.dead);
    if (!slot) throw new FlatvoxError("WorkerError", "no decode worker is running");
    slot.worker.ref();
    try {
      return await slot.remote.echo(transfer(buffer, [buffer]));
    } finally {
      if (slot.running.size === 0) slot.worker.unref();
    }
  }

  /** Stop every worker; queued and running jobs fail with WorkerError. The pool cannot be reused. */
  async terminate(): Promise<void> {
    this.terminated = true;
    const err = new FlatvoxError("WorkerError", "worker pool terminated");
    for (const j of this.queue.splice(0)) this.settle(j, err, false);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.dead = true;
      for (const j of s.running) this.settle(j, err, false);
    }
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
    await this.fallback?.terminate();
  }

  private submit(method: Method, payload: DecodeJob, opts: JobOptions): Promise<unknown> {
    if (this.terminated) return Promise.reject(new FlatvoxError("WorkerError", "worker pool terminated"));
    if (opts.signal?.aborted)
      return Promise.reject(new FlatvoxError("AbortError", "operation was cancelled"));
    // Once started, enqueue synchronously (queue order = call order).
    if (!this.started) return this.start().then(() => this.submit(method, payload, opts));
    if (this.fallback) return this.runFallback(method, payload, opts);
    // Transfer only a buffer the job owns entirely; otherwise transfer a private copy.
    const b = payload.bytes;
    const owned = opts.transferInput && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
    const bytes = owned ? b : b.slice();
    const job: Job = {
      id: this.nextId++,
      method,
      payload: { ...payload, bytes },
      transferList: [bytes.buffer as ArrayBuffer],
      resolve: () => {},
      reject: () => {},
      signal: opts.signal,
      settled: false,
    };
    const done = new Promise<unknown>((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    if (opts.signal) {
      job.onAbort = () => this.abort(job);
      opts.signal.addEventListener("abort", job.onAbort, { once: true });
    }
    this.queue.push(job);
    this.dispatch();
    return done;
  }

  private runFallback(method: Method, payload: DecodeJob, opts: JobOptions): Promise<unknown> {
    const f = this.fallback as BrickExecutor;
    if (method === "decode") return f.decode(payload, opts);
    if (method === "decodeGpu")
      return (f.decodeGpu as NonNullable<BrickExecutor["decodeGpu"]>)(payload as GpuJob, opts).then((r) => ({
        values: r.values.buffer,
        ready: r.ready,
      }));
    if (method === "pickBrick") return f.pickBrick(payload as PickBrickJob, opts);
    return f.statsBrick(payload as StatsBrickJob, opts);
  }

  private abort(job: Job): void {
    if (job.settled) return;
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    else if (job.slot && !job.slot.dead) {
      // Already posted: tell the worker by id (an AbortSignal cannot cross) and drop the result.
      job.slot.remote.cancel(job.id).catch(() => undefined);
    }
    this.settle(job, new FlatvoxError("AbortError", "operation was cancelled"), false);
  }

  private settle(job: Job, value: unknown, ok: boolean): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  private start(): Promise<void> {
    this.starting ??= this.startWorkers().finally(() => {
      this.started = true;
    });
    return this.starting;
  }

  private async startWorkers(): Promise<void> {
    const size = this.options.size ?? (await defaultPoolSize());
    const spawn = this.options.spawn ?? spawnDecodeWorker;
    const timeout = this.options.startTimeoutMs ?? 30_000;
    try {
      const slots = await Promise.all(
        Array.from({ length: Math.max(1, size) }, () => this.startOne(spawn, timeout)),
      );
      if (this.terminated) {
        await Promise.all(slots.map((s) => s.worker.terminate()));
        return;
      }
      this.slots = slots;
      this.information = { ...this.information, size: slots.length };
    } catch (e) {
      // No worker could start (no tsx loader, CSP, sandbox): same code, in-thread.
      this.fallback = createInlineExecutor(this.options.implementation);
      this.fallbackReason = e instanceof Error ? e.message : String(e);
    }
  }

  private async startOne(spawn: WorkerFactory, timeoutMs: number): Promise<Slot> {
    const worker = await spawn();
    const remote = wrap<DecodeServiceApi>(worker.endpoint);
    const slot: Slot = { worker, remote, running: new Set(), dead: false };
    let failed: (e: unknown) => void = () => {};
    const failure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    worker.onFailure((e) => {
      failed(e);
      this.onWorkerDeath(slot, e);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FlatvoxError("WorkerError", `decode worker did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
      (timer as { unref?: () => void }).unref?.();
    });
    worker.ref();
    try {
      const r = await Promise.race([remote.init(this.options.implementation), failure, timedOut]);
      if (!r.ok) throw reviveError(r.error);
      this.information = { ...this.information, implementation: r.value.implementation, zstd: r.value.zstd };
      return slot;
    } catch (e) {
      slot.dead = true;
      await worker.terminate().catch(() => undefined);
      throw e;
    } finally {
      clearTimeout(timer);
      worker.unref();
    }
  }

  private onWorkerDeath(slot: Slot, e: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const j of slot.running) this.settle(j, e, false);
    slot.running.clear();
    if (this.terminated) return;
    if (this.slots.length === 0) {
      // Every worker is gone: queued work runs in-thread rather than waiting forever.
      this.fallback = createInlineExecutor(this.options.implementation);
      for (const j of this.queue.splice(0)) {
        this.runFallback(j.method, j.payload, { signal: j.signal }).then(
          (v) => this.settle(j, v, true),
          (err) => this.settle(j, err, false),
        );
      }
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots)
        if (!s.dead && s.running.size < this.perWorker && (!best || s.running.size < best.running.size))
          best = s;
      if (!best) return;
      this.run(best, this.queue.shift() as Job);
    }
  }

  private run(slot: Slot, job: Job): void {
    job.slot = slot;
    slot.running.add(job);
    if (slot.running.size === 1) slot.worker.ref(); // Node: keep the process alive while work is pending
    const payload = transfer(job.payload, job.transferList);
    const method = slot.remote[job.method] as unknown as (id: number, p: never) => Promise<Envelope<unknown>>;
    const call = method(job.id, payload as never);
    call
      .then(
        (r) => {
          if (r.ok) this.settle(job, r.value, true);
          else this.settle(job, reviveError(r.error), false);
        },
        (e) =>
          this.settle(job, new FlatvoxError("WorkerError", `decode worker call failed: ${String(e)}`), false),
      )
      .finally(() => {
        slot.running.delete(job);
        if (slot.running.size === 0) slot.worker.unref();
        this.dispatch();
      });
  }
}

let shared: WorkerPool | undefined;

/** The process-wide pool used by datasets opened with `workers: "auto"` (created on first use). */
export function defaultWorkerPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}

/** Stop the shared pool (a later dataset starts a new one). */
export async function terminateDefaultPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.terminate();
}
