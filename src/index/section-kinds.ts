/**
 * Section kind codes of the feature structures in the .fvx section directory
 * (kept in one place so the container format can align them).
 */
export const FEATURE_SECTION_KINDS = {
  /** Small directory: counts, extents, where each structure and index is. */
  dir: 0x20,
  /** Feature records, track records and the track directory. */
  records: 0x21,
  /** Packed Hilbert R-tree over feature boxes + time. */
  rtree: 0x22,
  /** Attribute B+trees, concatenated. */
  attrs: 0x23,
} as const;

export type FeatureSectionName = keyof typeof FEATURE_SECTION_KINDS;
