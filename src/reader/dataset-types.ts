/**
 * The types of an open dataset, and the two views of it that the query
 * modules (pick, LOD selection, statistics, features) work through, so that
 * they depend on these interfaces rather than on the Dataset class that
 * offers their queries as methods.
 */
import type { BrickEntry } from "../format/brick-entry";
import type { LevelGeometry } from "../format/grid";
import type { FieldInfo, JsonValue, PackSummary } from "../format/header";
import type { SectionEntry } from "../format/preamble";
import type { ByteSource } from "../io/byte-source";
import type { Vec3 } from "../shared/types";
import type { BrickExecutor } from "../worker/executor";
import type { DecodeJob } from "../worker/protocol";

export interface SectionInfo extends SectionEntry {
  name: string;
  optional: boolean;
  compressed: boolean;
}

/** A decode job as the reader builds it: whether its byte buffer is private to it (and may be transferred). */
export type BrickJob = DecodeJob & { ownsBytes: boolean };

export interface DatasetInfo {
  dims: Vec3;
  origin: Vec3;
  spacing: Vec3;
  /** Grid → world affine (row-major 3×4) when the file has one; see src/shared/world-transform.ts. */
  transform?: number[];
  /** Length unit of world coordinates ("" when unknown). */
  spaceUnits: string;
  fields: FieldInfo[];
  times: number[];
  timeUnits: string;
  /** CF calendar of "<unit> since <date>" time units ("" when none). */
  timeCalendar: string;
  metadata: Record<string, JsonValue>;
  brickSize: number;
  levels: LevelGeometry[];
  version: { major: number; minor: number };
  sections: SectionInfo[];
  /** Brick counts and sizes recorded by the writer. */
  summary?: PackSummary;
  writer?: string;
  /** File size when known. */
  size?: number;
}

export type FieldRef = string | number;

export interface LocatedEntry extends BrickEntry {
  field: number;
  t: number;
  level: number;
  brick: Vec3;
  /** Voxel origin of the brick in its level. */
  voxelMin: Vec3;
  /** Clipped brick size in voxels. */
  size: Vec3;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Multi-brick reads (regions, stats) hold at most about two waves of this
   * many bytes (stored + decoded) at once; default 32 MiB.
   */
  waveBytes?: number;
}

/** Brick entries and decode jobs: what brick-level queries read. */
export interface BrickAccess {
  readonly info: DatasetInfo;
  readonly executor: BrickExecutor;
  brickEntry(
    field: FieldRef,
    t: number,
    level: number,
    brick: Vec3,
    opts?: CallOptions,
  ): Promise<LocatedEntry>;
  brickJob(entry: LocatedEntry, opts?: CallOptions): Promise<BrickJob>;
  checkQuery(field: FieldRef, t: number, level: number): { field: number; geo: LevelGeometry };
}

/** Sections by kind: what the feature index reads. */
export interface SectionAccess {
  readonly info: DatasetInfo;
  readonly source: ByteSource;
  section(
    kind: number,
  ): { offset: number; length: number; checksum: number; rawLength: number; compressed: boolean } | undefined;
  readSection(kind: number, opts?: CallOptions): Promise<Uint8Array | undefined>;
}
