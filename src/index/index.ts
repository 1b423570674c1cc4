/** Feature extraction, tracking and the streamed feature indices. */

export { type ByteRange, coalesceRanges } from "../io/range-coalescing";
export { type ExtractOptions, extractFeatures, type LabelResult, labelComponents } from "./extract-features";
export { parseFeatureFile } from "./feature-file";
export {
  type Explain,
  FeatureIndexReader,
  type FeatureQuery,
  type FeatureReaderOptions,
  type FeatureSectionRefs,
  matches,
  type PlanStep,
  type WhereCondition,
} from "./feature-index-reader";
export {
  buildFeatureSectionBlobs,
  buildFeatureSections,
  DEFAULT_INDICES,
  type FeatureSectionOptions,
  featureValue,
  type IndexSpec,
} from "./feature-sections";
export { FeatureTracker, type TrackerOptions } from "./feature-tracker";
export type {
  Feature,
  FeatureBox,
  FeatureInstance,
  PropValue,
  Track,
  TrackFate,
  TrackPoint,
} from "./feature-types";
export { hilbert3 } from "./hilbert";
export type { KeyType, Op } from "./key-codec";
export { FEATURE_SECTION_KINDS } from "./section-kinds";
export { type TimeMatch, timestepAt, timesteps } from "./temporal";
