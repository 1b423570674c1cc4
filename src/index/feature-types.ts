/**
 * Shared shapes of features, tracks and queries. A feature is a connected
 * region (or a user-supplied object) at one timestep or over a time interval.
 */
import type { Vec3 } from "../shared/types";

/** Property values a feature may carry. i64 values are bigint; datetimes are epoch ms numbers. */
export type PropValue = number | bigint | string | boolean | null;

/** Box with min inclusive, max exclusive (voxel units, or the user's units for imported features). */
export interface FeatureBox {
  min: Vec3;
  max: Vec3;
}

/** What extraction and tracking produce. */
export interface FeatureInstance {
  /** Unique id (per call for extractFeatures; global across timesteps after tracking). */
  id: number;
  type: string;
  box: FeatureBox;
  /** Number of voxels in the region. */
  voxels: number;
  /** Largest value in the region (categorical: the material id). */
  peak: number;
  /** Mean value over the region (categorical: the material id). */
  mean: number;
  /** Mean voxel centre, (i + 0.5) per axis. */
  centroid: Vec3;
  timestep?: number;
  /** Time interval [t0, t1] (closed); a single-timestep instance has t0 = t1. */
  time?: [number, number];
  /** Track id after tracking; -1 when untracked. */
  track?: number;
  /** Extra typed properties (user features, derived values). */
  properties?: Record<string, PropValue>;
}

export type TrackFate = "active" | "dissipated" | "merged" | "split";

export interface TrackPoint {
  timestep: number;
  time: number;
  feature: number;
  centroid: Vec3;
  voxels: number;
}

export interface Track {
  id: number;
  type: string;
  /** First and last timestep (and time) where the track has an instance. */
  birth: { timestep: number; time: number };
  death: { timestep: number; time: number };
  /** How the track ended: still present at the last timestep, vanished, merged into or split into others. */
  fate: TrackFate;
  parents: number[];
  children: number[];
  /** One point per timestep, in time order. */
  trajectory: TrackPoint[];
}

/** A feature as returned by queries (decoded from its record). */
export interface Feature {
  id: number;
  type: string;
  box: FeatureBox;
  time: [number, number];
  timestep: number;
  track: number;
  properties: Record<string, PropValue>;
}
