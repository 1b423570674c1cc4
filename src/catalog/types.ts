/**
 * A catalog: many .fvx datasets described in one JSON file, with their
 * statistics, for browsing and fuzzy search without opening each dataset.
 * Written by `flatvox catalog build`, read by `flatvox catalog search` and by
 * the viewer's start screen. Layout: docs/CATALOG.md.
 */

export const CATALOG_VERSION = 1;

/** Per-timestep statistics of a scalar field (arrays indexed by timestep). */
export interface ScalarSeries {
  min: number[];
  max: number[];
  mean: number[];
  /** Non-NaN voxels counted at `level`. */
  count: number[];
}

/** Share of each material per timestep (categorical fields). */
export interface MaterialShare {
  value: number;
  name: string;
  /** Fraction of the grid's voxels at `level`, per timestep. */
  fraction: number[];
}

/** Statistics per timestep at `level` (0 = every voxel, exact): a series for scalar fields, shares for categorical ones. */
export interface FieldStats {
  level: number;
  exact: boolean;
  series?: ScalarSeries;
  materials?: MaterialShare[];
}

export interface CatalogField {
  name: string;
  dtype: string;
  kind: "scalar" | "categorical";
  units: string;
  description: string;
  /** [min, max] over all timesteps, from the header (exact, written by the packer). */
  range: [number, number] | null;
  /** Statistics per timestep, computed at `level` (0 = every voxel). */
  stats?: FieldStats;
}

export interface CatalogEntry {
  /** Where the viewer opens it: relative to the catalog file, or absolute. */
  url: string;
  title: string;
  description: string;
  tags: string[];
  /** "categorical" when any field is categorical, else "scalar". */
  kind: "scalar" | "categorical";
  /** Format version ("1.0"). The fields from here to `fields` may be missing in hand-written catalogs. */
  version?: string;
  /** File size in bytes. */
  size?: number;
  etag?: string;
  dims?: [number, number, number];
  spacing?: [number, number, number];
  brickSize?: number;
  levels?: number;
  times?: { count: number; first: number; last: number; units: string };
  fields: CatalogField[];
  compressionRatio?: number;
  dedupRatio?: number;
  features?: { count: number; tracks: number };
  /** The dataset's metadata as written (strings in it are searchable; always shown as text). */
  metadata: Record<string, unknown>;
}

export interface CatalogFailure {
  source: string;
  /** The error's tag (FlatvoxError) or its class name. */
  error: string;
  message: string;
}

export interface Catalog {
  version: number;
  generated: string;
  datasets: CatalogEntry[];
  /** Inputs that could not be catalogued, and why. */
  failed: CatalogFailure[];
}
