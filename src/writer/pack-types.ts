/**
 * What the packer consumes. Demo generators and input readers (npy, npz, raw,
 * ...) produce these; the packer streams timesteps and never needs more than a
 * few of them in memory.
 */
import type { ExtraSection } from "../format/extra-section";
import type { PackFeatureOptions } from "../index/pack-feature-options";
import type { DType, FieldKind, TypedArray, Vec3 } from "../shared/types";

export interface FieldSpec {
  name: string;
  dtype: DType;
  kind: FieldKind;
  units?: string;
  /** Value meaning "no data" (default 0). */
  fill?: number;
  description?: string;
}

export type MetadataValue =
  | string
  | number
  | boolean
  | null
  | MetadataValue[]
  | { [k: string]: MetadataValue };

export interface DatasetSpec {
  /** Grid size in voxels (nx, ny, nz). */
  dims: Vec3;
  /** World position of voxel (0,0,0)'s corner. Default [0,0,0]. */
  origin?: Vec3;
  /** World size of one voxel. Default [1,1,1]. */
  spacing?: Vec3;
  fields: FieldSpec[];
  /** Time value of each timestep, strictly increasing; its length is T. */
  times: number[];
  /** Units of the time values (e.g. "s", "step"). */
  timeUnits?: string;
  /** Free-form metadata: simulation id, code, parameters, creation time, ... */
  metadata?: Record<string, MetadataValue>;
}

/** One timestep's data: one array per field, x fastest (index = x + nx*(y + ny*z)). */
export interface TimestepData {
  /** 0-based timestep index; timesteps arrive in order. */
  index: number;
  fields: Record<string, TypedArray>;
}

/** Default longest delta chain; see {@link PackOptions.maxDeltaChain}. */
export const DEFAULT_DELTA_CHAIN = 1;

export interface PackOptions {
  /** Brick edge B (16..256, power of two). Default 64. */
  brickSize?: number;
  /** zstd level (1 = fastest; measured 4% larger than 3 on float bricks at twice the speed). Default 1. */
  zstdLevel?: number;
  /** Brick order along a space-filling curve. Default "morton". */
  order?: "morton" | "hilbert";
  /** Progress callback: timesteps done of total, bytes written so far. */
  onProgress?: (p: { step: number; steps: number; bytesIn: number; bytesOut: number }) => void;
  /** Extra sections appended to the file and listed in the section directory (indices, features, ...). */
  extraSections?: () => Promise<ExtraSection[]> | ExtraSection[];
  /** Try XOR-delta bricks against the previous timestep and keep them when clearly smaller. Default true. */
  delta?: boolean;
  /**
   * Longest chain of delta references a brick may need (bounds reads per brick).
   * Default 1: a cold read of any timestep costs at most two brick reads.
   */
  maxDeltaChain?: number;
  /** Brick encoding worker threads (0 = encode on the calling thread; same bytes either way). Default: one per core, at most 4. */
  workers?: number;
  /** Metadata string recorded in the header as the writer's name. */
  writer?: string;
  /** Extract and track features per timestep while packing (src/index/pack-features.ts) and write the feature sections. */
  features?: PackFeatureOptions;
}

export type { ExtraSection };

export type TimestepSource = Iterable<TimestepData> | AsyncIterable<TimestepData>;
