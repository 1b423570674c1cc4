/**
 * Octree hierarchy pages. The tree over (field, timestep) has one node per
 * brick of every level; its shape follows from the grid, so pages store no
 * coordinates: nodes are listed level by level (coarse first) in Morton order,
 * which is also the order of a breadth-first walk with children by octant.
 *
 * Page roots sit at level L-1 and at every level 3j (j >= 1) below it. A page
 * rooted at level r covers levels r .. pageBottom(r) (at most 4 levels); each
 * of its bottom-level nodes above level 0 is the root of a child page, whose
 * reference follows the node records. Pages align to the finest levels so
 * leaf pages are full (8^3 level-0 bricks) and the root page small.
 */
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import { dataView, readU64, writeU64 } from "./binary";
import { type BrickEntry, readBrickEntry, writeBrickEntry } from "./brick-entry";
import { BRICK_ENTRY_SIZE, LIMITS, PAGE_HEADER_SIZE, PAGE_REF_SIZE } from "./constants";
import type { LevelGeometry } from "./grid";

/** Where a stored (zstd-compressed) page lives. */
export interface PageRef {
  offset: number;
  length: number;
  rawLength: number;
  checksum: number;
}

const PAGE_MAGIC = 0x50585646; // "FVXP"

export function pageBottom(rootLevel: number): number {
  return rootLevel === 0 ? 0 : 3 * Math.floor((rootLevel - 1) / 3);
}

export function linearBrick(geo: LevelGeometry, b: Vec3): number {
  return b[0] + geo.bricks[0] * (b[1] + geo.bricks[1] * b[2]);
}

export interface PageLayout {
  rootLevel: number;
  bottomLevel: number;
  /** Nodes per level (index 0 = rootLevel), each a list in Morton order. */
  levels: Vec3[][];
  nodeCount: number;
  /** Bottom-level nodes that root child pages, in page order. */
  childRoots: Vec3[];
}

/** Node layout of the page rooted at brick `root` of level `rootLevel`. */
export function pageLayout(geoms: LevelGeometry[], rootLevel: number, root: Vec3): PageLayout {
  const bottomLevel = pageBottom(rootLevel);
  const levels: Vec3[][] = [[root]];
  let nodeCount = 1;
  for (let k = rootLevel - 1; k >= bottomLevel; k--) {
    const nb = geoms[k].bricks;
    const next: Vec3[] = [];
    for (const p of levels[levels.length - 1]) {
      for (let o = 0; o < 8; o++) {
        const x = 2 * p[0] + (o & 1);
        const y = 2 * p[1] + ((o >> 1) & 1);
        const z = 2 * p[2] + ((o >> 2) & 1);
        if (x < nb[0] && y < nb[1] && z < nb[2]) next.push([x, y, z]);
      }
    }
    levels.push(next);
    nodeCount += next.length;
  }
  const childRoots = bottomLevel > 0 && bottomLevel < rootLevel ? levels[levels.length - 1] : [];
  return { rootLevel, bottomLevel, levels, nodeCount, childRoots };
}

export interface PageIdentity {
  field: number;
  t: number;
  rootLevel: number;
  root: Vec3;
}

export function encodePage(
  id: PageIdentity,
  layout: PageLayout,
  entries: BrickEntry[],
  children: PageRef[],
): Uint8Array {
  const size = PAGE_HEADER_SIZE + entries.length * BRICK_ENTRY_SIZE + children.length * PAGE_REF_SIZE;
  const bytes = new Uint8Array(size);
  const v = dataView(bytes);
  v.setUint32(0, PAGE_MAGIC, true);
  v.setUint16(4, id.field, true);
  v.setUint8(6, layout.rootLevel);
  v.setUint8(7, layout.bottomLevel);
  v.setUint32(8, id.t, true);
  v.setUint16(12, id.root[0], true);
  v.setUint16(14, id.root[1], true);
  v.setUint16(16, id.root[2], true);
  v.setUint16(18, 0, true);
  v.setUint16(20, entries.length, true);
  v.setUint16(22, children.length, true);
  let at = PAGE_HEADER_SIZE;
  for (const e of entries) {
    writeBrickEntry(v, at, e);
    at += BRICK_ENTRY_SIZE;
  }
  for (const c of children) {
    writePageRef(v, at, c);
    at += PAGE_REF_SIZE;
  }
  return bytes;
}

export function writePageRef(v: DataView, at: number, r: PageRef): void {
  writeU64(v, at, r.offset);
  v.setUint32(at + 8, r.length, true);
  v.setUint32(at + 12, r.rawLength, true);
  v.setUint32(at + 16, r.checksum, true);
  v.setUint32(at + 20, 0, true);
}

/** Parse and bound a page reference; `base` is the file offset of the structure holding it. */
export function readPageRef(v: DataView, at: number, section: string, base: number): PageRef {
  const ref: PageRef = {
    offset: readU64(v, at, section, base),
    length: v.getUint32(at + 8, true),
    rawLength: v.getUint32(at + 12, true),
    checksum: v.getUint32(at + 16, true),
  };
  if (ref.length === 0 || ref.length > LIMITS.maxPageStored || ref.rawLength > LIMITS.maxPageRaw) {
    throw new FlatvoxError(
      "LimitError",
      `page reference declares ${ref.length} stored / ${ref.rawLength} raw bytes`,
      {
        section,
        offset: base + at,
      },
    );
  }
  return ref;
}

export interface DecodedPage {
  layout: PageLayout;
  /** Per page level (index 0 = root level): linear brick index → entry. */
  entries: Map<number, BrickEntry>[];
  /** Linear brick index at the bottom level → child page reference. */
  children: Map<number, PageRef>;
}

/** Parse a decompressed page and check it is the page the caller asked for. */
export function decodePage(
  raw: Uint8Array,
  id: PageIdentity,
  geoms: LevelGeometry[],
  fileOffset: number,
): DecodedPage {
  const section = "hierarchy";
  const fail = (msg: string, at = 0): never => {
    throw new FlatvoxError("FormatError", msg, { section, offset: fileOffset, pageByte: at });
  };
  if (raw.length < PAGE_HEADER_SIZE) fail("page shorter than its header");
  const v = dataView(raw);
  if (v.getUint32(0, true) !== PAGE_MAGIC) fail("bad page magic");
  const field = v.getUint16(4, true);
  const rootLevel = v.getUint8(6);
  const bottomLevel = v.getUint8(7);
  const t = v.getUint32(8, true);
  const root: Vec3 = [v.getUint16(12, true), v.getUint16(14, true), v.getUint16(16, true)];
  if (
    field !== id.field ||
    t !== id.t ||
    rootLevel !== id.rootLevel ||
    root[0] !== id.root[0] ||
    root[1] !== id.root[1] ||
    root[2] !== id.root[2]
  ) {
    fail(
      `page identity (field ${field}, t ${t}, level ${rootLevel}, root ${root}) is not the one referenced`,
      4,
    );
  }
  const layout = pageLayout(geoms, rootLevel, root);
  if (bottomLevel !== layout.bottomLevel) fail("page bottom level mismatch", 7);
  const nodeCount = v.getUint16(20, true);
  const childCount = v.getUint16(22, true);
  if (nodeCount !== layout.nodeCount || childCount !== layout.childRoots.length) {
    fail(
      `page lists ${nodeCount} nodes / ${childCount} children, grid implies ${layout.nodeCount} / ${layout.childRoots.length}`,
      20,
    );
  }
  const expected = PAGE_HEADER_SIZE + nodeCount * BRICK_ENTRY_SIZE + childCount * PAGE_REF_SIZE;
  if (raw.length !== expected) fail(`page is ${raw.length} bytes, layout needs ${expected}`);
  const entries: Map<number, BrickEntry>[] = [];
  let at = PAGE_HEADER_SIZE;
  for (let i = 0; i < layout.levels.length; i++) {
    const geo = geoms[rootLevel - i];
    const m = new Map<number, BrickEntry>();
    for (const b of layout.levels[i]) {
      m.set(linearBrick(geo, b), readBrickEntry(raw, at, section, fileOffset));
      at += BRICK_ENTRY_SIZE;
    }
    entries.push(m);
  }
  const children = new Map<number, PageRef>();
  const bottomGeo = geoms[layout.bottomLevel];
  for (const b of layout.childRoots) {
    children.set(linearBrick(bottomGeo, b), readPageRef(v, at, section, fileOffset));
    at += PAGE_REF_SIZE;
  }
  return { layout, entries, children };
}
