/** What a page can do with an open viewer: read and set the view, pick, wait, snapshot. */
import type { ViewState } from "../app/view-state";
import type { ViewerInfo } from "../data/viewer-types";
import type { PickResult } from "../pick/pick-session";
import type { Snapshot } from "../render/viewport";
import type { EngineStats, ViewerEngine } from "../stream/engine";

export interface ViewerController {
  /** Dims, fields, times and transform of the open dataset. */
  info(): ViewerInfo;
  state(): ViewState & { camera: { position: number[]; target: number[] } };
  setState(patch: Partial<ViewState>): void;
  /** Pick at canvas-relative CSS pixels; the same as a click there. */
  pickAt(x: number, y: number): Promise<PickResult | undefined>;
  /** Resolves when every visible brick is loaded and drawn. */
  whenIdle(): Promise<EngineStats>;
  /** Draw now and summarize the canvas pixels. */
  snapshot(): Snapshot;
  stats(): EngineStats;
}

export function controllerFor(e: ViewerEngine): ViewerController {
  return {
    info: () => e.info,
    state: () => ({ ...e.state, camera: e.cameraState() }),
    setState: (p) => e.setState(p),
    pickAt: (x, y) => e.pickAt(x, y),
    whenIdle: () => e.whenIdle(),
    snapshot: () => e.snapshot(),
    stats: () => e.stats(),
  };
}
