/**
 * The extra layers in the 3D view: each visible layer of the view state
 * (`layers=`) over the main field, with its own colormap, opacity and
 * visibility. A scalar layer is a second ray-marched volume (its own atlas,
 * page table and transfer table, drawn after the main field and blended over
 * it); a categorical layer is its voxel surfaces.
 *
 * Layers follow the main field's octree cut (coarsened when their atlas holds
 * fewer bricks) and ask the same brick store for their bricks, in the visible
 * tier but after every brick of the main field. The GPU budget is shared: the
 * main field and each listed layer get an equal part of it.
 */
import * as THREE from "three";
import { type OctNode, topLevel } from "../../core/octree";
import { paletteFromMetadata } from "../../shared/palette";
import type { Vec3 } from "../../shared/types";
import type { ViewState } from "../app/view-state";
import type { BrickAddress, BrickSummary, GpuNorm, ViewerInfo } from "../data/viewer-types";
import type { SelectedNode } from "../lod/lod-selection";
import { bakeTransferFunction, DEFAULT_RAMP, firstVisibleX, windowValue } from "../render/transfer-function";
import { type NodeContent, normRange, VolumeLayer } from "../render/volume-layer";
import { VoxelLayer, voxelContent } from "../render/voxel-layer";
import type { BrickSource, LoadRequest } from "../stream/brick-store";
import type { LayerStats } from "../stream/engine-stats";
import { coarsen } from "./layer-cut";

/** What the layers need from the viewer. */
export interface LayerHost {
  readonly info: ViewerInfo;
  readonly store: BrickSource;
  readonly state: ViewState;
  readonly renderer: THREE.WebGLRenderer;
  /** The main field's name (its bricks keep priority). */
  readonly mainField: string;
  /** Tell the backend worker (when there is one) how a field's bricks are prepared. */
  fieldParams(field: string, p: { visibleFrom?: number; norm?: GpuNorm }): void;
  requestFrame(): void;
}

/** Requests of the layers come after every main-field request of the visible tier. */
const LAYER_ORDER = 1e12;

interface Drawn {
  key: string;
  field: string;
  volume?: VolumeLayer;
  voxels?: VoxelLayer;
  /** The volume's atlas holds values normalized by the field's range. */
  normed?: boolean;
}

export class LayerVolumes {
  readonly group = new THREE.Group();
  private drawn: Drawn[] = [];
  private readonly norms = new Map<string, [number, number]>();
  private budget = 0;
  /** The layers' own bricks: how many the last frame drew, how many it still waits for. */
  shown = 0;
  waiting = 0;

  constructor(private readonly host: LayerHost) {}

  /** The part of the GPU budget each drawn field gets (the main field one, each listed layer one). */
  share(gpuBytes: number, layers = this.host.state.layers): number {
    return Math.floor(gpuBytes / (1 + layers.length));
  }

  /** Listed layers whose field exists, with that field. */
  private listed() {
    const info = this.host.info;
    return this.host.state.layers.flatMap((l, i) => {
      const f = info.fields.find((x) => x.name === l.field);
      return f ? [{ l, i, f }] : [];
    });
  }

  /** GPU bytes the layers' bricks and meshes use now; the nodes drawn and still awaited by the last frame. */
  stats(): LayerStats {
    const slot = this.host.info.brickSize ** 3 * 2;
    let gpuBytes = 0;
    for (const d of this.drawn)
      gpuBytes += (d.volume ? d.volume.atlas.used * slot : 0) + (d.voxels?.gpuBytes ?? 0);
    return { gpuBytes, shown: this.shown, waiting: this.waiting };
  }

  /** Normalization of a layer field's bricks for the atlas (undefined for other fields or before it is known). */
  gpuNorm(a: BrickAddress): GpuNorm | undefined {
    const r = this.norms.get(a.field);
    return r ? { lo: r[0], scale: 1 / (r[1] > r[0] ? r[1] - r[0] : 1) } : undefined;
  }

  /** Whether a visible layer needs a brick's data (undefined: no visible layer shows its field). */
  needsData(a: BrickAddress, s: BrickSummary): boolean | undefined {
    let need: boolean | undefined;
    for (const { l, f } of this.listed()) {
      if (!l.visible || l.field !== a.field) continue;
      const r = this.norms.get(f.name);
      need = need || f.kind !== "scalar" || !r || !(s.max < visibleFrom(r));
    }
    return need;
  }

  /** The nodes a layer draws: the main cut, coarsened until it fits the layer's atlas. */
  private nodesFor(selected: SelectedNode[], d: Drawn): OctNode[] {
    if (!d.volume) return selected;
    return coarsen(selected, d.volume.atlas.capacity, topLevel(this.host.info));
  }

  /**
   * Bring the layer objects in line with the view state and list the bricks
   * the visible layers need at timestep `t` (after the main field's).
   */
  requests(selected: SelectedNode[], t: number, gpuBytes: number, hidden3d: boolean): LoadRequest[] {
    this.sync(gpuBytes);
    const reqs: LoadRequest[] = [];
    if (hidden3d) return reqs;
    const listed = this.listed();
    listed.forEach(({ l, f }, k) => {
      if (!l.visible || l.opacity <= 0) return;
      const d = this.drawn[k];
      const r = this.norms.get(f.name);
      this.host.fieldParams(f.name, {
        visibleFrom: f.kind === "scalar" && r ? visibleFrom(r) : undefined,
        norm: this.gpuNorm({ field: f.name, t, level: 0, brick: [0, 0, 0] }),
      });
      for (const n of this.nodesFor(selected, d))
        reqs.push({
          addr: { field: f.name, t, level: n.level, brick: n.brick },
          tier: 0,
          order: LAYER_ORDER + k * 1e10 + ((n as SelectedNode).rank ?? 0),
        });
    });
    return reqs;
  }

  /** One layer object per listed layer (rebuilt when its field, or the budget, changes). */
  private sync(gpuBytes: number): void {
    const listed = this.listed();
    const budget = this.share(gpuBytes);
    const info = this.host.info;
    const keys = listed.map(({ f }) => `${f.name}|${budget}`);
    if (
      budget !== this.budget ||
      keys.length !== this.drawn.length ||
      keys.some((k, i) => k !== this.drawn[i].key)
    ) {
      const keep = new Map(this.drawn.map((d) => [d.key, d]));
      const next: Drawn[] = [];
      for (const [i, { f }] of listed.entries()) {
        const old = keep.get(keys[i]);
        if (old) {
          keep.delete(keys[i]);
          next.push(old);
          continue;
        }
        const d: Drawn = { key: keys[i], field: f.name };
        if (f.kind === "scalar") {
          const maxNodes = info.levels.reduce((n, l) => n + l.bricks[0] * l.bricks[1] * l.bricks[2], 0);
          const need = maxNodes * info.brickSize ** 3 * 2;
          d.volume = new VolumeLayer(this.host.renderer, info, Math.min(budget, need));
          this.group.add(d.volume.mesh);
        } else {
          d.voxels = new VoxelLayer(info, budget, this.host.store.mesh?.bind(this.host.store));
          d.voxels.onMeshed = () => this.host.requestFrame();
          this.group.add(d.voxels.group);
        }
        next.push(d);
      }
      for (const d of keep.values()) this.drop(d);
      this.drawn = next;
      this.budget = budget;
    }
  }

  /**
   * Draw the visible layers from what the store holds. Returns true when every
   * visible layer shows all of its nodes (or they are unavailable offline).
   */
  update(
    selected: SelectedNode[],
    t: number,
    p: { steps: number; seamless: boolean; clip: { min: Vec3; max: Vec3 } },
  ): boolean {
    const { store, state } = this.host;
    let complete = true;
    this.shown = 0;
    this.waiting = 0;
    this.listed().forEach(({ l, f }, k) => {
      const d = this.drawn[k];
      const on = l.visible && l.opacity > 0 && state.layout !== "slices";
      if (d.volume) d.volume.mesh.visible = on;
      if (d.voxels) d.voxels.group.visible = on;
      if (!on) return;
      const addr = (n: OctNode): BrickAddress => ({ field: f.name, t, level: n.level, brick: n.brick });
      if (d.volume) {
        const vol = d.volume;
        // Render after the main field (and after the layers below it), blended over them.
        vol.mesh.renderOrder = 1 + k;
        const nodes = this.nodesFor(selected, d);
        if (!this.norms.has(f.name)) {
          const top = nodes.reduce((m, n) => Math.max(m, n.level), 0);
          const root = nodes.find((n) => n.level === top);
          const range = normRange(f, root && store.summary(addr(root)));
          if (!range) {
            complete = false;
            return;
          }
          this.norms.set(f.name, range);
        }
        const range = this.norms.get(f.name)!;
        if (!d.normed) {
          d.normed = true;
          vol.setNormalization(...range);
        }
        const from = visibleFrom(range);
        vol.setTransferTable(bakeTransferFunction(l.colormap, DEFAULT_RAMP, false));
        vol.setParams({
          mode: "composite",
          window: range,
          iso: (range[0] + range[1]) / 2,
          clipMin: state.clip.min,
          clipMax: state.clip.max,
          steps: p.steps,
          opacity: l.opacity,
          seamless: p.seamless,
        });
        const content: { node: OctNode; content: NodeContent }[] = [];
        let unavailable = 0;
        for (const n of nodes) {
          const s = store.summary(addr(n));
          if (s?.uniform !== undefined)
            content.push({ node: n, content: { kind: "uniform", value: s.uniform } });
          else {
            const pl = s && store.payload(s);
            if (s && (pl || s.max < from))
              content.push({
                node: n,
                content: { kind: "data", key: s.contentKey, payload: pl, max: s.max },
              });
            else if (store.isUnavailable(addr(n))) unavailable++;
          }
        }
        const r = vol.update(content, 16, from);
        this.shown += content.length;
        this.waiting += nodes.length - content.length - unavailable + r.deferred;
        if (r.deferred > 0 || content.length + unavailable !== nodes.length) complete = false;
      } else if (d.voxels) {
        const layer = d.voxels;
        const m = layer.material;
        if (m.transparent !== l.opacity < 1) {
          // The shader is built for opaque or blended drawing: rebuilt when that changes.
          m.transparent = l.opacity < 1;
          m.depthWrite = !m.transparent;
          m.needsUpdate = true;
        }
        m.opacity = l.opacity;
        for (const c of layer.group.children) c.renderOrder = 1 + k;
        let unavailable = 0;
        const nodes = selected.map((n) => {
          const s = store.summary(addr(n));
          if (s?.uniform !== undefined)
            return { node: n, content: { key: s.contentKey, uniform: s.uniform } };
          const pl = s && store.payload(s);
          if (!s || !pl) {
            if (store.isUnavailable(addr(n))) unavailable++;
            return { node: n };
          }
          return { node: n, content: voxelContent(s.contentKey, pl) };
        });
        const palette: Record<number, [number, number, number]> = {};
        for (const m of paletteFromMetadata(this.host.info.metadata, f.name)) palette[m.value] = m.color;
        const r = layer.update(nodes, { fill: f.fill ?? Number.NaN, hidden: [], palette, clip: p.clip });
        this.shown += nodes.length - r.missing;
        this.waiting += r.missing - unavailable;
        if (r.missing !== unavailable) complete = false;
      }
    });
    return complete;
  }

  private drop(d: Drawn): void {
    if (d.volume) {
      this.group.remove(d.volume.mesh);
      d.volume.dispose();
    }
    if (d.voxels) {
      this.group.remove(d.voxels.group);
      d.voxels.dispose();
    }
  }

  dispose(): void {
    for (const d of this.drawn) this.drop(d);
    this.drawn = [];
  }
}

/** Smallest value a layer shows: its own field range through the default opacity ramp. */
function visibleFrom(range: [number, number]): number {
  return windowValue(firstVisibleX(DEFAULT_RAMP), { scale: "linear", window: range });
}
