/**
 * An existing .fvx opened for rewriting (merge, append): its parsed open
 * block, timestep roots and metadata, read through a plain file descriptor,
 * with the helpers that walk its hierarchy pages.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { BrickEntry } from "../format/brick-entry";
import { OPEN_BLOCK_SIZE, SectionKind } from "../format/constants";
import type { LevelGeometry } from "../format/grid";
import type { FieldInfo, Header } from "../format/header";
import { decodePage, linearBrick, type PageRef } from "../format/hierarchy";
import type { SectionEntry } from "../format/preamble";
import { decodeRoots } from "../format/temporal";
import { xxhash32 } from "../format/xxhash32";
import { zstdDecompressExact } from "../format/zstd";
import { checkSectionChecksum, decodeMetadataSection, parseOpenBlock } from "../reader/open-block";
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import type { DatasetSpec, FieldSpec } from "./pack-types";

export interface FvxFile {
  path: string;
  fd: number;
  size: number;
  /** The stored open block (openLength bytes). */
  block: Uint8Array;
  openLength: number;
  sections: SectionEntry[];
  header: Header;
  times: number[];
  roots: PageRef[];
  metadata: Header["metadata"];
}

export function readAt(fd: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  if (got < length)
    throw new FlatvoxError("TruncatedError", `wanted ${length} bytes, the file ended`, { offset, length });
  return out;
}

/** Open and parse; the caller closes `fd`. `flags` "r+" to append. */
export function openFvxFile(path: string, flags: "r" | "r+" = "r"): FvxFile {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    throw new FlatvoxError("InputError", `cannot open ${path} (${(e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const bytes = readAt(fd, 0, Math.min(OPEN_BLOCK_SIZE, size));
    const parsed = parseOpenBlock(bytes, size);
    const F = parsed.header.fields.length;
    let roots = parsed.roots;
    if (!roots) {
      const rs = parsed.rootsSection;
      const rb = readAt(fd, rs.offset, rs.length);
      checkSectionChecksum(rb, rs);
      roots = decodeRoots(rb, parsed.times.length * F, rs.offset);
    }
    let metadata = parsed.header.metadata;
    const metaSec = parsed.sections.find((s) => s.kind === SectionKind.METADATA);
    if (parsed.header.metadataSection && metaSec) {
      const stored = readAt(fd, metaSec.offset, metaSec.length);
      checkSectionChecksum(stored, metaSec);
      metadata = decodeMetadataSection(stored, metaSec);
    }
    const openLength = parsed.preamble.openLength;
    return {
      path,
      fd,
      size,
      block: bytes.subarray(0, openLength),
      openLength,
      sections: parsed.sections,
      header: parsed.header,
      times: parsed.times,
      roots,
      metadata,
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The dataset description a packer would need to write this file's header again. */
/** The packer's description of a field, from the header's. */
function fieldSpecOf(f: FieldInfo): FieldSpec {
  const { name, dtype, kind, units, fill, description, attributes } = f;
  return { name, dtype, kind, units, fill, description, ...(attributes ? { attributes } : {}) };
}

export function specFromHeader(h: Header, times: number[], metadata: Header["metadata"]): DatasetSpec {
  return {
    dims: h.dims,
    origin: h.origin,
    spacing: h.spacing,
    ...(h.transform ? { transform: h.transform } : {}),
    spaceUnits: h.spaceUnits,
    fields: h.fields.map(fieldSpecOf),
    times,
    timeUnits: h.timeUnits,
    timeCalendar: h.timeCalendar,
    metadata: metadata as DatasetSpec["metadata"],
  };
}

/** Every brick entry of one (field, timestep), per level by linear brick index, pages checked. */
export function readEntries(
  f: FvxFile,
  geoms: LevelGeometry[],
  field: number,
  t: number,
  rootRef: PageRef,
): BrickEntry[][] {
  const out: BrickEntry[][] = geoms.map(() => []);
  const walk = (ref: PageRef, rootLevel: number, root: Vec3) => {
    const ctx = { section: "hierarchy", offset: ref.offset, file: f.path };
    const stored = readAt(f.fd, ref.offset, ref.length);
    if (xxhash32(stored) !== ref.checksum)
      throw new FlatvoxError("ChecksumError", `${f.path}: hierarchy page checksum mismatch`, ctx);
    const raw = zstdDecompressExact(stored, ref.rawLength, ctx);
    const page = decodePage(raw, { field, t, rootLevel, root }, geoms, ref.offset);
    page.entries.forEach((m, i) => {
      for (const [idx, e] of m) out[rootLevel - i][idx] = e;
    });
    const bottom = page.layout.bottomLevel;
    for (const c of page.layout.childRoots)
      walk(page.children.get(linearBrick(geoms[bottom], c))!, bottom, c);
  };
  walk(rootRef, geoms.length - 1, [0, 0, 0]);
  return out;
}
