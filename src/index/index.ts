/** Feature extraction, tracking and the streamed feature indices. */
export { extractFeatures, labelComponents, type ExtractOptions, type LabelResult } from "./extract-features";
export { FeatureTracker, type TrackerOptions } from "./feature-tracker";
export { parseFeatureFile } from "./feature-file";
export type {
  Feature,
  FeatureBox,
  FeatureInstance,
  PropValue,
  Track,
  TrackFate,
  TrackPoint,
} from "./feature-types";
export {
  buildFeatureSections,
  buildFeatureSectionBlobs,
  DEFAULT_INDICES,
  featureValue,
  type FeatureSectionOptions,
  type IndexSpec,
} from "./feature-sections";
export { FEATURE_SECTION_KINDS } from "./section-kinds";
export {
  FeatureIndexReader,
  matches,
  type Explain,
  type FeatureQuery,
  type FeatureReaderOptions,
  type FeatureSectionRefs,
  type PlanStep,
  type WhereCondition,
} from "./feature-index-reader";
export type { KeyType, Op } from "./key-codec";
export { timestepAt, timesteps, type TimeMatch } from "./temporal";
export { hilbert3 } from "./hilbert";
export { coalesceRanges, type ByteRange } from "./range-coalescing";
