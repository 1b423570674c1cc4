/**
 * Scalar field layer: brick atlas + page table + ray-marching material on a
 * unit box scaled to the grid (level-0 voxel units; the dataset's root
 * object maps them to world).
 */
import * as THREE from "three";
import { type BlockMax, brickBlockMax, EMPTY, MACRO } from "../../core/occupancy-js";
import { type OctNode, topLevel } from "../../core/octree";
import type { Vec3 } from "../../shared/types";
import { type BrickPayload, brickValues, type ViewerInfo } from "../data/viewer-types";
import { onMain } from "../stream/brick-cost";
import { BrickAtlas } from "./brick-atlas";
import { defaultLinthresh, scaledWindow, type ValueScale } from "./transfer-function";
import { MAX_LEVELS, volumeFragment, volumeVertex } from "./volume-shader";

/**
 * The range a scalar field is normalized over on the GPU: the header's range over all timesteps
 * when it has one, else the root brick's (`root`), widened to a non-empty interval; undefined
 * while neither is known.
 */
export function normRange(
  field: { range?: [number, number] },
  root: { min: number; max: number } | undefined,
): [number, number] | undefined {
  const f = field.range;
  const r = f && Number.isFinite(f[0]) && Number.isFinite(f[1]) ? f : root ? [root.min, root.max] : undefined;
  return r && [r[0], r[1] > r[0] ? r[1] : r[0] + 1];
}

export type RenderMode = "composite" | "mip" | "iso";
const MODE_ID: Record<RenderMode, number> = { composite: 0, mip: 1, iso: 2 };

/** What the layer may draw for one node: an atlas slot or a uniform value. */
export type NodeContent =
  | { kind: "data"; key: string; payload?: BrickPayload; max: number }
  | { kind: "uniform"; value: number };

interface Drawn {
  node?: OctNode;
  slot?: number;
  key?: string;
  bm?: BlockMax;
  value?: number;
}
const TRANSPARENT: Drawn = {};
const MISSING_NODE: Drawn = {};

export class VolumeLayer {
  readonly mesh: THREE.Mesh;
  readonly atlas: BrickAtlas;
  private readonly material: THREE.ShaderMaterial;
  private readonly pages: THREE.Data3DTexture;
  private readonly pageData: Float32Array;
  private readonly tfTex: THREE.DataTexture;
  private readonly cells: Vec3;
  private readonly occ: THREE.Data3DTexture;
  private readonly occData: Float32Array;
  private readonly occDims: Vec3;
  private readonly blockMax = new Map<string, BlockMax>();
  private signature = "";
  /** Normalization of the field's values into the atlas. */
  lo = 0;
  scale = 1;

  constructor(
    renderer: THREE.WebGLRenderer,
    private readonly info: ViewerInfo,
    gpuBudget: number,
  ) {
    const B = info.brickSize;
    this.atlas = new BrickAtlas(renderer, B, gpuBudget);
    this.cells = info.levels[0].bricks;
    const [cx, cy, cz] = this.cells;
    this.pageData = new Float32Array(cx * cy * cz * 4).fill(-1);
    const pages = new THREE.Data3DTexture(this.pageData, cx, cy, cz);
    pages.format = THREE.RGBAFormat;
    pages.type = THREE.FloatType;
    pages.minFilter = THREE.NearestFilter;
    pages.magFilter = THREE.NearestFilter;
    pages.unpackAlignment = 1;
    pages.needsUpdate = true;
    this.pages = pages;
    this.occDims = info.dims.map((d) => Math.ceil(d / MACRO)) as Vec3;
    this.occData = new Float32Array(this.occDims[0] * this.occDims[1] * this.occDims[2]).fill(EMPTY);
    const occ = new THREE.Data3DTexture(this.occData, ...this.occDims);
    occ.format = THREE.RedFormat;
    occ.type = THREE.FloatType;
    occ.minFilter = THREE.NearestFilter;
    occ.magFilter = THREE.NearestFilter;
    occ.unpackAlignment = 1;
    occ.needsUpdate = true;
    this.occ = occ;
    this.tfTex = new THREE.DataTexture(new Uint8Array(256 * 4), 256, 1, THREE.RGBAFormat);
    this.tfTex.minFilter = THREE.LinearFilter;
    this.tfTex.magFilter = THREE.LinearFilter;
    this.tfTex.needsUpdate = true;
    const levelDims = Array.from({ length: MAX_LEVELS }, (_, i) => {
      const l = info.levels[Math.min(i, info.levels.length - 1)];
      return new THREE.Vector3(...l.dims);
    });
    this.material = new THREE.ShaderMaterial({
      glslVersion: THREE.GLSL3,
      vertexShader: volumeVertex,
      fragmentShader: volumeFragment,
      side: THREE.BackSide,
      transparent: true,
      depthWrite: false,
      uniforms: {
        uAtlas: { value: this.atlas.texture },
        uPages: { value: pages },
        uOcc: { value: occ },
        uVisible: { value: 0 },
        uMacro: { value: MACRO },
        uTf: { value: this.tfTex },
        uAtlasSize: { value: new THREE.Vector3(...this.atlas.layout.texels) },
        uDims0: { value: new THREE.Vector3(...info.dims) },
        uLevelDims: { value: levelDims },
        uBrick: { value: B },
        uWindow: { value: new THREE.Vector2(0, 1) },
        uIso: { value: 0.5 },
        uMode: { value: 0 },
        uClipMin: { value: new THREE.Vector3(0, 0, 0) },
        uClipMax: { value: new THREE.Vector3(1, 1, 1) },
        uSteps: { value: 160 },
        uOpacityScale: { value: 1 },
        uSeamless: { value: 1 },
        uVoxelWorld: { value: new THREE.Vector3(...info.spacing) },
        uScale: { value: 0 },
        uRaw: { value: new THREE.Vector2(0, 1) },
        uScaled: { value: new THREE.Vector2(0, 1) },
        uLinthresh: { value: 1 },
      },
    });
    const geo = new THREE.BoxGeometry(1, 1, 1).translate(0.5, 0.5, 0.5);
    this.mesh = new THREE.Mesh(geo, this.material);
    // Level-0 grid units: the dataset's root object carries the grid → world transform.
    this.mesh.scale.set(...info.dims);
    this.mesh.frustumCulled = false;
  }

  setNormalization(lo: number, hi: number): void {
    this.lo = lo;
    this.scale = 1 / (hi > lo ? hi - lo : 1);
    this.atlas.clear();
    this.signature = "";
  }

  normalize(v: number): number {
    return (v - this.lo) * this.scale;
  }

  setTransferTable(rgba: Uint8Array): void {
    const data = this.tfTex.image.data as Uint8Array;
    if (data.every((v, i) => v === rgba[i])) return;
    data.set(rgba);
    this.tfTex.needsUpdate = true;
  }

  setParams(p: {
    mode: RenderMode;
    window: [number, number];
    iso: number;
    clipMin: Vec3;
    clipMax: Vec3;
    steps: number;
    opacity: number;
    /** Filter across brick faces (default true); off only to measure its cost. */
    seamless?: boolean;
    /** Value scale of the window (default linear) and symlog's linear half-width. */
    scale?: ValueScale;
    linthresh?: number;
  }): void {
    const u = this.material.uniforms;
    u.uMode.value = MODE_ID[p.mode];
    (u.uWindow.value as THREE.Vector2).set(this.normalize(p.window[0]), this.normalize(p.window[1]));
    u.uIso.value = this.normalize(p.iso);
    (u.uClipMin.value as THREE.Vector3).set(...p.clipMin);
    (u.uClipMax.value as THREE.Vector3).set(...p.clipMax);
    u.uSteps.value = p.steps;
    u.uOpacityScale.value = p.opacity;
    u.uSeamless.value = p.seamless === false ? 0 : 1;
    const scale = p.scale ?? "linear";
    const linthresh = p.linthresh ?? defaultLinthresh(p.window);
    u.uScale.value = scale === "linear" ? 0 : scale === "log" ? 1 : 2;
    (u.uRaw.value as THREE.Vector2).set(this.lo, 1 / this.scale);
    (u.uScaled.value as THREE.Vector2).set(...scaledWindow({ scale, window: p.window, linthresh }));
    u.uLinthresh.value = linthresh;
  }

  /**
   * Make the given nodes resident (at most `uploadBudget` new uploads) and
   * rewrite the page table so each level-0 cell points at its finest ready node.
   * Bricks whose values all lie below `visibleFrom` (field units) draw nothing:
   * they are marked transparent (the ray skips them) and never uploaded.
   * Returns how many nodes could not be uploaded yet.
   */
  update(
    nodes: { node: OctNode; content: NodeContent }[],
    uploadBudget: number,
    visibleFrom: number,
  ): { deferred: number; resident: number } {
    const pinned = new Set<string>();
    for (const n of nodes)
      if (n.content.kind === "data" && n.content.max >= visibleFrom) pinned.add(n.content.key);
    this.pinned = pinned;
    // What each ready node draws: a slot (with its block maxima), a uniform value, or nothing.
    const ready = new Map<string, Drawn>();
    let deferred = 0;
    for (const { node, content } of nodes) {
      const k = `${node.level}/${node.brick.join(",")}`;
      if (content.kind === "uniform") {
        ready.set(
          k,
          content.value < visibleFrom ? TRANSPARENT : { node, value: this.normalize(content.value) },
        );
        continue;
      }
      if (content.max < visibleFrom) {
        ready.set(k, TRANSPARENT);
        continue;
      }
      let slot = this.atlas.lookup(content.key);
      if (slot === undefined && uploadBudget > 0 && content.payload) {
        slot = this.atlas.ensure(content.key, content.payload, this.lo, this.scale, pinned);
        uploadBudget--;
      }
      if (content.payload && !this.blockMax.has(content.key)) {
        if (this.blockMax.size > 8192) this.blockMax.clear();
        const p = content.payload;
        this.blockMax.set(
          content.key,
          p.ready
            ? { n: p.ready.n, max: p.ready.blockMax }
            : onMain(() => brickBlockMax(brickValues(p), p.dims, node.level)),
        );
      }
      const bm = this.blockMax.get(content.key);
      if (slot === undefined || !bm) {
        deferred++;
        continue;
      }
      ready.set(k, { node, slot, key: content.key, bm });
    }
    // Each level-0 cell draws its finest ready node.
    const [cx, cy, cz] = this.cells;
    const top = topLevel(this.info);
    const chosen: Drawn[] = new Array(cx * cy * cz);
    const sig: string[] = [];
    for (let z = 0; z < cz; z++)
      for (let y = 0; y < cy; y++)
        for (let x = 0; x < cx; x++) {
          let e: Drawn = MISSING_NODE;
          for (let L = 0; L <= top; L++) {
            const r = ready.get(`${L}/${x >> L},${y >> L},${z >> L}`);
            if (r) {
              e = r;
              break;
            }
          }
          chosen[x + cx * (y + cy * z)] = e;
          sig.push(
            e.key ?? (e.value !== undefined ? `u${e.value}` : e === TRANSPARENT ? "t" : "m"),
            e.slot !== undefined ? String(e.slot) : "",
          );
        }
    const signature = sig.join("|");
    if (signature !== this.signature) {
      this.signature = signature;
      this.writePages(chosen);
      this.writeOccupancy(chosen);
    }
    this.material.uniforms.uVisible.value = this.normalize(visibleFrom);
    return { deferred, resident: ready.size };
  }

  /**
   * Upload a brick before it is drawn (a prefetched timestep), into a free
   * slot or one the current frame does not use. False when no slot is free.
   */
  preload(key: string, payload: BrickPayload, level: number): boolean {
    if (this.atlas.has(key)) return true;
    const slot = this.atlas.ensure(key, payload, this.lo, this.scale, this.pinned);
    if (slot === undefined) return false;
    if (!this.blockMax.has(key))
      this.blockMax.set(
        key,
        payload.ready
          ? { n: payload.ready.n, max: payload.ready.blockMax }
          : onMain(() => brickBlockMax(brickValues(payload), payload.dims, level)),
      );
    return true;
  }

  private pinned = new Set<string>();

  private writePages(chosen: Drawn[]): void {
    const d = this.pageData;
    chosen.forEach((e, i) => {
      if (e.slot !== undefined) {
        const o = this.atlas.slotOrigin(e.slot);
        d.set([o[0], o[1], o[2], e.node!.level], i * 4);
      } else if (e.value !== undefined) d.set([e.value, 0, 0, 100 + e.node!.level], i * 4);
      else d.set([0, 0, 0, e === TRANSPARENT ? -2 : -1], i * 4);
    });
    this.pages.needsUpdate = true;
  }

  private writeOccupancy(chosen: Drawn[]): void {
    const [ox, oy, oz] = this.occDims;
    const [cx, cy] = this.cells;
    const B = this.info.brickSize;
    const o = this.occData;
    for (let z = 0; z < oz; z++)
      for (let y = 0; y < oy; y++)
        for (let x = 0; x < ox; x++) {
          const c = [x, y, z].map((m) => Math.floor((m * MACRO) / B));
          const e = chosen[c[0] + cx * (c[1] + cy * c[2])];
          let v = EMPTY;
          if (e.value !== undefined) v = e.value;
          else if (e.bm && e.node) {
            // Block index relative to the brick's level-0 origin.
            const span = B * 2 ** e.node.level;
            const bx = x - (e.node.brick[0] * span) / MACRO;
            const by = y - (e.node.brick[1] * span) / MACRO;
            const bz = z - (e.node.brick[2] * span) / MACRO;
            const n = e.bm.n;
            if (bx < n[0] && by < n[1] && bz < n[2])
              v = this.normalize(e.bm.max[bx + n[0] * (by + n[1] * bz)]);
          }
          o[x + ox * (y + oy * z)] = v;
        }
    this.occ.needsUpdate = true;
  }

  dispose(): void {
    this.atlas.dispose();
    this.pages.dispose();
    this.occ.dispose();
    this.tfTex.dispose();
    this.material.dispose();
    this.mesh.geometry.dispose();
  }
}
