/**
 * What the reader needs from a decode backend, and the in-thread backend:
 * the same decode service a worker runs, called directly (no copies, no
 * messages). Used where workers cannot start and with `workers: false`.
 */
import { FlatvoxError, reviveError, throwIfAborted } from "../shared/errors";
import { type TypedArray, viewTyped } from "../shared/types";
import { createDecodeService } from "./decode-service";
import type { GpuReady } from "./gpu-prep";
import type {
  BrickHit,
  DecodeJob,
  Envelope,
  GpuJob,
  PickBrickJob,
  RegionStats,
  StatsBrickJob,
} from "./protocol";

export interface JobOptions {
  signal?: AbortSignal;
  /**
   * The job's `bytes` own their whole ArrayBuffer and may be transferred
   * (detached). Otherwise the pool transfers a private copy, so views into
   * shared buffers (caches, the open block) stay intact.
   */
  transferInput?: boolean;
}

export interface ExecutorInfo {
  mode: "workers" | "inline";
  size: number;
  implementation: string;
  zstd: string;
  /** Inline mode of a pool: why no worker started. */
  reason?: string;
}

export interface BrickExecutor {
  /** Decoded values of the chain's last brick. */
  decode(job: DecodeJob, opts?: JobOptions): Promise<TypedArray>;
  /**
   * Decoded values lent to `use` and valid only during that call (in-thread:
   * a view of core memory, no buffer allocated); resolves to what `use` returns.
   */
  decodeWith?<T>(job: DecodeJob, use: (values: TypedArray) => T, opts?: JobOptions): Promise<T>;
  /** Decoded values plus their GPU form (half floats, occupancy), prepared where they were decoded. */
  decodeGpu?(job: GpuJob, opts?: JobOptions): Promise<{ values: TypedArray; ready: GpuReady }>;
  /** First hit of a ray inside one brick (brick-local voxel), or null. */
  pickBrick(job: PickBrickJob, opts?: JobOptions): Promise<BrickHit | null>;
  /** Stats of a brick-local box. */
  statsBrick(job: StatsBrickJob, opts?: JobOptions): Promise<RegionStats>;
  info(): Promise<ExecutorInfo>;
  terminate(): Promise<void>;
}

/** `executor.decodeWith` where it exists, else a decode whose result is passed to `use`. */
export function decodeWith<T>(
  executor: BrickExecutor,
  job: DecodeJob,
  use: (values: TypedArray) => T,
  opts: JobOptions = {},
): Promise<T> {
  return executor.decodeWith ? executor.decodeWith(job, use, opts) : executor.decode(job, opts).then(use);
}

function unwrap<T>(r: Envelope<T>): T {
  if (r.ok) return r.value;
  throw reviveError(r.error);
}

export function createInlineExecutor(implementation?: string): BrickExecutor {
  const service = createDecodeService();
  let id = 0;
  let info: Promise<ExecutorInfo> | undefined;
  const init = (): Promise<ExecutorInfo> => {
    info ??= service.init(implementation).then((r) => ({ mode: "inline" as const, size: 0, ...unwrap(r) }));
    return info;
  };
  const call = async <T>(opts: JobOptions, f: (n: number) => Promise<Envelope<T>>): Promise<T> => {
    throwIfAborted(opts.signal);
    await init();
    const v = unwrap(await f(--id));
    throwIfAborted(opts.signal); // aborted meanwhile: the result is discarded
    return v;
  };
  return {
    decode: async (job, opts = {}) =>
      viewTyped(job.dtype, new Uint8Array(await call(opts, (n) => service.decode(n, job)))),
    async decodeWith(job, use, opts = {}) {
      throwIfAborted(opts.signal);
      await init();
      throwIfAborted(opts.signal);
      return service.decodeWith(job, (values) => use(viewTyped(job.dtype, values)));
    },
    decodeGpu: async (job, opts = {}) => {
      const r = await call(opts, (n) => service.decodeGpu(n, job));
      return { values: viewTyped(job.dtype, new Uint8Array(r.values)), ready: r.ready };
    },
    pickBrick: (job, opts = {}) => call(opts, (n) => service.pickBrick(n, job)),
    statsBrick: (job, opts = {}) => call(opts, (n) => service.statsBrick(n, job)),
    info: init,
    async terminate() {},
  };
}

let inline: BrickExecutor | undefined;

/** The shared in-thread executor. */
export function inlineExecutor(): BrickExecutor {
  inline ??= createInlineExecutor();
  return inline;
}

export function notAnExecutor(v: unknown): never {
  throw new FlatvoxError("InputError", `workers must be a WorkerPool, "auto" or false, not ${String(v)}`);
}
