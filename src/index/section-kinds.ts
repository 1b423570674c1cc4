/**
 * The feature sections' kind codes, by role. The codes themselves are defined
 * once, with every other section kind, in src/format/constants.ts.
 */
import { SectionKind } from "../format/constants";

export const FEATURE_SECTION_KINDS = {
  /** Small directory: counts, extents, where each structure and index is. */
  dir: SectionKind.FEATURES,
  /** Feature records, track records and the track directory. */
  records: SectionKind.FEATURE_RECORDS,
  /** Packed Hilbert R-tree over feature boxes + time. */
  rtree: SectionKind.FEATURE_RTREE,
  /** Attribute B+trees, concatenated. */
  attrs: SectionKind.ATTRIBUTE_INDEX,
} as const;

export type FeatureSectionName = keyof typeof FEATURE_SECTION_KINDS;
