/** What the stats panel, the test hook and the benchmarks read about the engine. */
import type { LodSelection, SelectedNode } from "../lod/lod-selection";
import type { Viewport } from "../render/viewport";
import type { VolumeLayer } from "../render/volume-layer";
import type { VoxelLayer } from "../render/voxel-layer";
import { brickCost } from "./brick-cost";
import type { BrickSource } from "./brick-store";

export interface LayerStats {
  gpuBytes: number;
  shown: number;
  waiting: number;
}

export interface EngineStats {
  requests: number;
  bytes: number;
  cacheHits: number;
  dedupHits: number;
  uniformBricks: number;
  bricksLoaded: number;
  decodeMsAvg: number;
  fps: number;
  frameMs: number;
  frames: number;
  cpuBytes: number;
  cpuBudget: number;
  gpuBytes: number;
  gpuBudget: number;
  /** The extra layers in the 3D view: GPU bytes (part of gpuBytes), nodes drawn, nodes still awaited. */
  layers?: LayerStats;
  uploads: number;
  cancelled: number;
  errors: number;
  /** Bricks the view wants that could not be read offline (drawn from a coarser cached level). */
  unavailable: number;
  pendingVisible: number;
  pendingPrefetch: number;
  selected: number;
  /** Kernel time of the last LOD selection and the size of its tree. */
  lodMs: number;
  lodNodes: number;
  /** Where the kernels run ("worker" | "page") and their implementation. */
  core: string;
  /** Where bricks are read and scheduled: "worker" (the backend worker), "page" (its in-page fallback) or "off". */
  backend: string;
  levels: Record<number, number>;
  /** Timestep whose data is on screen. */
  shownT: number;
  complete: boolean;
  firstFrameMs?: number;
  /** Time from opening to the first frame that showed any data (coarse allowed). */
  firstDataFrameMs?: number;
  lastTimeSwitchMs?: number;
  /** Main-thread ms spent on brick data, per brick whose data reached the page (brick-cost.ts). */
  mainMsPerBrick: number;
  /** Thread crossings of brick data, per brick. */
  crossingsPerBrick: number;
  /** The raw counters behind the two above: bricks that reached the page, their crossings, main-thread ms. */
  brickCost: { bricks: number; crossings: number; mainMs: number; meshes: number };
  /** Categorical meshes: built (and where), received from the backend, and the time from request to mesh. */
  meshes: { built: number; fromBackend: number; msAvg: number };
}

export interface StatsSources {
  store: BrickSource;
  transfer: { requests: number; bytes: number; cacheHits: number };
  selected: SelectedNode[];
  viewport: Viewport;
  volume?: VolumeLayer;
  voxels?: VoxelLayer;
  slotBytes: number;
  gpuBudget: number;
  /** The extra layers in the 3D view (their GPU bytes count against the same budget). */
  layers?: LayerStats;
  lod: LodSelection;
  core: string;
  /** Where bricks are read and scheduled: "worker" (the backend worker), "page" (its in-page fallback) or "off". */
  backend: string;
  shownT: number;
  complete: boolean;
  firstFrameMs?: number;
  firstDataFrameMs?: number;
  lastTimeSwitchMs?: number;
}

export function engineStats(x: StatsSources): EngineStats {
  const s = x.store.stats();
  const tr = x.transfer;
  const levels: Record<number, number> = {};
  for (const n of x.selected) levels[n.level] = (levels[n.level] ?? 0) + 1;
  return {
    requests: tr.requests,
    bytes: tr.bytes,
    cacheHits: tr.cacheHits + s.dedupHits,
    dedupHits: s.dedupHits,
    uniformBricks: s.uniform,
    bricksLoaded: s.loads,
    decodeMsAvg: s.loads ? s.loadMs / s.loads : 0,
    fps: x.viewport.fps,
    frameMs: x.viewport.lastFrameMs,
    frames: x.viewport.frames,
    cpuBytes: s.cpuBytes,
    cpuBudget: s.cpuBudget,
    gpuBytes:
      (x.volume ? x.volume.atlas.used * x.slotBytes : 0) +
      (x.voxels?.gpuBytes ?? 0) +
      (x.layers?.gpuBytes ?? 0),
    layers: x.layers,
    gpuBudget: x.gpuBudget,
    uploads: x.volume?.atlas.uploads ?? 0,
    cancelled: s.cancelled,
    errors: s.errors,
    unavailable: s.unavailable,
    pendingVisible: x.store.pending.visible,
    pendingPrefetch: x.store.pending.prefetch,
    selected: x.selected.length,
    lodMs: x.lod.lastMs,
    lodNodes: x.lod.lastNodes,
    core: x.core,
    backend: x.backend,
    levels,
    shownT: x.shownT,
    complete: x.complete,
    firstFrameMs: x.firstFrameMs,
    firstDataFrameMs: x.firstDataFrameMs,
    lastTimeSwitchMs: x.lastTimeSwitchMs,
    mainMsPerBrick: brickCost.bricks ? brickCost.mainMs / brickCost.bricks : 0,
    crossingsPerBrick: brickCost.bricks ? brickCost.crossings / brickCost.bricks : 0,
    brickCost: { ...brickCost },
    meshes: {
      built: x.voxels?.meshed ?? 0,
      fromBackend: brickCost.meshes,
      msAvg: x.voxels?.meshed ? x.voxels.meshMs / x.voxels.meshed : 0,
    },
  };
}
