/** What the packer extracts as features and how it lays out their sections (see pack-features.ts). */
import type { FeatureSectionOptions, IndexSpec } from "./feature-sections";
import type { FeatureInstance } from "./feature-types";

export interface PackFeatureOptions {
  /** Field to extract from (default: the first field). */
  field?: string;
  /** Scalar fields: voxels with value > threshold form regions. */
  threshold?: number;
  /** Categorical fields: voxel values forming regions (one material per region). */
  materials?: number[];
  /** Feature type per material id (default "material:<id>"). */
  materialNames?: Record<number, string>;
  /** Regions smaller than this are dropped (default 8 voxels). */
  minVoxels?: number;
  /** Feature type of scalar regions (default "region"). */
  type?: string;
  /** Features supplied by the caller (e.g. parsed from a file) instead of extraction; stored as given, without track records. */
  instances?: FeatureInstance[];
  /** Attribute indices to build (default: id, type, voxels, peak + track and timestep). */
  indices?: IndexSpec[];
  /** R-tree and B+tree layout options (node sizes, head budgets, packing order). */
  layout?: Pick<FeatureSectionOptions, "rtree" | "btree">;
}
