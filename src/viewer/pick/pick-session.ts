/**
 * Click → ray → first hit over the bricks in memory, and the selection that
 * follows. A hit found only in a coarse brick is reported as coarse, the
 * level-0 brick is requested at top priority, and the pick is re-run on the
 * same ray when it arrives. The selected voxel's value is re-read when the
 * timestep or field changes.
 */
import type * as THREE from "three";
import type { Vec3 } from "../../shared/types";
import type { BrickAddress, BrickSummary } from "../data/viewer-types";
import { brickDims, topLevel } from "../lod/octree";
import type { ViewerEngine } from "../stream/engine";
import { type CachedBrick, type PickHit, type PickTest, pickVoxel, type Ray } from "./voxel-pick";

export interface PickResult {
  field: string;
  ijk: Vec3;
  world: Vec3;
  /** Undefined while no brick holding the voxel is in memory. */
  value?: number;
  units: string;
  /** Level the value came from (0 = exact). */
  level: number;
  exact: boolean;
  t: number;
  time: number;
  /** Waiting for the level-0 brick to refine the value. */
  refining: boolean;
  /** Material name for categorical fields, when the palette has one. */
  label?: string;
  /** Milliseconds spent in the ray walk. */
  pickMs: number;
}

const MAX_REFINES = 8;

export class PickSession {
  result?: PickResult;
  private ray?: Ray;
  private refines = 0;

  constructor(private readonly engine: ViewerEngine) {}

  private get info() {
    return this.engine.info;
  }

  private addr(level: number, brick: Vec3): BrickAddress {
    return { field: this.engine.field.name, t: this.engine.state.t, level, brick };
  }

  /** Finest cached brick covering a level-0 brick cell. */
  private resolve(cell: Vec3): CachedBrick | undefined {
    const top = topLevel(this.info);
    for (let L = 0; L <= top; L++) {
      const b: Vec3 = [cell[0] >> L, cell[1] >> L, cell[2] >> L];
      const a = this.addr(L, b);
      const s = this.engine.store.summary(a);
      if (!s) continue;
      const dims = brickDims(this.info, { level: L, brick: b });
      if (s.uniform !== undefined) return { level: L, brick: b, summary: s, dims };
      const p = this.engine.store.payload(s);
      if (p) return { level: L, brick: b, summary: s, data: p.data, dims: p.dims };
    }
    return undefined;
  }

  private test(): PickTest {
    const f = this.engine.field;
    const st = this.engine.state;
    if (f.kind === "categorical") {
      const hidden = new Set(st.hidden);
      const ok = (v: number) => v !== f.fill && !hidden.has(v);
      return {
        voxel: ok,
        brick: (s: BrickSummary) => (s.uniform !== undefined ? ok(s.uniform) : true),
      };
    }
    const thr = this.engine.visibleFrom();
    return {
      voxel: (v) => v >= thr,
      brick: (s) => (s.uniform !== undefined ? s.uniform >= thr : s.max >= thr),
    };
  }

  /** World-space ray → pick. */
  pickRay(origin: THREE.Vector3, dir: THREE.Vector3): PickResult | undefined {
    const { origin: o, spacing } = this.info;
    const ro = [0, 1, 2].map((i) => (origin.getComponent(i) - o[i]) / spacing[i]) as Vec3;
    const rd = [0, 1, 2].map((i) => dir.getComponent(i) / spacing[i]) as Vec3;
    const len = Math.hypot(...rd);
    this.ray = { origin: ro, dir: rd.map((v) => v / len) as Vec3 };
    this.refines = 0;
    return this.run();
  }

  private run(): PickResult | undefined {
    if (!this.ray) return undefined;
    const t0 = performance.now();
    const d = this.info.dims;
    const c = this.engine.state.clip;
    const hit = pickVoxel(
      { dims0: d, brickSize: this.info.brickSize, resolve: (cell) => this.resolve(cell) },
      this.ray,
      this.test(),
      { min: c.min.map((v, i) => v * d[i]) as Vec3, max: c.max.map((v, i) => v * d[i]) as Vec3 },
    );
    const ms = performance.now() - t0;
    if (!hit) {
      this.result = undefined;
      this.engine.urgent = [];
      this.engine.showHighlight(undefined);
      this.engine.setState({ selection: undefined });
      return undefined;
    }
    this.publish(hit, ms);
    return this.result;
  }

  private publish(hit: PickHit, ms: number): void {
    const B = this.info.brickSize;
    const refining = !hit.exact && this.refines < MAX_REFINES;
    if (refining) {
      const cell = hit.ijk.map((v) => Math.floor(v / B)) as Vec3;
      this.engine.urgent = [this.addr(0, cell)];
    } else {
      this.engine.urgent = [];
    }
    this.result = this.describe(hit.ijk, hit.value, hit.level, refining, ms);
    const s = 2 ** hit.level;
    const min = hit.levelIjk.map((v) => v * s) as Vec3;
    this.engine.showHighlight(hit.exact ? hit.ijk : min, hit.exact ? [1, 1, 1] : [s, s, s]);
    // Record the selection without re-reading it (the pick already has the value).
    this.engine.state = { ...this.engine.state, selection: hit.ijk };
    this.engine.notify();
  }

  private describe(
    ijk: Vec3,
    value: number | undefined,
    level: number,
    refining: boolean,
    ms: number,
  ): PickResult {
    const f = this.engine.field;
    const st = this.engine.state;
    const label =
      value !== undefined ? this.engine.materials.find((m) => m.value === value)?.name : undefined;
    return {
      field: f.name,
      ijk,
      world: this.engine.voxelToWorld(ijk),
      value,
      units: f.units,
      level,
      exact: level === 0 && value !== undefined,
      t: st.t,
      time: this.info.times[st.t],
      refining,
      label,
      pickMs: ms,
    };
  }

  /** A brick arrived: refine a coarse pick or a pending selection read. */
  onBrick(a: BrickAddress): void {
    const u = this.engine.urgent[0];
    if (
      !u ||
      a.level !== u.level ||
      a.t !== u.t ||
      a.field !== u.field ||
      a.brick.some((v, i) => v !== u.brick[i])
    )
      return;
    if (this.ray) {
      this.refines++;
      this.run();
    } else {
      this.refreshSelection();
    }
  }

  /** Re-read the selected voxel (URL-restored selection, time or field change). */
  refreshSelection(): void {
    const sel = this.engine.state.selection;
    this.ray = undefined;
    if (!sel) {
      this.result = undefined;
      this.engine.urgent = [];
      this.engine.showHighlight(undefined);
      return;
    }
    const B = this.info.brickSize;
    const cell = sel.map((v) => Math.floor(v / B)) as Vec3;
    const cb = this.resolve(cell);
    let value: number | undefined;
    let level = 0;
    if (cb) {
      level = cb.level;
      const s = 2 ** cb.level;
      const local = sel.map((v, i) => Math.floor(v / s) - cb.brick[i] * B);
      value = cb.data
        ? cb.data[local[0] + cb.dims[0] * (local[1] + cb.dims[1] * local[2])]
        : cb.summary.uniform;
    }
    const exact = cb?.level === 0;
    this.engine.urgent = exact ? [] : [this.addr(0, cell)];
    this.result = this.describe(sel, value, level, !exact, 0);
    this.engine.showHighlight(sel, [1, 1, 1]);
    this.engine.notify();
  }
}
