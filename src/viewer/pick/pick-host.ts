/**
 * What a pick needs from the viewer: the dataset's geometry, the view state,
 * the bricks in memory, the kernels, and a few effects (highlight, urgent
 * bricks, recording the selection). The engine provides it; the pick session
 * depends on this interface, not on the engine.
 */
import type { HitTest } from "../../core/ray";
import type { Material } from "../../shared/palette";
import type { Vec3 } from "../../shared/types";
import type { ViewState } from "../app/view-state";
import type { ViewerCore } from "../core/core-client";
import type { BrickAddress, BrickPayload, BrickSummary, ViewerField, ViewerInfo } from "../data/viewer-types";

/** A ray pick at level 0: level-0 voxel space, unit direction, the ray clipped to [tMin, tMax]. */
export interface RemotePickQuery {
  field: string;
  t: number;
  origin: Vec3;
  direction: Vec3;
  tMin: number;
  tMax: number;
  test: HitTest;
}

/**
 * Picking where the bricks are kept (the backend worker): the reader's own
 * pick (`src/reader/pick.ts`) over level 0 and its point sample.
 */
export interface RemotePicker {
  /**
   * First voxel along the ray within [tMin, tMax], at level 0; at the finest
   * level that can be read when level 0 cannot (offline, not cached): then
   * `ijk` is a voxel of `level`.
   */
  pick(q: RemotePickQuery): Promise<{ ijk: Vec3; value: number; level: number } | null>;
  sample(field: string, t: number, ijk: Vec3): Promise<number>;
}

export interface PickHost {
  readonly info: ViewerInfo;
  readonly field: ViewerField;
  readonly state: ViewState;
  readonly store: {
    summary(a: BrickAddress): BrickSummary | undefined;
    payload(s: BrickSummary): BrickPayload | undefined;
  };
  readonly core: Pick<ViewerCore, "pick">;
  /** Set when the bricks live in the backend worker: picks and samples run there. */
  readonly remote?: RemotePicker;
  readonly materials: Material[];
  readonly materialsSeen: Set<number>;
  /** Bricks a pick waits for (loaded first). */
  urgent: BrickAddress[];
  visibleFrom(): number;
  voxelToWorld(ijk: Vec3): Vec3;
  showHighlight(min: Vec3 | undefined, size?: Vec3): void;
  setState(patch: Partial<ViewState>): void;
  /** Record the selected voxel without re-reading it (the pick already has its value). */
  recordSelection(ijk: Vec3): void;
  notify(): void;
}
