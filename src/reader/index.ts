export type { BrickEntry, BrickStats } from "../format/brick-entry";
export { SectionKind } from "../format/constants";
export type { FieldInfo, PackSummary } from "../format/header";
export {
  type Affine,
  applyPoint,
  applyRay,
  applyVector,
  gridToWorld,
  invertAffine,
  worldToGrid,
} from "../shared/world-transform";
export {
  type BrickExecutor,
  createInlineExecutor,
  defaultWorkerPool,
  terminateDefaultPool,
  WorkerPool,
  type WorkerPoolOptions,
} from "../worker";
export {
  type CallOptions,
  Dataset,
  type DatasetInfo,
  type FieldRef,
  type LocatedEntry,
  type SectionInfo,
} from "./dataset";
export type { LineQuery, LineResult } from "./line";
export {
  type ByteRangeNeed,
  type OfflineRangeOptions,
  type OfflineSelection,
  offlineRanges,
} from "./offline-ranges";
export { type OpenDatasetOptions, openDataset } from "./open-dataset";
export type { PickHit, PickQuery } from "./pick";
export type { ProbeQuery, ProbeResult } from "./probe";
export type { LodBrick, LodQuery, LodResult } from "./select-lod";
export type { StatsQuery, StatsResult } from "./stats-query";
