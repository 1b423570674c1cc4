/**
 * The hierarchy pages of one (field, timestep), encoded bottom-up from its
 * brick entries (docs/FORMAT.md §8): shared by the packer, which writes new
 * bricks, and merge, which copies them.
 */
import type { BrickEntry } from "../format/brick-entry";
import type { LevelGeometry } from "../format/grid";
import { encodePage, linearBrick, type PageRef, pageLayout } from "../format/hierarchy";
import type { Vec3 } from "../shared/types";

/**
 * Encode every page, children first; `place(raw, isRoot)` stores one page
 * (compressed, wherever the caller puts it) and returns its reference.
 * Returns the root page's reference.
 */
export function buildPageTree(
  geoms: LevelGeometry[],
  entries: BrickEntry[][],
  field: number,
  t: number,
  place: (raw: Uint8Array, isRoot: boolean) => PageRef,
): PageRef {
  const build = (rootLevel: number, root: Vec3, isRoot: boolean): PageRef => {
    const layout = pageLayout(geoms, rootLevel, root);
    const children = layout.childRoots.map((c) => build(layout.bottomLevel, c, false));
    const nodes: BrickEntry[] = [];
    layout.levels.forEach((list, i) => {
      const k = rootLevel - i;
      for (const b of list) nodes.push(entries[k][linearBrick(geoms[k], b)]);
    });
    return place(encodePage({ field, t, rootLevel, root }, layout, nodes, children), isRoot);
  };
  return build(geoms.length - 1, [0, 0, 0], true);
}
