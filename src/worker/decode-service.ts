/**
 * The decode service a worker runs (and the in-thread executor calls
 * directly): the core's brick pipeline (`decodeChain` in
 * src/core/brick-decode.ts: stored bytes → zstd → unshuffle → XOR delta, on
 * the kernel core's memory, WASM SIMD when the engine has it, else the JS
 * twins), whose values are then handed back as a fresh buffer, lent in place
 * to an in-thread caller, or fed to the ray / region-stats kernels without
 * leaving memory.
 */
import { createBrickDecoder, type DecodeKernels } from "../core/brick-decode";
import { type Core, createJsCore, loadCore } from "../core/core";
import type { Implementation } from "../core/core-ops";
import { createGpuConvert, type GpuConvert } from "../core/gpu-convert";
import { createRayKernels, type RayKernels } from "../core/ray";
import { createRegionStats, type StatsKernels } from "../core/region-stats";
import { initZstd, zstdBackend } from "../format/zstd";
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue } from "../shared/types";
import {
  type BrickHit,
  type DecodeJob,
  type DecodeServiceApi,
  type Envelope,
  type GpuDecoded,
  type GpuJob,
  type PickBrickJob,
  type RegionStats,
  type ServiceInfo,
  type StatsBrickJob,
  serializeError,
} from "./protocol";

interface Kernels {
  core: Core;
  decoder: DecodeKernels;
  ray: RayKernels;
  stats: StatsKernels;
  gpu: GpuConvert;
  /** Memory top after the kernels' persistent scratch: every job releases back to it. */
  base: number;
}

/** Ids cancelled before their job ran; bounded so late cancels cannot grow it without limit. */
const MAX_CANCELLED = 4096;

export interface DecodeService extends DecodeServiceApi {
  decodeGpu(id: number, job: GpuJob): Promise<Envelope<GpuDecoded>>;
  /** Synchronous decode into a fresh buffer (after init), for in-thread callers and benchmarks. */
  decodeNow(job: DecodeJob): ArrayBuffer;
  /**
   * Synchronous decode (after init) whose values are lent to `use` as a view
   * of core memory, valid only during the call: no buffer is allocated.
   */
  decodeWith<T>(job: DecodeJob, use: (values: Uint8Array) => T): T;
}

export function createDecodeService(): DecodeService {
  let kernels: Promise<Kernels> | undefined;
  let ready: Kernels | undefined;
  const cancelled = new Set<number>();

  const load = (implementation?: string): Promise<Kernels> => {
    kernels ??= (async () => {
      let core: Core;
      try {
        core = await loadCore({ implementation: implementation as Implementation | undefined });
      } catch {
        core = createJsCore(); // WASM missing or blocked: the JS twins give identical results
      }
      const [decoder, ray, stats, gpu] = await Promise.all([
        createBrickDecoder(core),
        createRayKernels(core),
        createRegionStats(core),
        createGpuConvert(core),
        initZstd(),
      ]);
      ready = { core, decoder, ray, stats, gpu, base: core.memory.mark() };
      return ready;
    })();
    return kernels;
  };

  const checkCancelled = (id: number): void => {
    if (cancelled.delete(id)) throw new FlatvoxError("AbortError", "operation was cancelled");
  };

  /** Run `f` on loaded kernels with memory released afterwards; errors become envelopes. */
  const run = async <T>(id: number, f: (k: Kernels) => T): Promise<Envelope<T>> => {
    try {
      const k = ready ?? (await load());
      checkCancelled(id);
      const mark = k.core.memory.mark();
      try {
        return { ok: true, value: f(k) };
      } finally {
        k.core.memory.release(mark);
      }
    } catch (e) {
      return { ok: false, error: serializeError(e) };
    } finally {
      cancelled.delete(id);
    }
  };

  /** The decoded values of a chain, as a view of core memory (valid until the memory is released). */
  const decodedView = (k: Kernels, id: number, job: DecodeJob): Uint8Array => {
    const ptr = k.decoder.decodeChain(job, () => checkCancelled(id));
    return k.core.memory.views().u8.subarray(ptr, ptr + job.voxels * bytesPerValue(job.dtype));
  };
  const decodeNow = (k: Kernels, id: number, job: DecodeJob): ArrayBuffer =>
    decodedView(k, id, job).slice().buffer;

  const service: DecodeService = {
    async init(implementation?: string): Promise<Envelope<ServiceInfo>> {
      try {
        const k = await load(implementation);
        return { ok: true, value: { implementation: k.core.implementation, zstd: zstdBackend() } };
      } catch (e) {
        return { ok: false, error: serializeError(e) };
      }
    },
    decode: (id, job) => run(id, (k) => decodeNow(k, id, job)),
    decodeGpu: (id: number, job: GpuJob): Promise<Envelope<GpuDecoded>> =>
      run(id, (k) => {
        const [x, y, z] = job.gpu.dims;
        if (x * y * z > job.voxels)
          throw new FlatvoxError(
            "QueryError",
            `GPU dims ${job.gpu.dims.join("×")} exceed the brick's ${job.voxels} voxels`,
          );
        // The values go out as a fresh buffer; the GPU form is made from them where they were decoded.
        const values = decodedView(k, id, job);
        const out = values.slice().buffer;
        return { values: out, ready: k.gpu.prepareAt(values.byteOffset, job.dtype, job.gpu) };
      }),
    pickBrick: (id: number, job: PickBrickJob): Promise<Envelope<BrickHit | null>> =>
      run(id, (k) => {
        const ptr = k.decoder.decodeChain(job, () => checkCancelled(id));
        const r = k.ray.brick(
          ptr,
          job.dtype,
          job.dims,
          { origin: job.origin, direction: job.direction, tMin: job.tMin, tMax: job.tMax },
          job.test,
        );
        return r.hit ? { ijk: r.hit.ijk, value: r.hit.value, t: r.hit.t } : null;
      }),
    statsBrick: (id: number, job: StatsBrickJob): Promise<Envelope<RegionStats>> =>
      run(id, (k) =>
        k.stats.brick(
          k.decoder.decodeChain(job, () => checkCancelled(id)),
          job.dtype,
          job.dims,
          job.box,
          job.histogram,
        ),
      ),
    echo: async (buffer) => buffer,
    cancel(id: number): void {
      cancelled.add(id);
      if (cancelled.size > MAX_CANCELLED) cancelled.delete(cancelled.values().next().value as number);
    },
    decodeNow(job: DecodeJob): ArrayBuffer {
      return service.decodeWith(job, (values) => values.slice().buffer);
    },
    decodeWith<T>(job: DecodeJob, use: (values: Uint8Array) => T): T {
      if (!ready) throw new FlatvoxError("WorkerError", "decode service used before init");
      const mark = ready.core.memory.mark();
      try {
        return use(decodedView(ready, -1, job));
      } finally {
        ready.core.memory.release(mark);
      }
    },
  };
  return service;
}
