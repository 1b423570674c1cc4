/**
 * The fixed 32-byte preamble and the section directory that follows it.
 * Version is checked before anything else so a future major version gets a
 * VersionError, not a misleading checksum or format error.
 */
import { FlatvoxError } from "../shared/errors";
import { dataView, readU64, writeU64 } from "./binary";
import {
  DIRECTORY_ENTRY_SIZE,
  LIMITS,
  MAGIC,
  MIN_VERSION_MAJOR,
  OPEN_BLOCK_SIZE,
  PREAMBLE_SIZE,
  SECTION_OPTIONAL,
  SECTION_ZSTD,
  sectionName,
  VERSION_MAJOR,
  VERSION_MINOR,
} from "./constants";
import { xxhash32 } from "./xxhash32";

export interface SectionEntry {
  kind: number;
  flags: number;
  checksum: number;
  offset: number;
  length: number;
  /** Decoded length (equals length unless the SECTION_ZSTD flag is set). */
  rawLength: number;
}

/** The directory entry of section bytes stored at `offset` (`rawLength`: decoded size when compressed). */
export function sectionEntry(
  kind: number,
  flags: number,
  offset: number,
  bytes: Uint8Array,
  rawLength = bytes.length,
): SectionEntry {
  return { kind, flags, checksum: xxhash32(bytes), offset, length: bytes.length, rawLength };
}

export interface Preamble {
  major: number;
  minor: number;
  flags: number;
  directoryCount: number;
  directoryChecksum: number;
  /** Bytes from 0 that hold the preamble, directory and every section a reader needs to open. */
  openLength: number;
}

export function encodePreamble(sections: SectionEntry[], openLength: number): Uint8Array {
  const dir = new Uint8Array(sections.length * DIRECTORY_ENTRY_SIZE);
  const dv = dataView(dir);
  sections.forEach((s, i) => {
    const at = i * DIRECTORY_ENTRY_SIZE;
    dv.setUint16(at, s.kind, true);
    dv.setUint16(at + 2, s.flags, true);
    dv.setUint32(at + 4, s.checksum, true);
    writeU64(dv, at + 8, s.offset);
    writeU64(dv, at + 16, s.length);
    writeU64(dv, at + 24, s.rawLength);
  });
  const out = new Uint8Array(PREAMBLE_SIZE + dir.length);
  const v = dataView(out);
  out.set(MAGIC, 0);
  v.setUint16(8, VERSION_MAJOR, true);
  v.setUint16(10, VERSION_MINOR, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, sections.length, true);
  v.setUint32(20, xxhash32(dir), true);
  v.setUint32(24, openLength, true);
  v.setUint32(28, xxhash32(out.subarray(0, 28)), true);
  out.set(dir, PREAMBLE_SIZE);
  return out;
}

export function decodePreamble(bytes: Uint8Array): Preamble {
  const section = "preamble";
  if (bytes.length < MAGIC.length || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new FlatvoxError("FormatError", "not a .fvx file (bad magic)", { section, offset: 0 });
  }
  if (bytes.length < PREAMBLE_SIZE) {
    throw new FlatvoxError("TruncatedError", `file is ${bytes.length} bytes, shorter than the preamble`, {
      section,
      offset: bytes.length,
    });
  }
  const v = dataView(bytes);
  const major = v.getUint16(8, true);
  const minor = v.getUint16(10, true);
  if (major < MIN_VERSION_MAJOR || major > VERSION_MAJOR) {
    throw new FlatvoxError(
      "VersionError",
      `format version ${major}.${minor} is not supported (this reader reads ${MIN_VERSION_MAJOR}.x to ${VERSION_MAJOR}.x)`,
      {
        section,
        offset: 8,
      },
    );
  }
  if (v.getUint32(28, true) !== xxhash32(bytes.subarray(0, 28))) {
    throw new FlatvoxError("ChecksumError", "preamble checksum mismatch", { section, offset: 28 });
  }
  const p: Preamble = {
    major,
    minor,
    flags: v.getUint32(12, true),
    directoryCount: v.getUint32(16, true),
    directoryChecksum: v.getUint32(20, true),
    openLength: v.getUint32(24, true),
  };
  if (p.directoryCount > LIMITS.maxDirectoryEntries) {
    throw new FlatvoxError("LimitError", `${p.directoryCount} directory entries`, { section, offset: 16 });
  }
  const dirEnd = PREAMBLE_SIZE + p.directoryCount * DIRECTORY_ENTRY_SIZE;
  if (p.openLength > OPEN_BLOCK_SIZE || p.openLength < dirEnd) {
    throw new FlatvoxError("FormatError", `open block length ${p.openLength} impossible`, {
      section,
      offset: 24,
    });
  }
  return p;
}

/** Parse the directory from the open block; `fileSize` (when known) bounds every section. */
export function decodeDirectory(bytes: Uint8Array, p: Preamble, fileSize?: number): SectionEntry[] {
  const section = "directory";
  const end = PREAMBLE_SIZE + p.directoryCount * DIRECTORY_ENTRY_SIZE;
  if (bytes.length < end) {
    throw new FlatvoxError("TruncatedError", "section directory cut short", {
      section,
      offset: bytes.length,
    });
  }
  const dir = bytes.subarray(PREAMBLE_SIZE, end);
  if (xxhash32(dir) !== p.directoryChecksum) {
    throw new FlatvoxError("ChecksumError", "section directory checksum mismatch", {
      section,
      offset: PREAMBLE_SIZE,
    });
  }
  const v = dataView(bytes);
  const out: SectionEntry[] = [];
  for (let i = 0; i < p.directoryCount; i++) {
    const at = PREAMBLE_SIZE + i * DIRECTORY_ENTRY_SIZE;
    const s: SectionEntry = {
      kind: v.getUint16(at, true),
      flags: v.getUint16(at + 2, true),
      checksum: v.getUint32(at + 4, true),
      offset: readU64(v, at + 8, section, 0),
      length: readU64(v, at + 16, section, 0),
      rawLength: readU64(v, at + 24, section, 0),
    };
    if ((s.flags & ~(SECTION_OPTIONAL | SECTION_ZSTD)) !== 0) {
      throw new FlatvoxError("FormatError", `unknown section flags 0x${s.flags.toString(16)}`, {
        section,
        offset: at + 2,
      });
    }
    if (!(s.flags & SECTION_ZSTD) && s.rawLength !== s.length) {
      throw new FlatvoxError("FormatError", "uncompressed section with rawLength != length", {
        section,
        offset: at + 24,
      });
    }
    if (s.offset < end && s.length > 0) {
      throw new FlatvoxError("FormatError", "section overlaps the directory", { section, offset: at + 8 });
    }
    if (fileSize !== undefined && s.offset + s.length > fileSize) {
      throw new FlatvoxError(
        "TruncatedError",
        `${sectionName(s.kind)} section ends at ${s.offset + s.length}, the file is ${fileSize} bytes (cut short?)`,
        {
          section,
          offset: at + 8,
        },
      );
    }
    out.push(s);
  }
  return out;
}
