/**
 * Where a brick is decoded, chosen per job by measurement: the calling thread
 * and the worker pool are two lanes, and each job goes to the lane that is
 * expected to finish it first. A lane's expected finish is the work already
 * queued on it plus this job's cost: decoded bytes × the measured decode rate,
 * plus, for the pool, the measured round trip (message, copy, wake-up) and a
 * share of the pool's queue per worker. In-thread jobs run back to back, so
 * the pool takes a job when the in-thread backlog (several bricks arriving
 * in one coalesced response) would finish later than a round trip and the
 * pool's own queue. On a 2-core machine the pool has one worker; on a loaded
 * one, where a second thread buys little, most bricks stay in-thread; a single
 * small brick always does, since a round trip costs more than its decode.
 *
 * On a page's main thread (a `document` exists) in-thread decoding would
 * stall the UI, so only jobs cheaper than a frame's slack (≤ 1 ms estimated)
 * may run there.
 */
import { bytesPerValue, type TypedArray } from "../shared/types";
import {
  type BrickExecutor,
  decodeWith,
  type ExecutorInfo,
  inlineExecutor,
  type JobOptions,
} from "./executor";
import type { GpuReady } from "./gpu-prep";
import type { WorkerPool } from "./pool";
import type { BrickHit, DecodeJob, GpuJob, PickBrickJob, RegionStats, StatsBrickJob } from "./protocol";

/** Largest round trip one observation may report (ms). */
const MAX_ROUND_TRIP_MS = 3;

export interface AdaptiveOptions {
  /** Whether the calling thread must stay responsive (default: a `document` exists). */
  uiThread?: boolean;
}

/** Exponentially weighted mean, seeded with a prior. */
class Ewma {
  constructor(
    public value: number,
    private readonly alpha = 0.2,
  ) {}
  add(x: number): void {
    if (Number.isFinite(x) && x >= 0) this.value += this.alpha * (x - this.value);
  }
}

export interface AdaptiveStats {
  inline: number;
  pool: number;
  /** Measured decode cost, ms per MiB of decoded values. */
  msPerMiB: number;
  /** Measured pool round-trip overhead per job, ms. */
  roundTripMs: number;
}

export class AdaptiveExecutor implements BrickExecutor {
  private readonly inline: BrickExecutor;
  private readonly uiThread: boolean;
  // Priors: ~1.5 ms per MiB (zstd + unshuffle on one core), ~0.6 ms per worker round trip.
  private readonly rate = new Ewma(1.5);
  private readonly roundTrip = new Ewma(0.6);
  private inlineQueuedMs = 0;
  private inlineFreeAt = 0;
  private poolQueuedMs = 0;
  private poolSize = 0;
  private poolReady = false;
  readonly counts = { inline: 0, pool: 0 };

  constructor(
    private readonly pool: WorkerPool,
    opts: AdaptiveOptions = {},
  ) {
    this.inline = inlineExecutor();
    // Load the in-thread kernels now, so the first measured decode is not a WASM compile.
    void this.inline.info().catch(() => undefined);
    this.uiThread = opts.uiThread ?? typeof (globalThis as { document?: unknown }).document !== "undefined";
    // Start the workers now; until they are up, every job runs in-thread (or waits for them on a UI thread).
    void pool.info().then(
      (i) => {
        this.poolSize = i.mode === "workers" ? i.size : 0;
        this.poolReady = true;
      },
      () => {
        this.poolReady = true;
      },
    );
  }

  stats(): AdaptiveStats {
    return { ...this.counts, msPerMiB: this.rate.value, roundTripMs: this.roundTrip.value };
  }

  /** The lane for a job of `bytes` decoded bytes. */
  private choose(bytes: number): "inline" | "pool" {
    const cost = (bytes / 2 ** 20) * this.rate.value;
    if (!this.poolReady) return this.uiThread ? "pool" : "inline";
    if (this.poolSize === 0) return "inline";
    if (this.uiThread && cost > 1) return "pool";
    const inlineDone = this.inlineQueuedMs + cost;
    const poolDone = this.poolQueuedMs / this.poolSize + this.roundTrip.value + cost;
    return inlineDone <= poolDone ? "inline" : "pool";
  }

  private async run<T>(job: DecodeJob, f: (e: BrickExecutor) => Promise<T>, weight = 1): Promise<T> {
    const bytes = job.voxels * bytesPerValue(job.dtype) * weight;
    const mib = bytes / 2 ** 20;
    const lane = this.choose(bytes);
    const est = mib * this.rate.value;
    this.counts[lane]++;
    const t0 = performance.now();
    if (lane === "inline") {
      this.inlineQueuedMs += est;
      try {
        return await f(this.inline);
      } finally {
        this.inlineQueuedMs -= est;
        // In-thread jobs run one after another: a job's own time starts when the one before it ended.
        const now = performance.now();
        // One outlier (a compile, a GC pause) moves the estimate at most tenfold.
        if (mib > 0)
          this.rate.add(Math.min(10 * this.rate.value, (now - Math.max(t0, this.inlineFreeAt)) / mib));
        this.inlineFreeAt = now;
      }
    }
    const poolEst = est + this.roundTrip.value;
    const ahead = this.poolQueuedMs / Math.max(1, this.poolSize);
    this.poolQueuedMs += poolEst;
    try {
      return await f(this.pool);
    } finally {
      this.poolQueuedMs -= poolEst;
      // What the job waited beyond its own decode and the work queued ahead of it: the round trip.
      // Capped: an answer that waited because this thread was busy (decoding in-thread) says
      // nothing about the pool, and one such wait must not keep the pool idle afterwards.
      this.roundTrip.add(Math.min(MAX_ROUND_TRIP_MS, Math.max(0, performance.now() - t0 - est - ahead)));
    }
  }

  decode(job: DecodeJob, opts: JobOptions = {}): Promise<TypedArray> {
    return this.run(job, (e) => e.decode(job, opts));
  }

  decodeWith<T>(job: DecodeJob, use: (values: TypedArray) => T, opts: JobOptions = {}): Promise<T> {
    return this.run(job, (e) => decodeWith(e, job, use, opts));
  }

  /** Decode plus GPU preparation (half floats, occupancy): about twice a plain decode's work. */
  decodeGpu(job: GpuJob, opts: JobOptions = {}): Promise<{ values: TypedArray; ready: GpuReady }> {
    return this.run(
      job,
      (e) => (e.decodeGpu ? e.decodeGpu(job, opts) : this.inline.decodeGpu!(job, opts)),
      2,
    );
  }

  pickBrick(job: PickBrickJob, opts: JobOptions = {}): Promise<BrickHit | null> {
    return this.run(job, (e) => e.pickBrick(job, opts));
  }

  statsBrick(job: StatsBrickJob, opts: JobOptions = {}): Promise<RegionStats> {
    return this.run(job, (e) => e.statsBrick(job, opts));
  }

  /** Starts both lanes (pool workers, in-thread kernels) and reports the pool. */
  async info(): Promise<ExecutorInfo> {
    const [info] = await Promise.all([this.pool.info(), this.inline.info().catch(() => undefined)]);
    return info;
  }

  terminate(): Promise<void> {
    return this.pool.terminate();
  }
}

let shared: AdaptiveExecutor | undefined;

/** The process-wide adaptive executor over the shared worker pool (what `workers: "auto"` uses). */
export function adaptiveExecutor(pool: () => WorkerPool): AdaptiveExecutor {
  shared ??= new AdaptiveExecutor(pool());
  return shared;
}
