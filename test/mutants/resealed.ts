/**
 * Re-sealed structural mutants of packed .fvx files: one field of one
 * structure is edited and every checksum that covers it is recomputed (the
 * structure's own, its section's, the directory's and the preamble's), so
 * the edit reaches the parsers and walkers behind the checksum wall.
 */
import { dataView } from "../../src/format/binary";
import {
  BRICK_ENTRY_SIZE,
  DIRECTORY_ENTRY_SIZE,
  PREAMBLE_SIZE,
  SectionKind,
} from "../../src/format/constants";
import { xxhash32 } from "../../src/format/xxhash32";
import { nodeSize } from "../../src/index/btree-layout";
import { parseHeader } from "../../src/index/btree-reader";
import { checksum } from "../../src/index/checksum";
import { readFeatureDir, TRACK_DIR_PAGE } from "../../src/index/feature-dir";
import { rtreeNodeSize } from "../../src/index/rtree-layout";
import { parseRTreeHeader } from "../../src/index/rtree-reader";
import { directory, reseal, withRootPage } from "../unit/reader/hostile";

export type Rng = () => number;

const int = (r: Rng, n: number) => Math.floor(r() * n);

/** Recompute the directory checksum of section `kind` (and the open block's seals). */
export function resealSection(bytes: Uint8Array, kind: number): Uint8Array {
  const dir = directory(bytes);
  const i = dir.findIndex((s) => s.kind === kind);
  const s = dir[i];
  dataView(bytes).setUint32(
    PREAMBLE_SIZE + i * DIRECTORY_ENTRY_SIZE + 4,
    xxhash32(bytes.subarray(s.offset, s.offset + s.length)),
    true,
  );
  return reseal(bytes);
}

/** Overwrite 1–4 bytes of [from, to) with small or random edits. */
function edit(b: Uint8Array, from: number, to: number, r: Rng): void {
  if (to <= from) return;
  const n = 1 + int(r, 4);
  for (let k = 0; k < n; k++) {
    const at = from + int(r, to - from);
    const m = int(r, 4);
    b[at] = m === 0 ? b[at] ^ (1 << int(r, 8)) : m === 1 ? b[at] + 1 : m === 2 ? 0xff : int(r, 256);
  }
}

const setCrc = (b: Uint8Array, crcAt: number, from: number, to: number) =>
  dataView(b).setUint32(crcAt, checksum(b, from, to), true);

/** Names of the feature mutation targets. */
export const FEATURE_TARGETS = [
  "directory",
  "rtree-header",
  "rtree-node",
  "btree-header",
  "btree-node",
  "record",
  "track-directory",
  "track-record",
] as const;
export type FeatureTarget = (typeof FEATURE_TARGETS)[number];

/** Framed records (crc u32, length u32, body) in [start, end), 8-byte aligned. */
function records(b: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  const v = dataView(b);
  for (let p = start; p + 8 <= end; ) {
    out.push(p);
    p = start + Math.ceil((p - start + 8 + v.getUint32(p + 4, true)) / 8) * 8;
  }
  return out;
}

/** Edit one structure of the feature sections and re-seal it; undefined when the file has no such structure. */
export function featureMutant(bytes: Uint8Array, target: FeatureTarget, r: Rng): Uint8Array | undefined {
  const b = bytes.slice();
  const secs = directory(b);
  const sec = (k: number) => secs.find((s) => s.kind === k);
  const dirS = sec(SectionKind.FEATURES);
  const recS = sec(SectionKind.FEATURE_RECORDS);
  const rtS = sec(SectionKind.FEATURE_RTREE);
  const ixS = sec(SectionKind.ATTRIBUTE_INDEX);
  if (!dirS || !recS || !rtS || !ixS) return undefined;
  const dir = readFeatureDir(b.subarray(dirS.offset, dirS.offset + dirS.length), dirS.offset);
  let kind: number;
  switch (target) {
    case "directory": {
      edit(b, dirS.offset + 8, dirS.offset + dirS.length - 4, r);
      setCrc(b, dirS.offset + dirS.length - 4, dirS.offset, dirS.offset + dirS.length - 4);
      kind = SectionKind.FEATURES;
      break;
    }
    case "rtree-header":
    case "rtree-node": {
      const h = parseRTreeHeader(b.subarray(rtS.offset, rtS.offset + rtS.length), rtS.offset, rtS.length);
      if (target === "rtree-header") {
        edit(b, rtS.offset + 4, rtS.offset + h.headerLength - 4, r);
        setCrc(b, rtS.offset + h.headerLength - 4, rtS.offset, rtS.offset + h.headerLength - 4);
      } else {
        const l = int(r, h.levels.length);
        const size = rtreeNodeSize(h.nodeCapacity);
        const at = rtS.offset + h.levels[l].offset + int(r, h.levels[l].nodeCount) * size;
        edit(b, at + 4, at + size, r);
        setCrc(b, at, at + 4, at + size);
      }
      kind = SectionKind.FEATURE_RTREE;
      break;
    }
    case "btree-header":
    case "btree-node": {
      if (!dir.indices.length) return undefined;
      const ix = dir.indices[int(r, dir.indices.length)];
      const base = ixS.offset + ix.offset;
      const h = parseHeader(b.subarray(base, base + ix.length), ix.name, base, ix.length);
      if (target === "btree-header") {
        edit(b, base + 4, base + h.headerLength - 4, r);
        setCrc(b, base + h.headerLength - 4, base, base + h.headerLength - 4);
      } else {
        const l = int(r, h.levels.length);
        const size = nodeSize(h.type, h.keyWidth, h.nodeCapacity, l === h.levels.length - 1);
        const at = base + h.levels[l].offset + int(r, h.levels[l].nodeCount) * size;
        edit(b, at + 4, at + size, r);
        setCrc(b, at, at + 4, at + size);
      }
      kind = SectionKind.ATTRIBUTE_INDEX;
      break;
    }
    case "record":
    case "track-record": {
      const list =
        target === "record"
          ? records(b, recS.offset, recS.offset + dir.featuresLength)
          : records(b, recS.offset + dir.tracksOffset, recS.offset + dir.tracksOffset + dir.tracksLength);
      if (!list.length) return undefined;
      const at = list[int(r, list.length)];
      const len = dataView(b).getUint32(at + 4, true);
      edit(b, at + 4, at + 8 + len, r);
      const now = dataView(b).getUint32(at + 4, true);
      if (at + 8 + now <= recS.offset + recS.length) setCrc(b, at, at + 8, at + 8 + now);
      kind = SectionKind.FEATURE_RECORDS;
      break;
    }
    case "track-directory": {
      if (!dir.trackCount) return undefined;
      const pages = Math.ceil(dir.trackCount / TRACK_DIR_PAGE);
      const p = int(r, pages);
      const inPage = Math.min(TRACK_DIR_PAGE, dir.trackCount - p * TRACK_DIR_PAGE);
      const at = recS.offset + dir.trackDirOffset + p * (4 + TRACK_DIR_PAGE * 8);
      edit(b, at + 4, at + 4 + inPage * 8, r);
      setCrc(b, at, at + 4, at + 4 + inPage * 8);
      kind = SectionKind.FEATURE_RECORDS;
      break;
    }
  }
  return resealSection(b, kind);
}

/** Brick entry fields a mutant may edit. */
export const ENTRY_EDITS = [
  "offset-of-other",
  "length",
  "offset",
  "encoding",
  "refT",
  "checksum-of-other",
  "any",
] as const;

/**
 * Edit one brick entry of root page `page` (the page re-compressed and
 * re-sealed): point it at another stored brick's bytes, change its length,
 * encoding, delta reference, or any byte.
 */
export async function entryMutant(bytes: Uint8Array, page: number, r: Rng): Promise<Uint8Array> {
  const what = ENTRY_EDITS[int(r, ENTRY_EDITS.length)];
  return withRootPage(bytes, page, (raw) => {
    const v = dataView(raw);
    const entries: number[] = [];
    for (let at = 24; at + BRICK_ENTRY_SIZE <= raw.length; at += BRICK_ENTRY_SIZE) entries.push(at);
    const stored = entries.filter((at) => v.getUint32(at + 16, true) > 0);
    if (!stored.length) return raw;
    const at = stored[int(r, stored.length)];
    const other = stored[int(r, stored.length)];
    switch (what) {
      case "offset-of-other":
        v.setUint32(at + 8, v.getUint32(other + 8, true), true);
        break;
      case "checksum-of-other":
        v.setUint32(at + 4, v.getUint32(other + 4, true), true);
        v.setUint32(at + 8, v.getUint32(other + 8, true), true);
        break;
      case "length":
        v.setUint32(at + 16, Math.max(1, v.getUint32(at + 16, true) + int(r, 9) - 4), true);
        break;
      case "offset":
        v.setUint32(at + 8, v.getUint32(at + 8, true) + int(r, 64) - 32, true);
        break;
      case "encoding":
        v.setUint8(at, int(r, 4));
        break;
      case "refT":
        v.setUint32(at + 20, int(r, 4), true);
        break;
      case "any":
        edit(raw, at, at + BRICK_ENTRY_SIZE, r);
        break;
    }
    return raw;
  });
}
