/**
 * Click → ray → first hit over the bricks in memory, and the selection that
 * follows. The ray walk is the core's hierarchical DDA (ray kernel `octree`)
 * in the viewer's core worker, over a node tree of what is cached
 * (node-tree.ts buildPickTree): each region answers from its finest cached
 * brick. A hit found only in a coarse brick is reported as coarse, the
 * level-0 brick is requested at top priority, and the pick is re-run on the
 * same ray when it arrives. The selected voxel's value is re-read when the
 * timestep or field changes.
 */
import type * as THREE from "three";
import { buildPickTree, type CachedState } from "../../core/node-tree";
import { brickDims, type OctNode, topLevel } from "../../core/octree";
import type { HitTest } from "../../core/ray";
import type { TypedArray, Vec3 } from "../../shared/types";
import { applyPoint, applyVector, worldToGrid } from "../../shared/world-transform";
import type { BrickAddress, BrickSummary } from "../data/viewer-types";
import type { PickHost } from "./pick-host";

interface Ray {
  origin: Vec3;
  dir: Vec3;
}

interface CachedBrick {
  level: number;
  brick: Vec3;
  summary: BrickSummary;
  data?: TypedArray;
  dims: Vec3;
}

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
  private gen = 0;

  constructor(private readonly engine: PickHost) {}

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
      const s = this.engine.store.summary(this.addr(L, b));
      if (!s) continue;
      const dims = brickDims(this.info, { level: L, brick: b });
      if (s.uniform !== undefined) return { level: L, brick: b, summary: s, dims };
      const p = this.engine.store.payload(s);
      if (p?.data) return { level: L, brick: b, summary: s, data: p.data, dims: p.dims };
    }
    return undefined;
  }

  /** What the ray hits: a threshold (scalar) or the visible materials (categorical). */
  private test(): HitTest {
    const f = this.engine.field;
    if (f.kind === "categorical") {
      const hidden = new Set(this.engine.state.hidden);
      const ids = new Set<number>([
        ...this.engine.materials.map((m) => m.value),
        ...this.engine.materialsSeen,
      ]);
      const materials = [...ids].filter(
        (v) => v !== f.fill && !hidden.has(v) && Number.isInteger(v) && v >= 0 && v <= 0xffffff,
      );
      return { materials };
    }
    return { threshold: this.engine.visibleFrom() };
  }

  /** World-space ray → pick. */
  pickRay(origin: THREE.Vector3, dir: THREE.Vector3): Promise<PickResult | undefined> {
    const toGrid = worldToGrid(this.info);
    const ro = applyPoint(toGrid, origin.toArray());
    const rd = applyVector(toGrid, dir.toArray());
    const len = Math.hypot(...rd);
    this.ray = { origin: ro, dir: rd.map((v) => v / len) as Vec3 };
    this.refines = 0;
    return this.run();
  }

  private async run(): Promise<PickResult | undefined> {
    const ray = this.ray;
    if (!ray) return undefined;
    const gen = ++this.gen;
    const info = this.info;
    const d = info.dims;
    const c = this.engine.state.clip;
    const span = clipSpan(ray, c.min.map((v, i) => v * d[i]) as Vec3, c.max.map((v, i) => v * d[i]) as Vec3);
    const values = new Map<string, TypedArray>();
    const cached = (n: OctNode): CachedState | undefined => {
      const s = this.engine.store.summary(this.addr(n.level, n.brick));
      if (!s) return undefined;
      if (s.uniform !== undefined) return { kind: "uniform", value: s.uniform };
      const p = this.engine.store.payload(s);
      if (!p?.data) return undefined;
      values.set(s.contentKey, p.data);
      return { kind: "data", key: s.contentKey, min: s.min, max: s.max };
    };
    const t0 = performance.now();
    let hit: PickHit | undefined;
    const remote = this.engine.remote;
    if (span && remote) {
      // The backend picks with the reader's pick over level 0: exact at once, no brick crosses.
      const r = await remote.pick({
        field: this.engine.field.name,
        t: this.engine.state.t,
        origin: ray.origin,
        direction: ray.dir,
        tMin: span[0],
        tMax: span[1],
        test: this.test(),
      });
      if (gen !== this.gen) return this.result;
      if (r) {
        const s = 2 ** r.level;
        const ijk = r.ijk.map((v) => v * s) as Vec3;
        hit = { ijk, level: r.level, levelIjk: r.ijk, value: r.value, exact: r.level === 0 };
      }
    } else if (span) {
      const tree = buildPickTree(info, cached);
      const r = await this.engine.core.pick(
        {
          records: tree.records,
          count: tree.count,
          resident: [...tree.resident],
          dtype: this.engine.field.dtype,
          origin: ray.origin,
          direction: ray.dir,
          tMin: span[0],
          tMax: span[1],
          test: this.test(),
        },
        (k) => values.get(k),
      );
      if (gen !== this.gen) return this.result; // a newer pick took over
      if (r?.hit) hit = toLevel0(r.hit, ray, d);
    }
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
    this.engine.recordSelection(hit.ijk);
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
      void this.run();
    } else {
      this.refreshSelection();
    }
  }

  /** Re-read the selected voxel (URL-restored selection, time or field change). */
  refreshSelection(): void {
    const raw = this.engine.state.selection;
    // A selection outside the grid (an edited link) selects nothing.
    const sel = raw?.every((v, i) => v < this.info.dims[i]) ? raw : undefined;
    this.ray = undefined;
    this.gen++;
    if (!sel) {
      this.result = undefined;
      this.engine.urgent = [];
      this.engine.showHighlight(undefined);
      return;
    }
    const remote = this.engine.remote;
    if (remote) {
      // The value comes from the backend, which holds (or reads) the level-0 brick.
      const gen = this.gen;
      const field = this.engine.field.name;
      const t = this.engine.state.t;
      this.engine.urgent = [];
      this.result = this.describe(sel, undefined, 0, true, 0);
      this.engine.showHighlight(sel, [1, 1, 1]);
      this.engine.notify();
      remote.sample(field, t, sel).then(
        (value) => {
          if (gen !== this.gen) return;
          this.result = this.describe(sel, value, 0, false, 0);
          this.engine.notify();
        },
        () => undefined,
      );
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

interface PickHit {
  /** Level-0 voxel where the ray enters the hit voxel. */
  ijk: Vec3;
  level: number;
  /** Voxel index at `level`. */
  levelIjk: Vec3;
  value: number;
  exact: boolean;
}

/** The kernel's hit (a voxel at some level) → the level-0 voxel the ray enters. */
function toLevel0(h: { ijk: Vec3; value: number; t: number; level: number }, ray: Ray, dims0: Vec3): PickHit {
  const s = 2 ** h.level;
  const ijk = [0, 1, 2].map((i) => {
    const p = Math.floor(ray.origin[i] + ray.dir[i] * (h.t + 1e-6));
    return Math.min(Math.min((h.ijk[i] + 1) * s, dims0[i]) - 1, Math.max(h.ijk[i] * s, p));
  }) as Vec3;
  return { ijk, level: h.level, levelIjk: h.ijk, value: h.value, exact: h.level === 0 };
}

/** Ray parameters inside the clip box (level-0 voxels), or undefined. */
export function clipSpan(ray: Ray, min: Vec3, max: Vec3): [number, number] | undefined {
  let t0 = 0;
  let t1 = Infinity;
  for (let i = 0; i < 3; i++) {
    const o = ray.origin[i];
    const d = ray.dir[i];
    if (d === 0) {
      if (o < min[i] || o > max[i]) return undefined;
      continue;
    }
    let a = (min[i] - o) / d;
    let b = (max[i] - o) / d;
    if (a > b) [a, b] = [b, a];
    t0 = Math.max(t0, a);
    t1 = Math.min(t1, b);
  }
  return t0 < t1 ? [t0, t1] : undefined;
}
