/**
 * The brick pipeline that runs inside a decode worker (or in-thread when no
 * worker is available): stored bytes → zstd → unshuffle → XOR delta against
 * the previous link of the chain, on the kernel core's memory (WASM SIMD when
 * the engine has it, else the JS twins), then either handed back as a fresh
 * buffer or fed to the ray / region-stats kernels without leaving memory.
 */
import { createBrickDecoder, type DecodeKernels } from "../core/brick-decode";
import { type Core, createJsCore, loadCore } from "../core/core";
import type { Implementation } from "../core/core-ops";
import { createRayKernels, type RayKernels } from "../core/ray";
import { createRegionStats, type StatsKernels } from "../core/region-stats";
import { Encoding, zstdBound } from "../format/constants";
import { xxhash32 } from "../format/xxhash32";
import { initZstd, zstdBackend, zstdDecompressExact } from "../format/zstd";
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue, viewTyped } from "../shared/types";
import { prepareForGpu } from "./gpu-prep";
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
  /** Memory top after the kernels' persistent scratch: every job releases back to it. */
  base: number;
}

interface Decoded {
  ptr: number;
  spare?: Uint8Array;
}

/** Ids cancelled before their job ran; bounded so late cancels cannot grow it without limit. */
const MAX_CANCELLED = 4096;

export interface DecodeService extends DecodeServiceApi {
  decodeGpu(id: number, job: GpuJob): Promise<Envelope<GpuDecoded>>;
  /** Synchronous decode into a fresh buffer (after init), for in-thread callers and benchmarks. */
  decodeNow(job: DecodeJob): ArrayBuffer;
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
      const [decoder, ray, stats] = await Promise.all([
        createBrickDecoder(core),
        createRayKernels(core),
        createRegionStats(core),
        initZstd(),
      ]);
      ready = { core, decoder, ray, stats, base: core.memory.mark() };
      return ready;
    })();
    return kernels;
  };

  const checkCancelled = (id: number): void => {
    if (cancelled.delete(id)) throw new FlatvoxError("AbortError", "operation was cancelled");
  };

  /**
   * Decode the chain into core memory; returns the pointer of the last link's
   * values and, when the last link was a zstd frame, its decoded buffer
   * (fresh and wholly owned), which `decodeNow` refills and hands back.
   */
  const decodeChain = (k: Kernels, id: number, job: DecodeJob): Decoded => {
    const { memory, ops } = k.core;
    const size = bytesPerValue(job.dtype);
    const expected = job.voxels * size;
    const section = job.section ?? "brick";
    if (!Number.isInteger(job.voxels) || job.voxels <= 0 || job.links.length === 0) {
      throw new FlatvoxError("FormatError", "empty decode job", { section });
    }
    const total = job.links.reduce((s, l) => s + l.length, 0);
    if (total !== job.bytes.length) {
      throw new FlatvoxError("TruncatedError", `decode job carries ${job.bytes.length} of ${total} bytes`, {
        section,
      });
    }
    // Two value buffers alternate along the chain (a delta needs only its predecessor) plus one input buffer.
    const bufs = [memory.alloc(expected), memory.alloc(expected)];
    let input = 0;
    let prev = -1;
    let pos = 0;
    let spare: Uint8Array | undefined;
    for (let i = 0; i < job.links.length; i++) {
      checkCancelled(id);
      const link = job.links[i];
      const ctx = { section, offset: link.offset, length: link.length };
      const stored = job.bytes.subarray(pos, pos + link.length);
      pos += link.length;
      const dst = bufs[i & 1];
      if (link.checksum !== undefined && xxhash32(stored) !== link.checksum) {
        throw new FlatvoxError("ChecksumError", `${section} checksum mismatch`, ctx);
      }
      if (link.encoding === Encoding.UNIFORM) {
        memory.view(job.dtype, dst, job.voxels).fill(link.value);
        prev = dst;
        spare = undefined;
        continue;
      }
      if (link.encoding !== Encoding.SHUFFLE_ZSTD && link.encoding !== Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
        throw new FlatvoxError("FormatError", `unknown brick encoding ${link.encoding}`, ctx);
      }
      if (link.length > zstdBound(expected)) {
        throw new FlatvoxError(
          "LimitError",
          `brick stores ${link.length} bytes for ${expected} decoded`,
          ctx,
        );
      }
      const shuffled = zstdDecompressExact(stored, expected, ctx);
      if (input === 0) input = memory.alloc(expected);
      memory.views().u8.set(shuffled, input);
      ops.unshuffle(input, dst, expected, size);
      if (link.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
        if (prev < 0) {
          throw new FlatvoxError("FormatError", "delta brick without a matching reference brick", ctx);
        }
        ops.xorDelta(dst, prev, dst, expected);
      }
      prev = dst;
      spare = shuffled;
    }
    return { ptr: prev, spare };
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

  // The result goes back in the last frame's decoded buffer when it owns its
  // ArrayBuffer: a fresh 1 MiB allocation per brick (zeroing, page faults)
  // costs more than the unshuffle itself.
  const decodeNow = (k: Kernels, id: number, job: DecodeJob): ArrayBuffer => {
    const { ptr, spare } = decodeChain(k, id, job);
    const n = job.voxels * bytesPerValue(job.dtype);
    const values = k.core.memory.views().u8.subarray(ptr, ptr + n);
    if (spare && spare.byteOffset === 0 && spare.byteLength === n && spare.buffer.byteLength === n) {
      spare.set(values);
      return spare.buffer as ArrayBuffer;
    }
    return values.slice().buffer;
  };

  return {
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
        const values = decodeNow(k, id, job);
        return { values, ready: prepareForGpu(viewTyped(job.dtype, new Uint8Array(values)), job.gpu) };
      }),
    pickBrick: (id: number, job: PickBrickJob): Promise<Envelope<BrickHit | null>> =>
      run(id, (k) => {
        const { ptr } = decodeChain(k, id, job);
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
      run(id, (k) => k.stats.brick(decodeChain(k, id, job).ptr, job.dtype, job.dims, job.box, job.histogram)),
    echo: async (buffer) => buffer,
    cancel(id: number): void {
      cancelled.add(id);
      if (cancelled.size > MAX_CANCELLED) cancelled.delete(cancelled.values().next().value as number);
    },
    decodeNow(job: DecodeJob): ArrayBuffer {
      if (!ready) throw new FlatvoxError("WorkerError", "decode service used before init");
      const mark = ready.core.memory.mark();
      try {
        return decodeNow(ready, -1, job);
      } finally {
        ready.core.memory.release(mark);
      }
    },
  };
}
