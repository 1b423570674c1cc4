/**
 * What the viewer needs from a dataset, independent of how the reader spells
 * it. Only src/viewer/data/dataset-adapter.ts translates between the two.
 */
import { FlatvoxError } from "../../shared/errors";
import type { DType, FieldKind, TypedArray, Vec3 } from "../../shared/types";
import type { GpuReady } from "../../worker/gpu-prep";

export interface ViewerField {
  name: string;
  dtype: DType;
  kind: FieldKind;
  units: string;
  /** No-data value, or null for none. */
  fill: number | null;
  /** [min, max] over all timesteps, when the file records it. */
  range?: [number, number];
}

export interface ViewerLevel {
  level: number;
  /** Voxel dims at this level. */
  dims: Vec3;
  /** Brick grid dims at this level. */
  bricks: Vec3;
}

export interface ViewerInfo {
  dims: Vec3;
  origin: Vec3;
  spacing: Vec3;
  /** Grid → world affine (row-major 3×4) when the file has one (src/shared/world-transform.ts). */
  transform?: number[];
  /** Length unit of world coordinates ("" when unknown). */
  spaceUnits: string;
  fields: ViewerField[];
  times: number[];
  timeUnits: string;
  metadata: Record<string, unknown>;
  brickSize: number;
  levels: ViewerLevel[];
  version: string;
}

/** Per-brick summary taken from the index (no brick bytes needed). */
export interface BrickSummary {
  /**
   * Identity of the brick's content: equal keys mean equal bytes (dedup
   * across timesteps), so the cached decode and GPU upload can be reused.
   */
  contentKey: string;
  /** Set when the brick stores no bytes: every voxel has this value. */
  uniform?: number;
  min: number;
  max: number;
  mean?: number;
  dominant?: number;
  homogeneity?: number;
  /** Stored (compressed) length in bytes; 0 for uniform bricks. */
  length: number;
}

/** Texture normalization of a scalar field: (v − lo) × scale. */
export interface GpuNorm {
  lo: number;
  scale: number;
}

export interface BrickPayload {
  /**
   * Decoded values; absent on the page for a scalar brick that came from the
   * backend worker as its GPU form only (`ready`).
   */
  data?: TypedArray;
  /** The GPU form, when it was prepared off the page (see ViewerDataset.readBrick). */
  ready?: GpuReady;
  /** False when the values were decoded on the page's own thread (no crossing). */
  offThread?: boolean;
  /** Voxel dims of this brick (clipped at grid edges). */
  dims: Vec3;
  /**
   * A categorical brick whose ids stay in the backend worker (it meshes them):
   * the distinct ids it holds, and the bytes the backend keeps for it.
   */
  materials?: number[];
  heldBytes?: number;
}

/** A payload's decoded values; a typed error when only its GPU form came to this thread. */
export function brickValues(p: BrickPayload): TypedArray {
  if (!p.data)
    throw new FlatvoxError(
      "WorkerError",
      "brick values are kept by the backend worker; only the GPU form is here",
      {
        section: "brick",
      },
    );
  return p.data;
}

export interface TransferStats {
  requests: number;
  bytes: number;
  cacheHits: number;
}

export interface BrickAddress {
  field: string;
  t: number;
  level: number;
  brick: Vec3;
}

/** Feature query (level-0 voxel box, closed range of time values, all conditions must hold). */
export interface FeatureQuery {
  box?: { min: Vec3; max: Vec3 };
  time?: [number, number];
  where?: [string, "=" | "!=" | ">" | "<" | ">=" | "<=", string | number | boolean][];
  limit?: number;
}

export interface FeatureHit {
  id: number;
  type: string;
  /** Level-0 voxel box, half-open. */
  box: { min: Vec3; max: Vec3 };
  time: [number, number];
  timestep: number;
  /** Track id (-1: none). */
  track: number;
  properties: Record<string, unknown>;
}

/** A track: one instance per timestep from birth to death. */
export interface TrackInfo {
  id: number;
  type: string;
  fate: string;
  birth: { timestep: number; time: number };
  death: { timestep: number; time: number };
  parents: number[];
  children: number[];
  trajectory: { timestep: number; time: number; feature: number; centroid: Vec3; voxels: number }[];
}

/** A histogram over a half-open voxel box of one level (bins linear over `range`). */
export interface HistogramQuery {
  field: string;
  t: number;
  level: number;
  box: { min: Vec3; max: Vec3 };
  bins: number;
  range: [number, number];
}

export interface HistogramResult {
  histogram: Uint32Array;
  range: [number, number];
  count: number;
  below: number;
  above: number;
  nanCount: number;
}

export interface ViewerDataset {
  readonly url: string;
  /** The local `File`/`Blob` the dataset is read from (drag-and-drop, file picker); absent for URLs. */
  readonly file?: Blob;
  readonly info: ViewerInfo;
  summary(addr: BrickAddress, signal?: AbortSignal): Promise<BrickSummary>;
  /**
   * Decoded values of a brick; with `norm` (scalar fields) also their GPU form
   * (normalized half floats, occupancy), prepared where the brick was decoded.
   */
  readBrick(addr: BrickAddress, signal?: AbortSignal, norm?: GpuNorm): Promise<BrickPayload>;
  sample(field: string, t: number, point: Vec3, level?: number): Promise<number>;
  /** Values of a half-open level-0 voxel box (x fastest), reading only the bricks it crosses. */
  readRegion?(
    field: string,
    t: number,
    box: { min: Vec3; max: Vec3 },
    signal?: AbortSignal,
  ): Promise<TypedArray>;
  /**
   * `readRegion` with the transport requests and bytes counted where the read
   * ran, while it ran (other reads at the same time count too).
   */
  readRegionCounted?(
    field: string,
    t: number,
    box: { min: Vec3; max: Vec3 },
    signal?: AbortSignal,
  ): Promise<{ values: TypedArray; requests: number; bytes: number }>;
  /** Region statistics with a histogram (the reader's region-stats query over one level). */
  stats?(q: HistogramQuery, signal?: AbortSignal): Promise<HistogramResult>;
  /** Level-0 box values over all timesteps (the probe index when the file has one): per-step means and values. */
  probe?: (
    field: string,
    box: { min: Vec3; max: Vec3 },
    signal?: AbortSignal,
  ) => Promise<{ times: number[]; mean: Float64Array; values: ArrayLike<number>[]; source: string }>;
  /**
   * Values along a segment between two continuous level-0 voxel points at one
   * timestep, a sample per voxel step (the reader's `sampleLine`): world
   * distances, sample voxels (flat ijk) and values.
   */
  sampleLine?: (
    field: string,
    t: number,
    from: Vec3,
    to: Vec3,
    signal?: AbortSignal,
  ) => Promise<{ distance: Float64Array; voxels: Int32Array; values: Float64Array; bricks: number }>;
  /** Undefined when the dataset has no feature indices. */
  features?: (q: FeatureQuery, signal?: AbortSignal) => Promise<FeatureHit[]>;
  /** Undefined when the dataset has no feature indices. */
  track?: (id: number, signal?: AbortSignal) => Promise<TrackInfo | undefined>;
  transferStats(): TransferStats;
  close(): void;
}
