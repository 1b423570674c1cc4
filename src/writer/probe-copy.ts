/**
 * Carrying a probe index (docs/FORMAT.md §16) through `merge` and `append`:
 * read a file's index, copy its chunk bytes (undecoded, checksums checked)
 * to a new place, and rebuild the index over the combined time axis.
 */
import { SectionKind } from "../format/constants";
import type { ExtraSection } from "../format/extra-section";
import {
  decodeProbeHead,
  encodeProbeSection,
  type ProbeChunkRef,
  type ProbeHead,
  probeChunkGrid,
  probeGroupRefs,
} from "../format/probe";
import { xxhash32 } from "../format/xxhash32";
import { checkSectionChecksum } from "../reader/open-block";
import { FlatvoxError } from "../shared/errors";
import { type FvxFile, readAt } from "./fvx-file";

export interface ProbeGroupOut {
  t0: number;
  count: number;
  /** [field][chunk] */
  refs: ProbeChunkRef[][];
}

export interface ProbeIndexFile {
  head: ProbeHead;
  groups: ProbeGroupOut[];
}

/** A file's probe index, verified whole; undefined when it has none. `firstStep`: the index starts at that timestep (append's scratch file). */
export function readProbeIndex(f: FvxFile, firstStep = 0): ProbeIndexFile | undefined {
  const s = f.sections.find((x) => x.kind === SectionKind.PROBE_INDEX);
  if (!s) return undefined;
  const bytes = readAt(f.fd, s.offset, s.length);
  checkSectionChecksum(bytes, s);
  const h = f.header;
  const head = decodeProbeHead(bytes, s.offset, s.length, {
    fields: h.fields.length,
    timeCount: f.times.length - firstStep,
    chunksPerField: (c) => {
      const g = probeChunkGrid(h.dims, c);
      return g[0] * g[1] * g[2];
    },
  });
  if (!head) throw new FlatvoxError("FormatError", `${f.path}: probe index shorter than its head`);
  return {
    head,
    groups: head.groups.map((g, gi) => ({
      t0: g.t0,
      count: g.count,
      refs: probeGroupRefs(bytes, head, gi, s.offset),
    })),
  };
}

/**
 * Copy every chunk of `index` from `read` (the source file) through `append`
 * (the destination), checking each chunk's checksum; groups come back with
 * their timesteps shifted by `tOffset`.
 */
export function copyProbeGroups(
  path: string,
  index: ProbeIndexFile,
  read: (offset: number, length: number) => Uint8Array,
  append: (bytes: Uint8Array) => number,
  tOffset: number,
): ProbeGroupOut[] {
  return index.groups.map((g) => ({
    t0: g.t0 + tOffset,
    count: g.count,
    refs: g.refs.map((field) =>
      field.map((r) => {
        const bytes = read(r.offset, r.length);
        if (xxhash32(bytes) !== r.checksum)
          throw new FlatvoxError("ChecksumError", `${path}: probe chunk checksum mismatch`, {
            section: "probe-index",
            offset: r.offset,
            length: r.length,
          });
        return { ...r, offset: append(bytes) };
      }),
    ),
  }));
}

/** The index section over `groups` (in time order, tiling the time axis). */
export function probeSection(
  chunk: number,
  fields: number,
  n: number,
  groups: ProbeGroupOut[],
): ExtraSection {
  return {
    kind: SectionKind.PROBE_INDEX,
    bytes: encodeProbeSection(
      chunk,
      fields,
      n,
      groups.map((g) => ({ t0: g.t0, count: g.count, ref: (f, c) => g.refs[f][c] })),
    ),
  };
}

/** All files have a probe index with the same chunk edge, or none has: anything else is refused. */
export function sameProbeLayout(paths: string[], indices: (ProbeIndexFile | undefined)[]): boolean {
  const have = indices.filter((x) => x !== undefined);
  if (have.length === 0) return false;
  if (have.length !== indices.length) {
    const missing = paths.filter((_, i) => !indices[i]);
    throw new FlatvoxError(
      "InputError",
      `some parts have a probe index and some do not (${missing.join(", ")} lack one); pack every part with or without --probe`,
    );
  }
  const c = have[0].head.chunk;
  const odd = paths.filter((_, i) => indices[i]!.head.chunk !== c);
  if (odd.length)
    throw new FlatvoxError(
      "InputError",
      `parts have probe indices of different chunk sizes (${odd.join(", ")} differ from ${c}); pack every part with the same --probe-chunk`,
    );
  return true;
}
