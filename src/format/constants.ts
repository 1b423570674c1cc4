/** Numeric constants of the .fvx v1 layout; docs/FORMAT.md is the prose form of this file. */

/** 0x89 'F' 'V' 'X' CR LF SUB LF: a high byte and line endings catch text-mode mangling (as PNG does). */
export const MAGIC = new Uint8Array([0x89, 0x46, 0x56, 0x58, 0x0d, 0x0a, 0x1a, 0x0a]);
export const VERSION_MAJOR = 2;
/** Oldest major version this reader still reads (1.x: a field without `fill` had fill 0). */
export const MIN_VERSION_MAJOR = 1;
export const VERSION_MINOR = 0;

/** Everything needed to open a dataset lies in this prefix: one request reads it. */
export const OPEN_BLOCK_SIZE = 65536;
export const PREAMBLE_SIZE = 32;
export const DIRECTORY_ENTRY_SIZE = 32;
export const BRICK_ENTRY_SIZE = 56;
export const PAGE_HEADER_SIZE = 24;
export const PAGE_REF_SIZE = 24;
export const ROOT_REF_SIZE = PAGE_REF_SIZE;
/** A hierarchy page spans at most this many octree levels (COPC / Potree 2 style). */
export const PAGE_LEVELS = 4;

/**
 * Section kinds (u16): the one list of codes (docs/FORMAT.md §4). Kinds
 * 0x8000.. are private to applications and always optional.
 */
export const SectionKind = {
  HEADER: 0x0001,
  TIME_VALUES: 0x0002,
  TIMESTEP_ROOTS: 0x0003,
  /**
   * The body's byte range (bricks and hierarchy pages after the open block).
   * Never read as a whole (bricks and pages carry their own checksums); its
   * end is the file's length, so a reader that knows the size rejects a cut
   * file at open.
   */
  BODY: 0x0004,
  /** Dataset metadata (zstd-compressed JSON) when too large for the header, which then says `metadataSection: true`. Optional. */
  METADATA: 0x0005,
  /** Feature directory: the small entry point of the feature sections (counts, extents, index list). */
  FEATURES: 0x0010,
  /** Feature records, track records and the track directory. */
  FEATURE_RECORDS: 0x0011,
  /** Packed Hilbert R-tree over feature boxes + time. */
  FEATURE_RTREE: 0x0012,
  /** Attribute B+trees (with their bloom filters), concatenated. */
  ATTRIBUTE_INDEX: 0x0013,
  /** Probe index: level-0 values in time-major chunks, for values over time (docs/FORMAT.md §16). */
  PROBE_INDEX: 0x0020,
  /** Reserved for per-dataset catalog statistics. */
  CATALOG_STATS: 0x0050,
} as const;

export const SECTION_NAMES: Record<number, string> = {
  [SectionKind.HEADER]: "header",
  [SectionKind.TIME_VALUES]: "time-values",
  [SectionKind.TIMESTEP_ROOTS]: "timestep-roots",
  [SectionKind.BODY]: "body",
  [SectionKind.FEATURES]: "features",
  [SectionKind.FEATURE_RECORDS]: "feature-records",
  [SectionKind.FEATURE_RTREE]: "feature-rtree",
  [SectionKind.ATTRIBUTE_INDEX]: "attribute-index",
  [SectionKind.PROBE_INDEX]: "probe-index",
  [SectionKind.CATALOG_STATS]: "catalog-stats",
};

export function sectionName(kind: number): string {
  return SECTION_NAMES[kind] ?? `kind-0x${kind.toString(16).padStart(4, "0")}`;
}

/** Section directory flags. */
export const SECTION_OPTIONAL = 1;
export const SECTION_ZSTD = 2;

/** Brick encodings. */
export const Encoding = {
  UNIFORM: 0,
  SHUFFLE_ZSTD: 1,
  XOR_DELTA_SHUFFLE_ZSTD: 2,
} as const;
export type EncodingCode = (typeof Encoding)[keyof typeof Encoding];

/** Brick entry flags. */
export const BRICK_DEDUP = 1;

/** Dtype codes are not stored in binary (the header is JSON) but bound checks use these. */
export const LIMITS = {
  maxDim: 1 << 20,
  maxFields: 256,
  maxTimesteps: 8000,
  minBrickSize: 16,
  maxBrickSize: 256,
  maxDirectoryEntries: 1024,
  maxHeaderBytes: OPEN_BLOCK_SIZE - PREAMBLE_SIZE,
  maxPageStored: 65536,
  maxPageRaw: 65536,
  /** Longest chain of delta references a reader follows. */
  maxDeltaChain: 64,
  /** Largest region a single readRegion call may allocate. */
  maxRegionBytes: 1 << 30,
  /** Largest section an index reader should allocate without streaming it. */
  maxSectionBytes: 1 << 30,
} as const;

/** Upper bound of a zstd frame holding `n` bytes (generous form of ZSTD_compressBound). */
export function zstdBound(n: number): number {
  return n + (n >>> 7) + 4096;
}
