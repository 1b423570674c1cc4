/**
 * Scalar field layer: brick atlas + page table + ray-marching material on a
 * unit box scaled to the dataset's world extent.
 */
import * as THREE from "three";
import type { Vec3 } from "../../shared/types";
import type { BrickPayload, ViewerInfo } from "../data/viewer-types";
import { type OctNode, topLevel } from "../lod/octree";
import { BrickAtlas } from "./brick-atlas";
import { MAX_LEVELS, volumeFragment, volumeVertex } from "./volume-shader";

export type RenderMode = "composite" | "mip" | "iso";
const MODE_ID: Record<RenderMode, number> = { composite: 0, mip: 1, iso: 2 };

/** What the layer may draw for one node: an atlas slot or a uniform value. */
export type NodeContent = { kind: "data"; key: string; payload: BrickPayload } | { kind: "uniform"; value: number };

export class VolumeLayer {
  readonly mesh: THREE.Mesh;
  readonly atlas: BrickAtlas;
  private readonly material: THREE.ShaderMaterial;
  private readonly pages: THREE.Data3DTexture;
  private readonly pageData: Float32Array;
  private readonly tfTex: THREE.DataTexture;
  private readonly cells: Vec3;
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
    this.tfTex = new THREE.DataTexture(new Uint8Array(256 * 4), 256, 1, THREE.RGBAFormat);
    this.tfTex.minFilter = THREE.LinearFilter;
    this.tfTex.magFilter = THREE.LinearFilter;
    this.tfTex.needsUpdate = true;
    const levelDims = Array.from({ length: MAX_LEVELS }, (_, i) => {
      const l = info.levels[Math.min(i, info.levels.length - 1)];
      return new THREE.Vector3(...l.dims);
    });
    const extent = info.dims.map((n, i) => n * info.spacing[i]) as Vec3;
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
        uVoxelWorld: { value: new THREE.Vector3(...info.spacing) },
      },
    });
    const geo = new THREE.BoxGeometry(1, 1, 1).translate(0.5, 0.5, 0.5);
    this.mesh = new THREE.Mesh(geo, this.material);
    this.mesh.scale.set(...extent);
    this.mesh.position.set(...info.origin);
    this.mesh.frustumCulled = false;
  }

  setNormalization(lo: number, hi: number): void {
    this.lo = lo;
    this.scale = 1 / (hi > lo ? hi - lo : 1);
    this.atlas.clear();
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

  setParams(p: { mode: RenderMode; window: [number, number]; iso: number; clipMin: Vec3; clipMax: Vec3; steps: number; opacity: number }): void {
    const u = this.material.uniforms;
    u.uMode.value = MODE_ID[p.mode];
    (u.uWindow.value as THREE.Vector2).set(this.normalize(p.window[0]), this.normalize(p.window[1]));
    u.uIso.value = this.normalize(p.iso);
    (u.uClipMin.value as THREE.Vector3).set(...p.clipMin);
    (u.uClipMax.value as THREE.Vector3).set(...p.clipMax);
    u.uSteps.value = p.steps;
    u.uOpacityScale.value = p.opacity;
  }

  /**
   * Make the given nodes resident (at most `uploadBudget` new uploads) and
   * rewrite the page table so each level-0 cell points at its finest ready node.
   * Returns how many nodes could not be uploaded yet.
   */
  update(nodes: { node: OctNode; content: NodeContent }[], uploadBudget: number): { deferred: number; resident: number } {
    const pinned = new Set<string>();
    for (const n of nodes) if (n.content.kind === "data") pinned.add(n.content.key);
    const ready = new Map<string, [number, number, number, number]>();
    let deferred = 0;
    for (const { node, content } of nodes) {
      const k = `${node.level}/${node.brick.join(",")}`;
      if (content.kind === "uniform") {
        ready.set(k, [this.normalize(content.value), 0, 0, 100 + node.level]);
        continue;
      }
      let slot = this.atlas.lookup(content.key);
      if (slot === undefined && uploadBudget > 0) {
        slot = this.atlas.ensure(content.key, content.payload, this.lo, this.scale, pinned);
        uploadBudget--;
      }
      if (slot === undefined) {
        deferred++;
        continue;
      }
      const o = this.atlas.slotOrigin(slot);
      ready.set(k, [o[0], o[1], o[2], node.level]);
    }
    const [cx, cy, cz] = this.cells;
    const top = topLevel(this.info);
    const d = this.pageData;
    for (let z = 0; z < cz; z++)
      for (let y = 0; y < cy; y++)
        for (let x = 0; x < cx; x++) {
          const i = (x + cx * (y + cy * z)) * 4;
          d[i + 3] = -1;
          for (let L = 0; L <= top; L++) {
            const e = ready.get(`${L}/${x >> L},${y >> L},${z >> L}`);
            if (e) {
              d.set(e, i);
              break;
            }
          }
        }
    this.pages.needsUpdate = true;
    return { deferred, resident: ready.size };
  }

  dispose(): void {
    this.atlas.dispose();
    this.pages.dispose();
    this.tfTex.dispose();
    this.material.dispose();
    this.mesh.geometry.dispose();
  }
}
