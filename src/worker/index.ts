export type { BrickExecutor, ExecutorInfo, JobOptions } from "./executor";
export { createInlineExecutor, inlineExecutor } from "./executor";
export { defaultWorkerPool, terminateDefaultPool, WorkerPool, type WorkerPoolOptions } from "./pool";
export type {
  BrickHit,
  ChainLink,
  DecodeJob,
  HitTest,
  PickBrickJob,
  RegionStats,
  StatsBrickJob,
} from "./protocol";
export { defaultPoolSize, workersAvailable } from "./spawn";
