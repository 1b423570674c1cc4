/**
 * The viewer's engine: ties the camera, the LOD selection, the brick store and
 * the two render layers together, outside React. Each frame it selects the
 * octree cut for the camera, tells the store what is visible and what to
 * prefetch, hands ready bricks to the layer and draws. The view state
 * (view-store.ts), the playback clock (playback-clock.ts), the overlays
 * (overlays.ts) and the statistics (engine-stats.ts) live in their own modules.
 */
import * as THREE from "three";
import { type OctNode, topLevel } from "../../core/octree";
import { type Material, paletteFromMetadata } from "../../shared/palette";
import type { Vec3 } from "../../shared/types";
import { applyPoint, applyVector, columnMajor4, gridToWorld } from "../../shared/world-transform";
import { mark } from "../app/marks";
import type { ViewState } from "../app/view-state";
import type { BackendBrickStore } from "../backend/backend-client";
import { backendStoreOf } from "../backend/backend-dataset";
import { type LodSelector, sharedViewerCore, type ViewerCore } from "../core/core-client";
import type { OpenedDataset } from "../data/dataset-adapter";
import { type BrickAddress, brickValues, type ViewerDataset, type ViewerField } from "../data/viewer-types";
import { LayerVolumes } from "../layers/layer-volumes";
import { LodSelection, type SelectedNode } from "../lod/lod-selection";
import type { PickHost } from "../pick/pick-host";
import { type PickResult, PickSession } from "../pick/pick-session";
import { bakeTransferFunction, firstVisibleX, windowValue } from "../render/transfer-function";
import { BACKGROUND, Viewport } from "../render/viewport";
import { type NodeContent, normRange, VolumeLayer } from "../render/volume-layer";
import { VoxelLayer, voxelContent } from "../render/voxel-layer";
import { onMain } from "./brick-cost";
import { type BrickSource, BrickStore, type LoadRequest } from "./brick-store";
import { type EngineStats, engineStats } from "./engine-stats";
import { type FeatureOverlay, Overlays } from "./overlays";
import { type Playback, PlaybackClock } from "./playback-clock";
import { ViewStore } from "./view-store";

export type { EngineStats, FeatureOverlay, Playback };

export interface Budgets {
  cpuBytes: number;
  gpuBytes: number;
}

export const DEFAULT_BUDGETS: Budgets = { cpuBytes: 512 * 2 ** 20, gpuBytes: 128 * 2 ** 20 };

export class ViewerEngine implements PickHost {
  readonly viewport: Viewport;
  /** The page's view of the brick store: the backend worker's mirror (the default), or the page's own store (`?backend=off`). */
  readonly store: BrickSource;
  /** The backend worker (reader, transport, cache, scheduler, picking) when the dataset was opened in it. */
  readonly backend?: BackendBrickStore;
  readonly pick: PickSession;
  /** Where the LOD kernel runs: the backend worker, else the core worker. */
  private readonly lodSelector: LodSelector;

  /** WASM kernels (LOD selection, picking) in the viewer's core worker: started only for `?backend=off`. */
  get core(): ViewerCore {
    return sharedViewerCore();
  }
  private readonly lod: LodSelection;
  private readonly view: ViewStore;
  private readonly clock: PlaybackClock;
  /** Everything drawn in level-0 grid units; its matrix is the header's grid → world transform. */
  private readonly root = new THREE.Group();
  private readonly overlays: Overlays;
  budgets: Budgets;
  materials: Material[] = [];
  materialsSeen = new Set<number>();
  error?: unknown;
  private volume?: VolumeLayer;
  private voxels?: VoxelLayer;
  /** The extra layers (`layers=`) in the 3D view. */
  private readonly layers3d: LayerVolumes;
  private readonly norm = new Map<string, [number, number]>();
  private selected: SelectedNode[] = [];
  private shownT = -1;
  private complete = false;
  private pending = { visible: 0, prefetch: 0 };
  private switchStart?: { t: number; at: number };
  private lastSwitchMs?: number;
  private firstFrameMs?: number;
  private firstDataFrameMs?: number;
  private readonly openedAt = performance.now();
  private idleWaiters: ((s: EngineStats) => void)[] = [];
  private dueTimer?: ReturnType<typeof setTimeout>;
  /** The previous frame already showed the settled view. */
  private settledBefore = false;
  private scanned = new Set<string>();
  private readonly offReconnect?: () => void;

  constructor(
    container: HTMLElement,
    readonly ds: ViewerDataset,
    initial: ViewState,
    budgets: Budgets = DEFAULT_BUDGETS,
  ) {
    this.view = new ViewStore(initial);
    this.view.onChange((patch, prev) => this.react(patch, prev));
    this.clock = new PlaybackClock(ds.info.times.length);
    this.budgets = budgets;
    this.viewport = new Viewport(container);
    this.backend = backendStoreOf(ds);
    if (this.backend) {
      this.backend.setCpuBudget(budgets.cpuBytes);
      this.store = this.backend;
    } else {
      this.store = new BrickStore(ds, { cpuBudget: budgets.cpuBytes });
    }
    this.store.onLoaded = (a) => this.onBrick(a);
    // Bricks the transfer function cannot show are never downloaded (their stats say so).
    this.store.needsData = (a, s) => {
      const layer = this.layers3d.needsData(a, s);
      if (layer !== undefined && a.field !== this.field.name) return layer;
      const f = this.info.fields.find((x) => x.name === a.field);
      return f?.kind !== "scalar" || !(s.max < this.visibleFrom()) || !!layer;
    };
    // Scalar bricks arrive ready for the atlas (half floats, occupancy) once the field's range is known.
    this.store.gpuNorm = (a) => {
      const f = this.info.fields.find((x) => x.name === a.field);
      const r = f?.kind === "scalar" ? this.norm.get(a.field) : undefined;
      return r ? { lo: r[0], scale: 1 / (r[1] > r[0] ? r[1] - r[0] : 1) } : this.layers3d.gpuNorm(a);
    };
    this.store.onError = (_a, e) => {
      this.error = e;
      this.notify();
    };
    // Expected offline: no error (the offline notice names what is missing); the view can settle without it.
    this.store.onUnavailable = () => this.viewport.requestFrame();
    // Back online: what was unavailable is loaded now.
    this.offReconnect = (ds as Partial<Pick<OpenedDataset, "onReconnect">>).onReconnect?.(() => {
      this.store.retryUnavailable();
      this.viewport.requestFrame();
    });
    const engine = this;
    this.layers3d = new LayerVolumes({
      info: ds.info,
      store: this.store,
      renderer: this.viewport.renderer,
      get state() {
        return engine.state;
      },
      get mainField() {
        return engine.field.name;
      },
      fieldParams: (f, p) => this.backend?.setFieldParams(f, p),
      requestFrame: () => this.viewport.requestFrame(),
    });
    this.pick = new PickSession(this);
    mark("engine");
    // LOD selection runs in the backend next to its bricks; the core worker only without it (`?backend=off`).
    this.lodSelector = this.backend ?? sharedViewerCore();
    this.lod = new LodSelection(this.lodSelector, ds.info);
    this.lod.onChange = () => this.viewport.requestFrame();
    const info = ds.info;
    // Everything is drawn in level-0 grid units under one root whose matrix is the grid → world transform.
    const toWorld = gridToWorld(info);
    this.root.matrixAutoUpdate = false;
    this.root.matrix.fromArray(columnMajor4(toWorld));
    this.root.matrixWorldNeedsUpdate = true;
    this.viewport.scene.add(this.root);
    const radius = boxRadius(toWorld, info.dims);
    this.overlays = new Overlays({ ...info, origin: [0, 0, 0], spacing: [1, 1, 1] });
    this.root.add(this.overlays.group);
    this.root.add(this.layers3d.group);
    if (initial.camera) {
      this.viewport.controls.target.set(...initial.camera.target);
      this.viewport.camera.position.set(...initial.camera.position);
      this.viewport.setClip(radius);
      this.viewport.controls.update();
    } else {
      const corners = [0, 1, 2, 3, 4, 5, 6, 7].map((c) =>
        applyPoint(
          toWorld,
          info.dims.map((n, i) => ((c >> i) & 1) * n),
        ),
      );
      const lo = [0, 1, 2].map((i) => Math.min(...corners.map((p) => p[i]))) as Vec3;
      const hi = [0, 1, 2].map((i) => Math.max(...corners.map((p) => p[i]))) as Vec3;
      this.viewport.fit(lo, hi);
    }
    this.viewport.onFrame = (drawing) => this.beforeDraw(drawing);
    this.viewport.onAfterFrame = () => this.afterDraw();
    this.viewport.onCameraChange = () => this.notify();
    this.applyField();
    // A shared link's selection (`sel=`): shown as soon as its brick is in memory.
    if (initial.selection) this.pick.refreshSelection();
    this.viewport.warmUp();
    this.viewport.requestFrame();
  }

  /** Picks and samples run in the backend worker, next to the bricks. */
  get remote() {
    return this.backend;
  }

  get info() {
    return this.ds.info;
  }

  get state(): ViewState {
    return this.view.state;
  }

  get playback(): Playback {
    return this.clock.state;
  }

  get field(): ViewerField {
    const f = this.info.fields.find((x) => x.name === this.state.field);
    return f ?? this.info.fields[0];
  }

  /** Called synchronously on every setState (so controlled inputs re-render in the same event). */
  onState(fn: () => void): () => void {
    return this.view.onChange(() => fn());
  }

  subscribe(fn: () => void): () => void {
    return this.view.subscribe(fn);
  }

  /** Coalesced change notification for the UI (at most once per tick). */
  notify(): void {
    this.view.notify();
  }

  setState(patch: Partial<ViewState>): void {
    this.view.set(patch);
  }

  /** A pick found this voxel and already holds its value: record it without re-reading it. */
  recordSelection(ijk: Vec3): void {
    this.view.set({ selection: ijk }, true);
  }

  /** What a state change sets in motion (runs inside `setState`, before the UI hears of it). */
  private react(patch: Partial<ViewState>, prev: ViewState): void {
    this.complete = false;
    if (patch.t !== undefined && patch.t !== prev.t) {
      this.switchStart = { t: patch.t, at: performance.now() };
      // The new step's first frame at interactive cost; full resolution follows.
      this.viewport.quickFrame();
    }
    if (patch.field !== undefined && patch.field !== prev.field) this.applyField();
    // The GPU budget is split between the main field and the listed layers.
    if (patch.layers && patch.layers.length !== prev.layers.length) this.resetGpu();
    if (patch.camera) {
      this.viewport.controls.target.set(...patch.camera.target);
      this.viewport.camera.position.set(...patch.camera.position);
      this.viewport.controls.update();
    }
    if (patch.selection !== undefined || patch.t !== undefined || patch.field !== undefined)
      this.pick.refreshSelection();
    this.overlays.onTimestep(this.state.t);
    this.viewport.requestFrame(true);
  }

  cameraState(): { position: Vec3; target: Vec3 } {
    const c = this.viewport.camera.position;
    const t = this.viewport.controls.target;
    return { position: [c.x, c.y, c.z], target: [t.x, t.y, t.z] };
  }

  setPlayback(p: Partial<Playback>): void {
    const jump = this.clock.set(p, this.state.t, performance.now());
    if (!this.clock.state.playing) this.viewport.deadline = undefined;
    if (jump !== undefined) this.setState({ t: jump });
    else this.view.set({});
    this.viewport.requestFrame();
  }

  setBudgets(b: Partial<Budgets>): void {
    const next = { ...this.budgets, ...b };
    const changed = next.gpuBytes !== this.budgets.gpuBytes;
    this.budgets = next;
    if (changed) this.resetGpu();
    this.store.setCpuBudget(next.cpuBytes);
    this.applyField();
    this.viewport.requestFrame();
    this.notify();
  }

  /** The main field's part of the GPU budget (the listed layers share it). */
  private mainGpuBytes(): number {
    return this.layers3d.share(this.budgets.gpuBytes);
  }

  /** Drop the main field's GPU objects: rebuilt for the current budget and layer count. */
  private resetGpu(): void {
    this.volume?.dispose();
    if (this.volume) this.root.remove(this.volume.mesh);
    this.volume = undefined;
    this.voxels?.setGpuBudget(this.mainGpuBytes());
    this.applyField();
  }

  /** Smallest scalar value the current mode and transfer function can show. */
  visibleFrom(): number {
    const st = this.state;
    const range = this.fieldRange() ?? [0, 1];
    const win = st.window ?? range;
    if (st.mode === "iso") return st.iso ?? (win[0] + win[1]) / 2;
    if (st.mode === "mip") return win[0];
    return windowValue(firstVisibleX(st.ramp), { scale: st.scale, window: win, linthresh: st.linthresh });
  }

  /** Normalization range of a scalar field (from the root brick's stats), once known. */
  fieldRange(name = this.field.name): [number, number] | undefined {
    return this.norm.get(name);
  }

  /**
   * Resolves after the next frame that shows everything the view needs, with the statistics of
   * that frame (a later state change cannot turn its `complete` false).
   */
  whenIdle(): Promise<EngineStats> {
    return new Promise((r) => {
      this.idleWaiters.push(r);
      this.viewport.requestFrame();
    });
  }

  /** Level-0 voxel → world position of its centre. */
  voxelToWorld(ijk: Vec3): Vec3 {
    return applyPoint(
      gridToWorld(this.info),
      ijk.map((i) => i + 0.5),
    );
  }

  showHighlight(min: Vec3 | undefined, size?: Vec3): void {
    this.overlays.showHighlight(min, size);
    this.viewport.requestFrame();
  }

  /**
   * Feature overlays: level-0 voxel boxes drawn as outlines (the focused one
   * brighter), and tracks as polylines through their centroids over time
   * (level-0 voxel coordinates), a dot at the current timestep's point.
   */
  setFeatureOverlay(o: FeatureOverlay): void {
    this.overlays.setFeatures(o, this.state.t);
    this.viewport.requestFrame();
  }

  /** Point the camera at a level-0 voxel box, keeping the viewing direction. */
  focusBox(b: { min: Vec3; max: Vec3 }): void {
    const toWorld = gridToWorld(this.info);
    const c = applyPoint(
      toWorld,
      [0, 1, 2].map((i) => (b.min[i] + b.max[i]) / 2),
    );
    const r = Math.max(
      boxRadius(
        toWorld,
        [0, 1, 2].map((i) => b.max[i] - b.min[i]),
      ),
      4 * Math.max(...this.info.spacing),
    );
    const cam = this.viewport.camera;
    const dir = cam.position.clone().sub(this.viewport.controls.target).normalize();
    const dist = (r / Math.sin(THREE.MathUtils.degToRad(cam.fov) / 2)) * 1.3;
    const pos = new THREE.Vector3(...c).addScaledVector(dir, dist);
    this.setState({ camera: { target: c, position: [pos.x, pos.y, pos.z] } });
  }

  /** Pick at canvas CSS pixel (x, y). */
  pickAt(x: number, y: number): Promise<PickResult | undefined> {
    const el = this.viewport.renderer.domElement;
    const ndc = new THREE.Vector2((x / el.clientWidth) * 2 - 1, -(y / el.clientHeight) * 2 + 1);
    const rc = new THREE.Raycaster();
    rc.setFromCamera(ndc, this.viewport.camera);
    return this.pick.pickRay(rc.ray.origin, rc.ray.direction);
  }

  stats(): EngineStats {
    return engineStats({
      store: this.store,
      transfer: this.ds.transferStats(),
      selected: this.selected,
      viewport: this.viewport,
      volume: this.volume,
      voxels: this.voxels,
      slotBytes: this.info.brickSize ** 3 * 2,
      gpuBudget: this.budgets.gpuBytes,
      layers: this.layers3d.stats(),
      lod: this.lod,
      core: `${this.backend ? "backend-" : ""}${this.lodSelector.where}/${this.lodSelector.implementation ?? "loading"}`,
      backend: this.backend?.where ?? "off",
      shownT: this.shownT,
      complete: this.complete,
      firstFrameMs: this.firstFrameMs,
      firstDataFrameMs: this.firstDataFrameMs,
      lastTimeSwitchMs: this.lastSwitchMs,
    });
  }

  snapshot() {
    return this.viewport.snapshot();
  }

  /** Rendering switches for measurements (benchmarks compare with and without). */
  renderOptions = { seamless: true };

  /** Extra bricks a pick is waiting for (top priority). */
  urgent: BrickAddress[] = [];

  private applyField(): void {
    const f = this.field;
    this.materials = f.kind === "categorical" ? paletteFromMetadata(this.info.metadata, f.name) : [];
    if (f.kind === "scalar") {
      if (!this.volume) {
        const maxNodes = this.info.levels.reduce((n, l) => n + l.bricks[0] * l.bricks[1] * l.bricks[2], 0);
        const need =
          maxNodes * Math.max(1, Math.min(4, this.info.times.length)) * this.info.brickSize ** 3 * 2;
        this.volume = new VolumeLayer(this.viewport.renderer, this.info, Math.min(this.mainGpuBytes(), need));
        this.root.add(this.volume.mesh);
      }
      const r = this.norm.get(f.name);
      if (r) this.volume.setNormalization(r[0], r[1]);
      else this.volume.atlas.clear();
      this.volume.mesh.visible = false;
      if (this.voxels) this.voxels.group.visible = false;
    } else {
      if (!this.voxels) {
        this.voxels = new VoxelLayer(this.info, this.mainGpuBytes(), this.store.mesh?.bind(this.store));
        this.voxels.onMeshed = () => this.viewport.requestFrame();
        this.root.add(this.voxels.group);
      }
      this.voxels.clear();
      this.voxels.group.visible = true;
      if (this.volume) this.volume.mesh.visible = false;
    }
    this.shownT = -1;
  }

  private onBrick(a: BrickAddress): void {
    if (a.field === this.field.name && a.t === this.state.t) this.viewport.requestFrame();
    else if (a.field === this.field.name && this.field.kind === "scalar") this.queuePreload(a);
    this.pick.onBrick(a);
    this.notify();
  }

  private readonly preloadQueue: BrickAddress[] = [];
  private preloadTimer?: ReturnType<typeof setTimeout>;

  /**
   * Prefetched bricks of other timesteps go to the GPU between frames, so a
   * switch to their timestep only rewrites the page table.
   */
  private queuePreload(a: BrickAddress): void {
    this.preloadQueue.push(a);
    if (this.preloadTimer) return;
    const pump = () => {
      this.preloadTimer = undefined;
      const vol = this.volume;
      const f = this.field;
      if (!vol || f.kind !== "scalar" || !this.norm.has(f.name)) {
        this.preloadQueue.length = 0;
        return;
      }
      const from = this.visibleFrom();
      for (let n = 0; n < 2 && this.preloadQueue.length; n++) {
        const q = this.preloadQueue.shift()!;
        if (q.field !== f.name || q.t === this.state.t) continue;
        const s = this.store.summary(q);
        if (!s || s.uniform !== undefined || s.max < from) continue;
        const p = this.store.payload(s);
        if (p && !vol.preload(s.contentKey, p, q.level)) {
          this.preloadQueue.length = 0;
          break;
        }
      }
      if (this.preloadQueue.length) this.preloadTimer = setTimeout(pump, 4);
    };
    this.preloadTimer = setTimeout(pump, 4);
  }

  private addr(n: { level: number; brick: Vec3 }, t = this.state.t): BrickAddress {
    return { field: this.field.name, t, level: n.level, brick: n.brick };
  }

  private clipVoxels(): { min: Vec3; max: Vec3 } {
    const d = this.info.dims;
    const c = this.state.clip;
    return { min: c.min.map((v, i) => v * d[i]) as Vec3, max: c.max.map((v, i) => v * d[i]) as Vec3 };
  }

  /**
   * Per frame: playback clock, LOD selection, scheduling, layer update. While
   * the viewport is not `drawing` (shaders compiling) everything but the
   * on-screen state runs: nothing counts as shown or complete.
   */
  private beforeDraw(drawing = true): void {
    const info = this.info;
    const now = performance.now();
    const nT = info.times.length;
    const pb = this.playback;
    if (drawing) {
      // Advance only once the current step is on screen: playback never shows holes.
      const next = this.clock.tick(
        this.state.t,
        now,
        this.shownT === this.state.t && this.store.pending.visible === 0,
      );
      if (next !== undefined && next !== this.state.t) this.setState({ t: next });
    }
    // While playing, the GPU is kept free for the frame of the next step (no sharpening frame delays it).
    this.viewport.deadline = this.clock.state.playing ? this.clock.nextDue : undefined;
    if (pb.playing) {
      // A frame right when the next step is due, not whenever the next data-driven frame comes.
      clearTimeout(this.dueTimer);
      this.dueTimer = setTimeout(
        () => this.viewport.requestFrame(true),
        Math.max(0, this.clock.nextDue - now),
      );
    }
    const cam = this.viewport.camera;
    cam.updateMatrixWorld();
    const clip = this.clipVoxels();
    const playing = pb.playing;
    const top = topLevel(info);
    const field = this.field;
    const scalar = field.kind === "scalar";
    const visibleFrom = scalar ? this.visibleFrom() : 0;
    const slotBytes = info.brickSize ** 3 * 2;
    // Mesh sizes are known only once built: budget with 1.5× the mean so far.
    const meshBytes = 1.5 * (this.voxels?.averageMeshBytes() ?? slotBytes / 4);
    const cost = (n: OctNode): number => {
      const s = this.store.summary(this.addr(n));
      if (scalar) {
        if (s && (s.uniform !== undefined || s.max < visibleFrom)) return 0;
        return slotBytes;
      }
      if (s?.uniform !== undefined && (s.uniform === field.fill || this.state.hidden.includes(s.uniform)))
        return 0;
      return Math.round(meshBytes);
    };
    // Slices only: the 3D view is not on screen, so it keeps the coarsest level and fetches nothing ahead.
    const hidden3d = this.state.layout === "slices";
    const lodReady = this.lod.update({
      camera: cam,
      viewportHeight: this.viewport.heightPx,
      thresholdPx: playing ? this.state.lodPx * 2 : this.state.lodPx,
      clip,
      finestLevel: hidden3d ? top : playing ? Math.min(1, top) : 0,
      budgetBytes: scalar ? (this.volume?.atlas.capacity ?? 1) * slotBytes : this.mainGpuBytes(),
      cost,
      costVersion: `${field.name}|${this.state.t}|${visibleFrom}|${this.store.summaryCount(field.name, this.state.t)}|${meshBytes.toPrecision(2)}|${this.state.hidden.join(",")}`,
    });
    this.selected = this.lod.selected;
    // Visible first (coarse before fine, larger error first), then prefetch ahead in playback direction.
    const reqs: LoadRequest[] = this.urgent.map((a, i) => ({ addr: a, tier: 0 as const, order: -1e9 + i }));
    const t = this.state.t;
    for (const n of this.selected) reqs.push({ addr: this.addr(n), tier: 0, order: n.rank });
    // Until a time switch's first frame is on screen, no prefetch work competes with it for the cores.
    const switching = !playing && this.switchStart?.t === t;
    const ahead = nT > 1 && !hidden3d && !switching ? (playing ? 3 : 1) : 0;
    for (let k = 1; k <= ahead; k++) {
      let tt = t + pb.direction * k;
      if (tt < 0 || tt >= nT) {
        if (!pb.loop) break;
        tt = (tt + nT) % nT;
      }
      if (tt === t) break;
      for (const n of this.selected)
        reqs.push({
          addr: this.addr(n, tt),
          tier: 1,
          order: k * 1e8 + n.rank,
        });
    }
    this.backend?.setFieldParams(field.name, {
      visibleFrom: scalar ? visibleFrom : undefined,
      norm: this.store.gpuNorm(this.addr({ level: 0, brick: [0, 0, 0] })),
    });
    // The extra layers' bricks: visible tier, after the main field's.
    reqs.push(...this.layers3d.requests(this.selected, t, this.budgets.gpuBytes, hidden3d));
    this.store.setWanted(reqs);
    this.pending = this.store.pending;

    // A root unavailable offline has nothing coarser to show: its part of the domain stays empty.
    const rootsReady =
      this.lod.key !== "" &&
      this.selected
        .filter((n) => n.level === top)
        .every((n) => this.store.isReady(this.addr(n)) || this.store.isUnavailable(this.addr(n)));
    let layerComplete = false;
    if (scalar) layerComplete = this.updateVolume(rootsReady);
    else layerComplete = this.updateVoxels(rootsReady);
    const steps = this.viewport.interacting || this.playback.playing || this.viewport.quick ? 80 : 160;
    const seamless = this.renderOptions.seamless;
    if (!this.layers3d.update(this.selected, t, { steps, seamless, clip })) layerComplete = false;
    if (drawing && rootsReady && this.shownT !== t) this.shownT = t;
    this.complete = drawing && lodReady && layerComplete && this.pending.visible === 0 && this.shownT === t;
    if (drawing) {
      // What this frame shows, settled once it is on the screen (afterDraw).
      this.drawn = {
        complete: this.complete,
        data: this.shownT === t,
        switched: this.shownT === t && this.switchStart?.t === t,
        // A frame drawn over one still in flight (a snapshot) takes over its waiters.
        waiters: [...(this.drawn?.waiters ?? []), ...this.idleDone()],
      };
    }
    // Settled and still: first shown at the adaptive resolution (fast, it resolves whenIdle), then
    // drawn once more at full resolution (the viewport decides right after this).
    // (Only drawing frames count: a frame that waits for the GPU says nothing about the view.)
    if (drawing) {
      const settled = this.complete && !pb.playing && !this.viewport.interacting;
      this.viewport.resting = settled && this.settledBefore;
      this.settledBefore = settled;
      if (settled && !this.viewport.resting && !this.viewport.sharp) this.viewport.requestFrame();
    }
    if (!this.complete || pb.playing) this.viewport.requestFrame();
    this.notify();
  }

  /** Idle waiters released by a complete frame, each to hear that frame's statistics. */
  private idleDone(): (() => void)[] {
    if (!this.complete || this.idleWaiters.length === 0) return [];
    const stats = this.stats();
    return this.idleWaiters.splice(0).map((w) => () => w(stats));
  }

  /** The frame in flight: whether it is complete, shows data, shows a new timestep; who waits for it. */
  private drawn?: { complete: boolean; data: boolean; switched: boolean; waiters: (() => void)[] };

  /** A frame reached the screen: first-frame and time-switch measures, idle waiters. */
  private afterDraw(): void {
    const d = this.drawn;
    this.drawn = undefined;
    if (!d) return;
    const now = performance.now();
    if (d.switched && this.switchStart) {
      this.lastSwitchMs = now - this.switchStart.at;
      this.switchStart = undefined;
    }
    if (d.complete && this.firstFrameMs === undefined) {
      this.firstFrameMs = now - this.openedAt;
      mark("first-complete-frame");
    }
    if (d.data && this.firstDataFrameMs === undefined) {
      this.firstDataFrameMs = now - this.openedAt;
      mark("first-data-frame");
    }
    for (const r of d.waiters) r();
  }

  private updateVolume(rootsReady: boolean): boolean {
    const vol = this.volume!;
    vol.mesh.visible = true;
    const f = this.field;
    if (!this.norm.has(f.name)) {
      // The header's range over all timesteps; else the root brick's (same for every reload of a view).
      const root = this.selected.find((n) => n.level === topLevel(this.info));
      const r = normRange(f, root && this.store.summary(this.addr(root)));
      // Without its root brick (offline) the field cannot be normalized: nothing to draw, nothing to wait for.
      if (!r) return !!root && this.store.isUnavailable(this.addr(root));
      this.norm.set(f.name, r);
      vol.setNormalization(...r);
      this.notify();
    }
    const [lo, hi] = this.norm.get(f.name)!;
    const st = this.state;
    const win = st.window ?? [lo, hi];
    vol.setTransferTable(bakeTransferFunction(st.colormap, st.ramp, st.invert));
    vol.setParams({
      mode: st.mode,
      window: win,
      iso: st.iso ?? (win[0] + win[1]) / 2,
      clipMin: st.clip.min,
      clipMax: st.clip.max,
      steps: this.viewport.interacting || this.playback.playing || this.viewport.quick ? 80 : 160,
      opacity: 1,
      seamless: this.renderOptions.seamless,
      scale: st.scale,
      linthresh: st.linthresh,
    });
    if (!rootsReady) return false;
    const visibleFrom = this.visibleFrom();
    const nodes: { node: SelectedNode; content: NodeContent }[] = [];
    // Selected nodes unavailable offline: the layer draws their finest cached ancestor instead.
    let unavailable = 0;
    for (const n of this.selected) {
      const s = this.store.summary(this.addr(n));
      if (s?.uniform !== undefined) nodes.push({ node: n, content: { kind: "uniform", value: s.uniform } });
      else {
        const p = s && this.store.payload(s);
        if (s && (p || s.max < visibleFrom))
          nodes.push({ node: n, content: { kind: "data", key: s.contentKey, payload: p, max: s.max } });
        else if (this.store.isUnavailable(this.addr(n))) unavailable++;
      }
    }
    const r = vol.update(nodes, 16, visibleFrom);
    return r.deferred === 0 && nodes.length + unavailable === this.selected.length;
  }

  private updateVoxels(rootsReady: boolean): boolean {
    const layer = this.voxels!;
    const f = this.field;
    if (!rootsReady && this.shownT !== -1) return false;
    // Selected nodes unavailable offline (no content): their parent's mesh stays instead.
    let unavailable = 0;
    const gone = (n: SelectedNode) => {
      if (this.store.isUnavailable(this.addr(n))) unavailable++;
      return { node: n };
    };
    const nodes = this.selected.map((n) => {
      const s = this.store.summary(this.addr(n));
      if (!s) return gone(n);
      if (s.uniform !== undefined) {
        this.materialsSeen.add(s.uniform);
        return { node: n, content: { key: s.contentKey, uniform: s.uniform } };
      }
      const p = this.store.payload(s);
      if (!p) return gone(n);
      if (!this.scanned.has(s.contentKey)) {
        this.scanned.add(s.contentKey);
        const before = this.materialsSeen.size;
        // The backend lists a brick's ids; the page scans the ids it holds (`?backend=off`).
        const values = p.materials ?? brickValues(p);
        onMain(() => {
          for (let i = 0; i < values.length; i++) this.materialsSeen.add(values[i]);
        });
        if (this.materialsSeen.size !== before) this.notify();
      }
      return { node: n, content: voxelContent(s.contentKey, p) };
    });
    const palette: Record<number, [number, number, number]> = {};
    for (const m of this.materials) palette[m.value] = m.color;
    Object.assign(palette, this.state.palette);
    const r = layer.update(nodes, {
      fill: f.fill ?? Number.NaN, // NaN equals no voxel: no fill
      hidden: this.state.hidden,
      palette,
      clip: this.clipVoxels(),
    });
    return r.missing === unavailable;
  }

  dispose(): void {
    this.offReconnect?.();
    this.store.setWanted([]);
    this.backend?.release();
    this.volume?.dispose();
    this.voxels?.dispose();
    this.layers3d.dispose();
    this.viewport.dispose();
    clearTimeout(this.dueTimer);
    this.view.clear();
  }
}

export { BACKGROUND };

/** Half the world length of the longest diagonal of a grid box of this size. */
function boxRadius(toWorld: number[], size: ArrayLike<number>): number {
  let r = 0;
  for (const sy of [-1, 1])
    for (const sz of [-1, 1]) {
      const d = applyVector(toWorld, [size[0], sy * size[1], sz * size[2]]);
      r = Math.max(r, Math.hypot(d[0], d[1], d[2]) / 2);
    }
  return r;
}
