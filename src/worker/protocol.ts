/**
 * What crosses the worker boundary: brick jobs (stored bytes of a delta
 * chain plus what to do with the decoded brick), their results, and errors.
 * Everything here is structured-cloneable; big buffers are transferred.
 */
import type { BrickChain, ChainLink } from "../core/brick-decode";
import type { HitTest } from "../core/ray";
import type { HistogramSpec, RegionStats } from "../core/region-stats";
import { type ErrorTag, FlatvoxError, isFlatvoxError, type SerializedError } from "../shared/errors";
import type { Box3, Vec3 } from "../shared/types";
import type { GpuPrep, GpuReady } from "./gpu-prep";

/** A brick job carries one delta chain (the shape is the core's: src/core/brick-decode.ts). */
export type { ChainLink };
export type DecodeJob = BrickChain;

export type { HitTest };

/** Ray through one decoded brick, in the brick's own voxel units (ray kernel `brick`). */
export interface PickBrickJob extends DecodeJob {
  dims: Vec3;
  origin: Vec3;
  direction: Vec3;
  tMin: number;
  tMax: number;
  test: HitTest;
}

export interface BrickHit {
  /** Brick-local voxel. */
  ijk: Vec3;
  value: number;
  /** Ray parameter where the ray enters the voxel (or tMin when it starts inside). */
  t: number;
}

/** Stats of a brick-local half-open box (region-stats kernel). */
export interface StatsBrickJob extends DecodeJob {
  dims: Vec3;
  box: Box3;
  histogram?: HistogramSpec;
}

export type { HistogramSpec, RegionStats };

export interface GpuJob extends DecodeJob {
  gpu: GpuPrep;
}

export interface GpuDecoded {
  values: ArrayBuffer;
  ready: GpuReady;
}

/** Every service call answers with an envelope, so typed errors cross intact (by tag, not by class). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export interface ServiceInfo {
  implementation: string;
  zstd: string;
}

/** The API a decode worker exposes (and the inline executor runs in-thread). */
export interface DecodeServiceApi {
  init(implementation?: string): Promise<Envelope<ServiceInfo>>;
  decode(id: number, job: DecodeJob): Promise<Envelope<ArrayBuffer>>;
  pickBrick(id: number, job: PickBrickJob): Promise<Envelope<BrickHit | null>>;
  statsBrick(id: number, job: StatsBrickJob): Promise<Envelope<RegionStats>>;
  /** Decode and prepare for the GPU (half floats, occupancy) in one go; the values come back too. */
  decodeGpu?(id: number, job: GpuJob): Promise<Envelope<GpuDecoded>>;
  /** Hand a buffer back (transferred both ways): round-trip checks and the transfer benchmark. */
  echo(buffer: ArrayBuffer): Promise<ArrayBuffer>;
  /** The caller's AbortSignal fired: skip the job if it has not run yet. */
  cancel(id: number): void;
}

/** Error → plain object; non-flatvox errors become WorkerError with their message. */
export function serializeError(e: unknown): SerializedError {
  if (isFlatvoxError(e)) {
    const f = e as FlatvoxError;
    return { __flatvoxError: true, tag: f.tag, message: f.message, context: plainContext(f.context) };
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { __flatvoxError: true, tag: "WorkerError" as ErrorTag, message, context: {} };
}

/** Context values that survive structured cloning (drop functions and the like). */
function plainContext(c: Record<string, unknown>): SerializedError["context"] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c ?? {})) {
    const t = typeof v;
    if (v === null || t === "string" || t === "number" || t === "boolean") out[k] = v;
  }
  return out;
}

export function workerError(message: string): FlatvoxError {
  return new FlatvoxError("WorkerError", message);
}
