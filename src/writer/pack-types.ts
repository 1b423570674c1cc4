/**
 * What the packer consumes. Demo generators and input readers (npy, npz, raw,
 * ...) produce these; the packer streams timesteps and never needs more than a
 * few of them in memory.
 */

import type { ExtraSection } from "../format/extra-section";
import type { PackFeatureOptions } from "../index/pack-feature-options";
import type { DType, FieldKind, TypedArray, Vec3 } from "../shared/types";
import type { S3Options } from "./s3";

export interface FieldSpec {
  name: string;
  dtype: DType;
  kind: FieldKind;
  units?: string;
  /**
   * Value meaning "no data": excluded from ranges and stats, not drawn. No
   * default: a field without one has none (a 0 is data). For f32 fields NaN is
   * always no data, whatever this says (docs/FORMAT.md "Fill and no data").
   */
  fill?: number | null;
  description?: string;
  /** The input variable's own attributes (CF and user attributes, library internals removed). */
  attributes?: Record<string, MetadataValue>;
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
  /**
   * Full index-to-world affine, 12 numbers row-major (3×4): world = M·(p, 1)
   * where p is the continuous grid position (voxel (i,j,k) spans [i, i+1), so
   * its centre is p = i + 0.5). Set when the input has an orientation
   * (NIfTI sform/qform, VTI Direction); origin/spacing are then derived from it
   * (origin = M·(0,0,0,1), spacing = column lengths). docs/FORMAT.md "World transform".
   */
  transform?: number[];
  /** Length unit of world coordinates (e.g. "mm", "m", "km"). */
  spaceUnits?: string;
  fields: FieldSpec[];
  /** Time value of each timestep, strictly increasing; its length is T. */
  times: number[];
  /** Units of the time values (e.g. "s", "step", or CF "hours since 2000-01-01 00:00:00"). */
  timeUnits?: string;
  /** CF calendar of the time values when timeUnits is "<unit> since <date>" (e.g. "standard", "noleap", "360_day"). */
  timeCalendar?: string;
  /** Free-form metadata: simulation id, code, parameters, creation time, ... */
  metadata?: Record<string, MetadataValue>;
}

/**
 * Part of one field at one timestep, read on demand, so the packer never holds
 * a whole timestep: the packer asks for slabs of brick rows in increasing z
 * (and, within a slab, increasing y). Input readers implement it over their
 * library's hyperslab reads; values come back already in physical units with
 * no-data mapped to the field's fill (NaN for f32).
 */
export interface SlabReader {
  /**
   * Voxels with z in [z0, z0+nz), y in [y0, y0+ny) and every x, x fastest
   * (index = x + nx*((y-y0) + ny*(z-z0))), as an array of the field's dtype. It
   * stays valid until the next `read` of this reader (a reader may reuse its
   * buffer: the packer is done with a band before it asks for the next).
   */
  read(z0: number, nz: number, y0: number, ny: number): Promise<TypedArray>;
  /** The grid (nx, ny, nz) it reads, when the reader knows it (checked against the dataset's). */
  readonly dims?: Vec3;
  /** Release what the reader holds (file handles, library objects). */
  close?(): Promise<void> | void;
}

/** One timestep's data: per field, the whole array (x fastest, index = x + nx*(y + ny*z)) or a SlabReader. */
export interface TimestepData {
  /** 0-based timestep index; timesteps arrive in order. */
  index: number;
  fields: Record<string, TypedArray | SlabReader>;
}

/** A timestep given whole, field by field (the demos, small inputs, tests). */
export interface ArrayTimestepData extends TimestepData {
  fields: Record<string, TypedArray>;
}

/** True when a timestep field is read on demand rather than given whole. */
export function isSlabReader(v: TypedArray | SlabReader): v is SlabReader {
  return typeof (v as SlabReader).read === "function";
}

/** Default longest delta chain; see {@link PackOptions.maxDeltaChain}. */
export const DEFAULT_DELTA_CHAIN = 1;

/** Probe index options (docs/FORMAT.md §16). */
export interface ProbeOptions {
  /** Chunk edge C (power of two, 4..brick size). Default 16. */
  chunk?: number;
  /** Timesteps per chunk (1..256). Default min(T, 64). */
  group?: number;
  /**
   * Leave the first timesteps out of the index (its time axis then starts at
   * this step). Used by append, whose scratch pack starts with the existing last step.
   */
  firstStep?: number;
}

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
  /** Largest level-0 band read at once (bytes; at least one brick row). Default 32 MiB. */
  bandBytes?: number;
  /** Directory for the scratch files (two raw timesteps, one encoded field). Default: the output's directory. */
  spillDir?: string;
  /** Object-storage settings for an s3://bucket/key output. */
  s3?: S3Options;
  /** Metadata string recorded in the header as the writer's name. */
  writer?: string;
  /** Extract and track features per timestep while packing (src/index/pack-features.ts) and write the feature sections. */
  features?: PackFeatureOptions;
  /**
   * Write the probe index (docs/FORMAT.md §16): level-0 values a second time in
   * time-major chunks, so values over time cost a chunk per group of timesteps
   * instead of a brick per timestep. About doubles the level-0 bytes. Default off.
   */
  probe?: boolean | ProbeOptions;
}

export type { ExtraSection };

export type TimestepSource = Iterable<TimestepData> | AsyncIterable<TimestepData>;
