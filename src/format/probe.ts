/**
 * The probe index (docs/FORMAT.md §16): level-0 values stored a second time
 * in time-major chunks of C³ voxels × a group of timesteps, so the values of
 * one voxel (or a small box) over time cost one chunk read per group instead
 * of one whole brick per timestep. Chunk bytes lie in the body; one optional
 * section (kind 0x0020) indexes them.
 *
 * Section layout (all little-endian):
 *   head   u32 magic "FVXT" | u16 version 1 | u16 chunk edge C | u16 fields F
 *          | u16 groups G | u32 chunks per field N | u32 page entries P | u32 0
 *   table  G × (u32 t0, u32 count, u64 indexOffset, u64 indexLength)
 *   u32    xxhash32 of head + table
 *   index  per group (at its indexOffset, relative to the section), per field,
 *          ⌈N/P⌉ pages: u32 xxhash32(entries) | entries × 16 B
 *          (u64 absolute offset, u32 stored length, u32 xxhash32 of the stored bytes)
 */
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import { readU64, writeU64 } from "./binary";
import { xxhash32 } from "./xxhash32";

export const PROBE_MAGIC = 0x54585646; // "FVXT"
export const PROBE_VERSION = 1;
export const PROBE_HEAD_SIZE = 24;
export const PROBE_GROUP_SIZE = 24;
export const PROBE_ENTRY_SIZE = 16;
export const PROBE_PAGE_ENTRIES = 512;
/** Largest group of timesteps in one chunk. */
export const PROBE_MAX_GROUP = 256;
export const PROBE_SECTION = "probe-index";

export interface ProbeGroup {
  t0: number;
  count: number;
  indexOffset: number;
  indexLength: number;
}

export interface ProbeHead {
  chunk: number;
  fields: number;
  chunksPerField: number;
  pageEntries: number;
  groups: ProbeGroup[];
  /** Bytes of head + table + checksum. */
  headLength: number;
}

export interface ProbeChunkRef {
  offset: number;
  length: number;
  checksum: number;
}

/** Chunk grid of a level-0 grid cut into C³ chunks. */
export function probeChunkGrid(dims: Vec3, chunk: number): Vec3 {
  return [Math.ceil(dims[0] / chunk), Math.ceil(dims[1] / chunk), Math.ceil(dims[2] / chunk)];
}

export function probePagesPerField(n: number, pageEntries = PROBE_PAGE_ENTRIES): number {
  return Math.ceil(n / pageEntries);
}

/** Bytes of one group's index (all fields). */
export function probeGroupIndexLength(fields: number, n: number, pageEntries = PROBE_PAGE_ENTRIES): number {
  return fields * (probePagesPerField(n, pageEntries) * 4 + n * PROBE_ENTRY_SIZE);
}

/** Where (relative to the group's index) the page holding chunk `c` of field `f` lies, and its entry count. */
export function probePageAt(
  f: number,
  c: number,
  n: number,
  pageEntries = PROBE_PAGE_ENTRIES,
): { at: number; entries: number; first: number } {
  const pages = probePagesPerField(n, pageEntries);
  const fieldBytes = pages * 4 + n * PROBE_ENTRY_SIZE;
  const p = Math.floor(c / pageEntries);
  return {
    at: f * fieldBytes + p * (4 + pageEntries * PROBE_ENTRY_SIZE),
    entries: Math.min(pageEntries, n - p * pageEntries),
    first: p * pageEntries,
  };
}

export function probeHeadLength(groups: number): number {
  return PROBE_HEAD_SIZE + groups * PROBE_GROUP_SIZE + 4;
}

/** The whole section: head, table and every group's pages from its chunk references ([group][field][chunk]). */
export function encodeProbeSection(
  chunk: number,
  fields: number,
  n: number,
  groups: { t0: number; count: number; ref: (field: number, chunk: number) => ProbeChunkRef }[],
): Uint8Array {
  const headLength = probeHeadLength(groups.length);
  const groupLength = probeGroupIndexLength(fields, n);
  const out = new Uint8Array(headLength + groups.length * groupLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, PROBE_MAGIC, true);
  v.setUint16(4, PROBE_VERSION, true);
  v.setUint16(6, chunk, true);
  v.setUint16(8, fields, true);
  v.setUint16(10, groups.length, true);
  v.setUint32(12, n, true);
  v.setUint32(16, PROBE_PAGE_ENTRIES, true);
  groups.forEach((g, i) => {
    const at = PROBE_HEAD_SIZE + i * PROBE_GROUP_SIZE;
    v.setUint32(at, g.t0, true);
    v.setUint32(at + 4, g.count, true);
    writeU64(v, at + 8, headLength + i * groupLength);
    writeU64(v, at + 16, groupLength);
  });
  v.setUint32(headLength - 4, xxhash32(out.subarray(0, headLength - 4)), true);
  groups.forEach((g, gi) => {
    const base = headLength + gi * groupLength;
    for (let f = 0; f < fields; f++) {
      for (let first = 0; first < n; first += PROBE_PAGE_ENTRIES) {
        const page = probePageAt(f, first, n);
        const at = base + page.at;
        for (let e = 0; e < page.entries; e++) {
          const r = g.ref(f, first + e);
          const p = at + 4 + e * PROBE_ENTRY_SIZE;
          writeU64(v, p, r.offset);
          v.setUint32(p + 8, r.length, true);
          v.setUint32(p + 12, r.checksum, true);
        }
        v.setUint32(at, xxhash32(out.subarray(at + 4, at + 4 + page.entries * PROBE_ENTRY_SIZE)), true);
      }
    }
  });
  return out;
}

function bad(message: string, offset: number): never {
  throw new FlatvoxError("FormatError", `probe index: ${message}`, { section: PROBE_SECTION, offset });
}

/**
 * Decode and check head + table from the first bytes of the section (at least
 * {@link probeHeadLength}); `sectionOffset` for error offsets, `sectionLength`
 * bounds every group's index. Returns undefined when `bytes` is too short for the table.
 */
export function decodeProbeHead(
  bytes: Uint8Array,
  sectionOffset: number,
  sectionLength: number,
  expect: { fields: number; chunksPerField?: (chunk: number) => number; timeCount: number },
): ProbeHead | undefined {
  if (bytes.length < PROBE_HEAD_SIZE)
    bad(`section of ${bytes.length} bytes is shorter than its head`, sectionOffset);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== PROBE_MAGIC) bad("bad magic", sectionOffset);
  if (v.getUint16(4, true) !== PROBE_VERSION) bad(`version ${v.getUint16(4, true)} is not 1`, sectionOffset);
  const chunk = v.getUint16(6, true);
  const fields = v.getUint16(8, true);
  const groupCount = v.getUint16(10, true);
  const n = v.getUint32(12, true);
  const pageEntries = v.getUint32(16, true);
  const headLength = probeHeadLength(groupCount);
  if (headLength > sectionLength) bad(`table of ${groupCount} groups overruns the section`, sectionOffset);
  if (bytes.length < headLength) return undefined;
  const sum = v.getUint32(headLength - 4, true);
  if (xxhash32(bytes.subarray(0, headLength - 4)) !== sum) {
    throw new FlatvoxError("ChecksumError", "probe index head checksum mismatch", {
      section: PROBE_SECTION,
      offset: sectionOffset,
    });
  }
  if (chunk < 1 || (chunk & (chunk - 1)) !== 0 || chunk > 256) bad(`chunk edge ${chunk}`, sectionOffset);
  if (fields !== expect.fields) bad(`${fields} fields, the header has ${expect.fields}`, sectionOffset);
  if (expect.chunksPerField && n !== expect.chunksPerField(chunk))
    bad(`${n} chunks per field, the grid implies ${expect.chunksPerField(chunk)}`, sectionOffset);
  if (pageEntries < 1 || pageEntries > 65536) bad(`${pageEntries} entries per page`, sectionOffset);
  const groups: ProbeGroup[] = [];
  let next = 0;
  for (let i = 0; i < groupCount; i++) {
    const at = PROBE_HEAD_SIZE + i * PROBE_GROUP_SIZE;
    const g: ProbeGroup = {
      t0: v.getUint32(at, true),
      count: v.getUint32(at + 4, true),
      indexOffset: readU64(v, at + 8, PROBE_SECTION, sectionOffset),
      indexLength: readU64(v, at + 16, PROBE_SECTION, sectionOffset),
    };
    if (g.t0 !== next || g.count < 1 || g.count > PROBE_MAX_GROUP)
      bad(
        `group ${i} covers timesteps ${g.t0}+${g.count}; groups must tile the time axis in order`,
        sectionOffset + at,
      );
    if (
      g.indexLength !== probeGroupIndexLength(fields, n, pageEntries) ||
      g.indexOffset + g.indexLength > sectionLength
    )
      bad(
        `group ${i} index at ${g.indexOffset}+${g.indexLength} is not inside the section`,
        sectionOffset + at,
      );
    next += g.count;
    groups.push(g);
  }
  if (next !== expect.timeCount)
    bad(`groups cover ${next} timesteps, the dataset has ${expect.timeCount}`, sectionOffset);
  return { chunk, fields, chunksPerField: n, pageEntries, groups, headLength };
}

/** Verify one index page (its checksum) and return its chunk references. */
export function decodeProbePage(bytes: Uint8Array, entries: number, fileOffset: number): ProbeChunkRef[] {
  if (bytes.length !== 4 + entries * PROBE_ENTRY_SIZE) bad(`page of ${bytes.length} bytes`, fileOffset);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (xxhash32(bytes.subarray(4)) !== v.getUint32(0, true)) {
    throw new FlatvoxError("ChecksumError", "probe index page checksum mismatch", {
      section: PROBE_SECTION,
      offset: fileOffset,
    });
  }
  const out: ProbeChunkRef[] = [];
  for (let e = 0; e < entries; e++) {
    const p = 4 + e * PROBE_ENTRY_SIZE;
    out.push({
      offset: readU64(v, p, PROBE_SECTION, fileOffset),
      length: v.getUint32(p + 8, true),
      checksum: v.getUint32(p + 12, true),
    });
  }
  return out;
}

/** Voxel box of chunk `c` (linear index, x fastest) of the chunk grid: origin and clipped size. */
export function probeChunkBox(dims: Vec3, chunk: number, c: number): { min: Vec3; size: Vec3 } {
  const g = probeChunkGrid(dims, chunk);
  const cx = c % g[0];
  const cy = Math.floor(c / g[0]) % g[1];
  const cz = Math.floor(c / (g[0] * g[1]));
  const min: Vec3 = [cx * chunk, cy * chunk, cz * chunk];
  return {
    min,
    size: [
      Math.min(chunk, dims[0] - min[0]),
      Math.min(chunk, dims[1] - min[1]),
      Math.min(chunk, dims[2] - min[2]),
    ],
  };
}

/** Rewrite every chunk offset of a decoded-and-reencoded table (merge, append): add `delta` to each. */
export function shiftRefs(refs: ProbeChunkRef[][], delta: number): ProbeChunkRef[][] {
  return refs.map((f) => f.map((r) => ({ ...r, offset: r.offset + delta })));
}

/** All chunk references of one group from a whole, verified section ([field][chunk]). */
export function probeGroupRefs(
  section: Uint8Array,
  head: ProbeHead,
  gi: number,
  sectionOffset: number,
): ProbeChunkRef[][] {
  const g = head.groups[gi];
  const out: ProbeChunkRef[][] = [];
  for (let f = 0; f < head.fields; f++) {
    const refs: ProbeChunkRef[] = [];
    for (let first = 0; first < head.chunksPerField; first += head.pageEntries) {
      const page = probePageAt(f, first, head.chunksPerField, head.pageEntries);
      const at = g.indexOffset + page.at;
      refs.push(
        ...decodeProbePage(
          section.subarray(at, at + 4 + page.entries * PROBE_ENTRY_SIZE),
          page.entries,
          sectionOffset + at,
        ),
      );
    }
    out.push(refs);
  }
  return out;
}
