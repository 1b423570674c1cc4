/**
 * LOD selection for the engine, run by the core's kernel (createLodSelector:
 * nearest-first screen-space-error refinement, frustum culled, under a byte
 * budget, `reader/select-lod.ts selectCut`) in the backend worker, next to
 * its brick table (with `?backend=off`, in the viewer's core worker). The engine asks every frame; a new
 * selection is computed only when its inputs changed, one at a time, and the
 * last finished one is what the frame uses.
 *
 * The kernel returns a cut; the viewer also keeps the cut's ancestors
 * selected, so a coarse parent draws until its children arrive. Their cost is
 * spread over their descendants in the tree the kernel sees.
 */

import * as THREE from "three";
import type { LodCamera } from "../../core/lod";
import { buildLodTree } from "../../core/node-tree";
import { nodeKey, type OctNode, parent, topLevel } from "../../core/octree";
import type { Vec3 } from "../../shared/types";
import { cameraIntoGridFrame } from "../../shared/world-transform";
import { mark } from "../app/marks";
import type { LodSelector } from "../core/core-client";
import type { ViewerInfo } from "../data/viewer-types";

export interface SelectedNode extends OctNode {
  /** Request priority: lower first (the kernel's nearest-first order; ancestors before the cut). */
  rank: number;
  /** True for ancestors of the cut (their children are selected too). */
  refined: boolean;
}

export interface LodInputs {
  camera: THREE.PerspectiveCamera;
  viewportHeight: number;
  thresholdPx: number;
  /** Level-0 voxel box. */
  clip: { min: Vec3; max: Vec3 };
  finestLevel: number;
  /** Bytes of GPU memory the selection (cut + ancestors) may occupy. */
  budgetBytes: number;
  /** Bytes a brick costs when selected (0: needs no GPU memory). */
  cost(n: OctNode): number;
  /** Changes whenever a cost may have changed (costs are not hashed). */
  costVersion: string;
}

/**
 * Share of the budget kept back: node costs include their ancestors' (see
 * buildLodTree), but frustum-culled children leave part of a share uncounted.
 */
const ANCESTOR_RESERVE = 0.1;

export class LodSelection {
  selected: SelectedNode[] = [];
  /** Inputs key of `selected`. */
  key = "";
  /** Kernel milliseconds of the last selection, and its node count. */
  lastMs = 0;
  lastNodes = 0;
  private inflight?: string;
  onChange: () => void = () => {};

  constructor(
    private readonly core: LodSelector,
    private readonly info: ViewerInfo,
  ) {}

  /** True when `selected` reflects these inputs; else starts (or queues) a selection. */
  update(inp: LodInputs): boolean {
    const key = inputsKey(inp);
    if (key === this.key) return true;
    if (this.inflight !== undefined) return false;
    this.inflight = key;
    const info = this.info;
    const tree = buildLodTree(info, {
      clip: inp.clip,
      finestLevel: inp.finestLevel,
      cost: inp.cost,
    });
    const cam = inp.camera;
    const frustum = new THREE.Frustum().setFromProjectionMatrix(
      new THREE.Matrix4().multiplyMatrices(cam.projectionMatrix, cam.matrixWorldInverse),
    );
    const planes: number[] = [];
    for (const p of frustum.planes) planes.push(p.normal.x, p.normal.y, p.normal.z, p.constant);
    // The core places nodes at origin + spacing ⊙ p: with a world transform the camera is carried into that frame.
    const camera: LodCamera = cameraIntoGridFrame(info, {
      eye: [cam.position.x, cam.position.y, cam.position.z],
      planes,
      viewportHeight: inp.viewportHeight,
      fovy: THREE.MathUtils.degToRad(cam.fov),
      threshold: inp.thresholdPx,
    });
    const nodes = tree.nodes;
    this.core
      .selectLod({
        records: tree.records,
        count: tree.count,
        camera,
        budgetBytes: inp.budgetBytes * (1 - ANCESTOR_RESERVE),
        origin: info.origin,
        spacing: info.spacing,
      })
      .then(
        (r) => {
          mark("first-lod");
          this.selected = withAncestors(
            [...r.selected].map((i) => nodes[i]),
            topLevel(info),
          );
          this.key = key;
          this.lastMs = r.ms;
          this.lastNodes = tree.count;
        },
        () => {
          // A failed selection keeps the previous one; the next frame retries.
        },
      )
      .finally(() => {
        this.inflight = undefined;
        this.onChange();
      });
    return false;
  }
}

/** The cut in kernel order plus every ancestor (coarse first), ranked for requests. */
export function withAncestors(cut: OctNode[], top: number): SelectedNode[] {
  const seen = new Map<string, SelectedNode>();
  const out: SelectedNode[] = [];
  cut.forEach((n, i) => {
    if (n.level > top) return; // synthetic root
    const k = nodeKey(n.level, n.brick);
    if (seen.has(k)) return;
    const s: SelectedNode = { ...n, rank: (top - n.level) * 1e6 + i, refined: false };
    seen.set(k, s);
    out.push(s);
  });
  for (const n of [...out]) {
    let p = n;
    while (p.level < top) {
      p = parent(p) as SelectedNode;
      const k = nodeKey(p.level, p.brick);
      const have = seen.get(k);
      if (have) {
        have.refined = true;
        continue;
      }
      const s: SelectedNode = { ...p, rank: (top - p.level) * 1e6 - 1, refined: true };
      seen.set(k, s);
      out.push(s);
    }
  }
  return out;
}

function inputsKey(inp: LodInputs): string {
  const e = inp.camera.matrixWorld.elements;
  const p = inp.camera.projectionMatrix.elements;
  const r = (v: number) => v.toPrecision(6);
  return [
    Array.from(e, r).join(","),
    Array.from(p, r).join(","),
    inp.viewportHeight,
    inp.thresholdPx,
    inp.clip.min.join(","),
    inp.clip.max.join(","),
    inp.finestLevel,
    inp.budgetBytes,
    inp.costVersion,
  ].join("|");
}
