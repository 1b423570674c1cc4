/** The octree cut a layer draws when its atlas holds fewer bricks than the main field's cut. */
import type { OctNode } from "../../core/octree";
import type { Vec3 } from "../../shared/types";

/**
 * A cut of at most `capacity` nodes that covers what `selected` covers: the
 * finest nodes are replaced by their parents until it fits (never above the
 * dataset's coarsest level `top`).
 */
export function coarsen(selected: OctNode[], capacity: number, top = Number.POSITIVE_INFINITY): OctNode[] {
  const key = (n: OctNode) => `${n.level}/${n.brick.join(",")}`;
  let nodes = selected;
  for (;;) {
    if (nodes.length <= capacity) return nodes;
    const finest = nodes.reduce((m, n) => Math.min(m, n.level), Number.POSITIVE_INFINITY);
    // One node is the root, or the finest level is the coarsest there is: nothing to lift.
    if (nodes.length <= 1 || finest >= top) return nodes;
    const seen = new Set<string>();
    const next: OctNode[] = [];
    for (const n of nodes) {
      const m = n.level === finest ? { level: n.level + 1, brick: n.brick.map((b) => b >> 1) as Vec3 } : n;
      const k = key(m);
      if (seen.has(k)) continue;
      seen.add(k);
      next.push(m);
    }
    nodes = next;
  }
}
