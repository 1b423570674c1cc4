/**
 * Octree LOD selection by screen-space error. A node at level L stands in for
 * its children with an error of one level-L voxel, so its geometric error is
 * that voxel's world size; its projected size is
 *   sse = geometricError × viewportHeight / (2 × distance × tan(fovy / 2)).
 * Nodes are refined, largest error first, while sse exceeds the threshold and
 * the node budget (GPU slots) allows. Every ancestor of a selected node stays
 * selected, so a coarser parent can be drawn until a child arrives.
 */
import type { Vec3 } from "../../shared/types";
import { children, nodeBounds, type OctNode, type OctreeShape, roots } from "./octree";

export interface LodView {
  /** Camera position in level-0 voxel units (the octree's frame). */
  eye: Vec3;
  /** World size of one level-0 voxel along each axis. */
  spacing: Vec3;
  fovyRad: number;
  viewportHeight: number;
  /** Refine while a node's sse exceeds this many pixels. */
  thresholdPx: number;
  /** Maximum number of nodes that may be selected (e.g. GPU atlas slots). */
  maxNodes: number;
  /** Never refine below this level (coarse during playback). */
  finestLevel?: number;
  /** Frustum / clip test on a node's voxel-space bounds; false drops the subtree. */
  visible?: (min: Vec3, max: Vec3) => boolean;
}

export interface SelectedNode extends OctNode {
  sse: number;
  /** True when the node was refined (its visible children are selected too). */
  refined: boolean;
}

export function nodeSse(shape: OctreeShape, n: OctNode, v: LodView): number {
  const { min, max } = nodeBounds(shape, n);
  // Distance from the eye to the node's box in world units (0 inside).
  let d2 = 0;
  for (let i = 0; i < 3; i++) {
    const e = v.eye[i];
    const gap = e < min[i] ? min[i] - e : e > max[i] ? e - max[i] : 0;
    d2 += (gap * v.spacing[i]) ** 2;
  }
  const dist = Math.max(Math.sqrt(d2), 1e-6);
  const geometricError = 2 ** n.level * Math.max(v.spacing[0], v.spacing[1], v.spacing[2]);
  return (geometricError * v.viewportHeight) / (2 * dist * Math.tan(v.fovyRad / 2));
}

export function selectLod(shape: OctreeShape, v: LodView): SelectedNode[] {
  const finest = v.finestLevel ?? 0;
  const out: SelectedNode[] = [];
  const heap: SelectedNode[] = [];
  for (const r of roots(shape)) {
    const b = nodeBounds(shape, r);
    if (v.visible && !v.visible(b.min, b.max)) continue;
    const s: SelectedNode = { ...r, sse: nodeSse(shape, r, v), refined: false };
    out.push(s);
    heapPush(heap, s);
  }
  while (heap.length) {
    const n = heapPop(heap)!;
    if (n.level <= finest || n.sse <= v.thresholdPx) continue;
    const kids: SelectedNode[] = [];
    for (const c of children(shape, n)) {
      const b = nodeBounds(shape, c);
      if (v.visible && !v.visible(b.min, b.max)) continue;
      kids.push({ ...c, sse: nodeSse(shape, c, v), refined: false });
    }
    if (out.length + kids.length > v.maxNodes) continue;
    n.refined = true;
    for (const k of kids) {
      out.push(k);
      heapPush(heap, k);
    }
  }
  return out;
}

// Max-heap on sse.
function heapPush(h: SelectedNode[], n: SelectedNode): void {
  h.push(n);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p].sse >= h[i].sse) break;
    [h[p], h[i]] = [h[i], h[p]];
    i = p;
  }
}

function heapPop(h: SelectedNode[]): SelectedNode | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length && last) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].sse > h[m].sse) m = l;
      if (r < h.length && h[r].sse > h[m].sse) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}
