/**
 * Parsing of the open block (the first bytes of the file, at most 64 KiB):
 * preamble, section directory, header, time values and, when the writer put
 * it there, the timestep roots. Every structure is checksum-verified here.
 */

import { unshuffle } from "../core/filters";
import {
  LIMITS,
  ROOT_REF_SIZE,
  SECTION_OPTIONAL,
  SECTION_ZSTD,
  SectionKind,
  sectionName,
} from "../format/constants";
import { decodeHeader, type Header, type JsonValue } from "../format/header";
import type { PageRef } from "../format/hierarchy";
import { checkJsonDepth } from "../format/json-depth";
import { decodeDirectory, decodePreamble, type Preamble, type SectionEntry } from "../format/preamble";
import { decodeRoots, decodeTimes } from "../format/temporal";
import { xxhash32 } from "../format/xxhash32";
import { zstdDecompressExact } from "../format/zstd";
import { FlatvoxError } from "../shared/errors";

export interface OpenBlock {
  preamble: Preamble;
  sections: SectionEntry[];
  header: Header;
  times: number[];
  /** Present when the roots lie inside the open block; otherwise fetched on first use. */
  roots?: PageRef[];
  rootsSection: SectionEntry;
}

const KNOWN = new Set<number>(Object.values(SectionKind));

export function checkSectionChecksum(bytes: Uint8Array, s: SectionEntry): void {
  if (xxhash32(bytes) !== s.checksum) {
    throw new FlatvoxError("ChecksumError", `${sectionName(s.kind)} checksum mismatch`, {
      section: sectionName(s.kind),
      offset: s.offset,
      length: s.length,
    });
  }
}

function inBlock(bytes: Uint8Array, p: Preamble, s: SectionEntry): Uint8Array {
  const section = sectionName(s.kind);
  if (s.offset + s.length > p.openLength) {
    throw new FlatvoxError("FormatError", `${section} must lie inside the open block`, {
      section,
      offset: s.offset,
    });
  }
  if (s.offset + s.length > bytes.length) {
    throw new FlatvoxError("TruncatedError", `${section} cut short (file is ${bytes.length} bytes)`, {
      section,
      offset: bytes.length,
      length: s.length,
    });
  }
  const out = bytes.subarray(s.offset, s.offset + s.length);
  checkSectionChecksum(out, s);
  return out;
}

/** Parse the open block; `fileSize` (when known) bounds the section directory. */
export function parseOpenBlock(bytes: Uint8Array, fileSize?: number): OpenBlock {
  const preamble = decodePreamble(bytes);
  if (bytes.length < preamble.openLength) {
    throw new FlatvoxError(
      "TruncatedError",
      `open block is ${preamble.openLength} bytes, file has ${bytes.length}`,
      {
        section: "open block",
        offset: bytes.length,
      },
    );
  }
  const sections = decodeDirectory(bytes, preamble, fileSize);
  const single = (kind: number, compressible = false): SectionEntry => {
    const found = sections.filter((s) => s.kind === kind);
    if (found.length !== 1) {
      throw new FlatvoxError(
        "FormatError",
        `expected one ${sectionName(kind)} section, found ${found.length}`,
        {
          section: "directory",
          offset: 32,
        },
      );
    }
    if (found[0].flags & SECTION_ZSTD && !compressible) {
      throw new FlatvoxError("FormatError", `${sectionName(kind)} must not be compressed`, {
        section: "directory",
      });
    }
    return found[0];
  };
  for (const s of sections) {
    if (!KNOWN.has(s.kind) && !(s.flags & SECTION_OPTIONAL)) {
      throw new FlatvoxError(
        "VersionError",
        `required section ${sectionName(s.kind)} is unknown to this reader`,
        {
          section: "directory",
          offset: s.offset,
        },
      );
    }
    if (s.flags & SECTION_ZSTD && s.rawLength > LIMITS.maxSectionBytes) {
      throw new FlatvoxError("LimitError", `${sectionName(s.kind)} declares ${s.rawLength} decoded bytes`, {
        section: sectionName(s.kind),
        offset: s.offset,
      });
    }
  }
  const headerSection = single(SectionKind.HEADER);
  const header = decodeHeader(inBlock(bytes, preamble, headerSection), headerSection.offset, preamble.major);
  // From 2.0 the time values may be byte-shuffled and zstd-compressed (long series).
  const timesSection = single(SectionKind.TIME_VALUES, preamble.major >= 2);
  let timeBytes = inBlock(bytes, preamble, timesSection);
  if (timesSection.flags & SECTION_ZSTD) {
    const ctx = { section: "time-values", offset: timesSection.offset };
    if (timesSection.rawLength !== header.timeCount * 8) {
      throw new FlatvoxError(
        "FormatError",
        `time values declare ${timesSection.rawLength} bytes, ${header.timeCount} timesteps need ${header.timeCount * 8}`,
        ctx,
      );
    }
    const shuffled = zstdDecompressExact(timeBytes, timesSection.rawLength, ctx);
    timeBytes = unshuffle(shuffled, 8);
  }
  const times = decodeTimes(timeBytes, header.timeCount, timesSection.offset);
  // Metadata too large for the header rides in its own section; read here when it lies in the open block.
  const metaSection = sections.find((x) => x.kind === SectionKind.METADATA);
  if (
    header.metadataSection &&
    metaSection &&
    metaSection.offset + metaSection.length <= preamble.openLength
  ) {
    header.metadata = decodeMetadataSection(inBlock(bytes, preamble, metaSection), metaSection);
  }
  // Every tool walks the metadata (printing, catalogues, worker messages): bound it once, here.
  checkJsonDepth(header.metadata, "header metadata", { section: "header", offset: headerSection.offset });
  const rootsSection = single(SectionKind.TIMESTEP_ROOTS);
  const rootCount = header.timeCount * header.fields.length;
  if (rootsSection.length !== rootCount * ROOT_REF_SIZE) {
    throw new FlatvoxError(
      "FormatError",
      `timestep roots are ${rootsSection.length} bytes, expected ${rootCount * ROOT_REF_SIZE}`,
      {
        section: "timestep-roots",
        offset: rootsSection.offset,
      },
    );
  }
  let roots: PageRef[] | undefined;
  if (rootsSection.offset + rootsSection.length <= preamble.openLength) {
    roots = decodeRoots(inBlock(bytes, preamble, rootsSection), rootCount, rootsSection.offset);
  }
  return { preamble, sections, header, times, roots, rootsSection };
}

/** The METADATA section's stored bytes (zstd-compressed JSON object) → the metadata. */
export function decodeMetadataSection(stored: Uint8Array, s: SectionEntry): Record<string, JsonValue> {
  const ctx = { section: "metadata", offset: s.offset };
  if (s.rawLength > LIMITS.maxSectionBytes) {
    throw new FlatvoxError("LimitError", `metadata declares ${s.rawLength} bytes`, ctx);
  }
  const raw = s.flags & SECTION_ZSTD ? zstdDecompressExact(stored, s.rawLength, ctx) : stored;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch (e) {
    throw new FlatvoxError("FormatError", `metadata is not valid UTF-8 JSON (${(e as Error).message})`, ctx);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FlatvoxError("FormatError", "metadata must be a JSON object", ctx);
  }
  return value as Record<string, JsonValue>;
}
